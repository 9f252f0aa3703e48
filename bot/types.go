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
	UpdateDesk                            // the desk tells the chat's engine something; Data is a desk event ("closed:12", "faq:node")
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

	// The fields below matter in groups (the consultants' desk) and for
	// media; adapters fill what their platform gives.

	Ref     string // platform id of this message itself (Telegram message_id), for copies and replies
	From    string // platform id of the person who sent it; differs from Chat's id in groups
	Thread  string // forum topic (Telegram message_thread_id) the message was posted in, if any
	ReplyTo string // platform id of the message this one replies to, if any
	Media   *Media // a photo, document, voice note, video, sticker or location; Text holds its caption
}

// MediaKind says what a media message carries.
type MediaKind uint8

// The kinds of media relayed between users and consultants.
const (
	MediaPhoto MediaKind = iota + 1
	MediaDocument
	MediaVoice
	MediaVideo
	MediaSticker
	MediaLocation
)

// Media is a file or a place attached to an update or a reply. On its own
// platform a file is re-sent by FileID; across platforms by URL.
type Media struct {
	Kind     MediaKind
	FileID   string  // platform file id, valid on the platform that gave it
	URL      string  // where the file can be fetched, if known (Viber media, a link the bot serves)
	Name     string  // file name, for documents
	MIME     string  // media type, if known
	Size     int64   // bytes, if known
	Lat, Lon float64 // MediaLocation
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
	// ReplyTo, if set, is the platform id of a message in Chat this reply
	// answers (shown as a quote where the platform supports it).
	ReplyTo string
	// Media, if set, is sent with Text as its caption.
	Media *Media
	// Copy, if set, asks the adapter to copy that existing message of the
	// same platform (Telegram copyMessage: no "forwarded from" header)
	// instead of rendering Text; Text then replaces the caption if set.
	Copy *MessageRef
	// Track, if set, asks the outbox to record the platform ids of the sent
	// messages under this value when it marks the item done, so that a
	// later reply to any of them can be traced back (a desk ticket id).
	Track string
	// Coalesce, if set, lets the outbox merge this reply with the replies
	// queued directly behind it in the same chat that carry the same
	// Coalesce, Thread and Track, when the chat is backlogged (more than one
	// reply pending, or the head held back by a rate window or pause): they
	// go out as ONE message, their texts joined by a blank line, and are all
	// marked done in one commit. Only plain text merges: no Buttons, Media,
	// Copy, EditRef or Links, and a Title or ReplyTo only on the first. The
	// desk sets it on relays into the staff group (20 messages/min).
	Coalesce string
}

// MessageRef names one message on a platform: its chat and its id there.
type MessageRef struct {
	Chat ChatKey
	Ref  string
}

// Receipt is what a Sender reports about a delivered reply.
type Receipt struct {
	// Refs are the platform ids of the messages that carried the reply, in
	// order (a long text may need several). Empty when the platform gives
	// none (the terminal).
	Refs []string
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
	EffectRate                                // the user rated ticket Ticket with Rating (1–5)
)

// Effect is a side effect of handling an update, committed in the same
// transaction as the new state.
type Effect struct {
	Kind     EffectKind
	Node     string
	Category string
	Text     string // EffectRelay: the message; EffectHandoff: the user's description
	Lang     faq.Lang
	// Path is where the user went before a hand-off (EffectHandoff).
	Path []string
	// Ref and Media describe a relayed message (EffectRelay): its platform
	// id, for copies, and its attachment, if any.
	Ref   string
	Media *Media
	// Ticket and Rating are set by EffectRate.
	Ticket string
	Rating int
}
