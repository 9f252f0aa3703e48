package bot

import (
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// Channel names a messaging platform.
type Channel string

// The channels the bot speaks on.
const (
	Telegram Channel = "telegram"
	Viber    Channel = "viber"
	Local    Channel = "local" // terminal or local web chat
)

// ChatKey identifies one conversation across channels: "channel:id".
type ChatKey string

// NewChatKey joins a channel and a platform chat id.
func NewChatKey(ch Channel, id string) ChatKey { return ChatKey(string(ch) + ":" + id) }

// Channel returns the channel part of the key.
func (k ChatKey) Channel() Channel {
	ch, _, _ := strings.Cut(string(k), ":")
	return Channel(ch)
}

// ID returns the platform chat id part of the key.
func (k ChatKey) ID() string {
	_, id, _ := strings.Cut(string(k), ":")
	return id
}

// UpdateKind says what happened in a chat.
type UpdateKind uint8

// The kinds of inbound update.
const (
	UpdateText      UpdateKind = iota + 1 // the user typed text (commands included)
	UpdateButton                          // the user pressed a button; Data holds its payload
	UpdateStarted                         // the user opened the conversation (Viber conversation_started); Text may hold a deep-link payload
	UpdateBlocked                         // the user blocked the bot or unsubscribed
	UpdateUnblocked                       // the user unblocked the bot or subscribed again
)

// Update is one inbound event, already translated from the platform's types.
type Update struct {
	Chat       ChatKey
	Kind       UpdateKind
	Text       string    // UpdateText: what the user typed, verbatim
	Data       string    // UpdateButton: the button's payload
	LangHint   string    // the platform's language code for the user ("uk", "en-US"), may be empty
	DedupKey   string    // platform-unique id of the update; "" disables deduplication
	MessageRef string    // platform id of the message whose button was pressed, for edits in place
	Time       time.Time // when the platform received it; zero means unknown
}

// Button is one button under a reply: it either sends Data back or opens URL.
type Button struct {
	Label string
	Data  string // at most MaxButtonData bytes
	URL   string
}

// MaxButtonData is the largest button payload the engine produces; it fits
// Telegram's 64-byte callback_data and Viber's ActionBody.
const MaxButtonData = 64

// Link is a labelled URL shown under a reply's text (sources, pages).
type Link struct {
	Label string
	URL   string
}

// ReplyKind classifies outbound messages for pacing and billing.
type ReplyKind uint8

// The kinds of outbound message.
const (
	ReplyAnswer   ReplyKind = iota // a direct answer to the user's update
	ReplyRelay                     // a consultant's message relayed to the user
	ReplyReminder                  // a bot-initiated reminder (billed on Viber)
	ReplyStaff                     // a message to the consultants' staff group
)

// Reply is one outbound message, channel-neutral. Adapters render Title in
// bold, escape Text, list Links, and split Text at their own limit.
type Reply struct {
	Chat    ChatKey
	Kind    ReplyKind
	Title   string
	Text    string
	Links   []Link
	Buttons [][]Button
	// EditRef, when set, asks the adapter to replace that message in place
	// (menu navigation) instead of sending a new one; adapters that cannot
	// edit, or fail to, send a new message.
	EditRef string
	// Key makes an enqueue idempotent (a reminder slot, a relay id): a
	// second reply with the same non-empty Key is ignored.
	Key string
	// Lang is the language the reply is written in.
	Lang faq.Lang
	// Thread is a platform thread (forum topic) inside Chat, if any.
	Thread string
}

// EffectKind says what a handled update asks other parts to do.
type EffectKind uint8

// The effects the engine emits for the store, desk and scheduler.
const (
	EffectHandoff       EffectKind = iota + 1 // open a consultant ticket; Node is where the user was
	EffectHandoffCancel                       // the user left the consultant queue
	EffectRelay                               // pass Text to the consultant handling the chat
	EffectSubscribe                           // subscribe the chat to Category
	EffectUnsubscribe                         // unsubscribe the chat from Category
	EffectErase                               // delete every key that belongs to the chat
	EffectUnanswered                          // count a search with no match (no text kept)
	EffectView                                // count a view of Node, for staff statistics
)

// Effect is a side effect of handling an update, committed in the same
// transaction as the new state.
type Effect struct {
	Kind     EffectKind
	Node     string
	Category string
	Text     string // EffectRelay only
	Lang     faq.Lang
}
