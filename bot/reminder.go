package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// prefixEventTarget marks an event subscription among the subscription
// targets (State.Subs, the store's subscriptions): "e:<event id>". Category
// ids cannot contain ':', so the two never collide.
const prefixEventTarget = "e:"

// EventTarget is the subscription target of one event ("Remind me").
func EventTarget(id string) string { return prefixEventTarget + id }

// EventOfTarget returns the event id of an event target.
func EventOfTarget(target string) (string, bool) { return strings.CutPrefix(target, prefixEventTarget) }

// ReminderTargets are the subscription targets that reach an event's
// reminders, in order: the event itself, then its category. A chat holding
// both gets one reminder.
func ReminderTargets(e *faq.Event) []string { return []string{EventTarget(e.ID), e.Category} }

// SlotKey names one reminder slot: event, occurrence start (unix seconds)
// and offset before it (minutes). The prefix up to the offset names the
// occurrence (OccurrenceKey).
func SlotKey(event string, start time.Time, offset time.Duration) string {
	return OccurrenceKey(event, start) + strconv.FormatInt(int64(offset/time.Minute), 10)
}

// OccurrenceKey is the prefix shared by an occurrence's slot keys.
func OccurrenceKey(event string, start time.Time) string {
	return event + "/" + strconv.FormatInt(start.Unix(), 10) + "/"
}

// ReminderKeyPrefix starts the Reply.Key of every reminder; the full key is
// the prefix, the slot key, "/" and the chat key.
const ReminderKeyPrefix = "rem/"

// ReminderKey is the idempotent outbox key of one reminder to one chat.
func ReminderKey(slot string, chat ChatKey) string {
	return ReminderKeyPrefix + slot + "/" + string(chat)
}

// FanOut asks the store to enqueue one slot's reminders.
type FanOut struct {
	Slot    string    // SlotKey
	Event   string    // the event id
	Title   faq.Text  // the event's title, kept for a cancellation notice
	Start   time.Time // the occurrence's start
	Targets []string  // ReminderTargets
	// Limit is how many subscribers one call handles (one transaction).
	Limit int
	// Build renders the reminder for chat; st carries the chat's profile
	// (Lang, LangSet, Consent), not its whole session. It runs inside the
	// store's transaction and must not block. The store sets Chat, Kind
	// (ReplyReminder) and Key (ReminderKey).
	Build func(chat ChatKey, st State) Reply
	// Skip, if set, leaves a chat out (counted as Inactive): Viber chats
	// when reminders on Viber are off (no INFOPUNKT_VIBER_REMINDER_CAP).
	Skip func(chat ChatKey) bool
}

// FanOutResult reports one FanOut call.
type FanOutResult struct {
	Queued   int  // reminders enqueued by this call
	Inactive int  // subscribers left out: blocked the bot or sent /stop
	Done     bool // every subscriber has been handled; later calls do nothing
}

// Withdrawal asks the store to take back an occurrence that moved or was
// cancelled: pending reminders are removed, and chats that already got one
// get Notice (when it returns ok).
type Withdrawal struct {
	Event  string
	Start  time.Time
	Notice func(chat ChatKey, st State) (Reply, bool)
}

// OccurrenceMark is an occurrence the store has started reminding of.
type OccurrenceMark struct {
	Event   string    `json:"event"`
	Title   faq.Text  `json:"title"`
	Start   time.Time `json:"start"`
	Targets []string  `json:"targets"`
	Slots   []string  `json:"slots"`
}

// ReminderStore is what the scheduler needs from the store. Each method
// documents its guarantees; errors are I/O errors, wrapped.
type ReminderStore interface {
	// FanOut enqueues the next Limit reminders of a slot and records the
	// progress in the same transaction, so a slot is never enqueued twice
	// for a chat, across restarts and concurrent passes.
	FanOut(ctx context.Context, f FanOut) (FanOutResult, error)
	// Marks lists the occurrences reminders were enqueued for.
	Marks(ctx context.Context) ([]OccurrenceMark, error)
	// Withdraw removes an occurrence's pending reminders, queues the notices
	// and forgets the occurrence's marks; it returns the counts.
	Withdraw(ctx context.Context, w Withdrawal) (withdrawn, notified int, err error)
	// ForgetBefore drops the marks of occurrences that started before t.
	ForgetBefore(ctx context.Context, t time.Time) error
	// CountSubscribers counts the active chats reached by targets, each once.
	CountSubscribers(ctx context.Context, targets []string) (int, error)
	// Count adds n to today's counter name ("reminders/skipped").
	Count(ctx context.Context, name string, n uint64) error
	Meta
}
