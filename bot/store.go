package bot

import (
	"context"
	"errors"
	"time"
)

// Errors returned by Store and Queue implementations.
var (
	// ErrLocked means another process holds the data file.
	ErrLocked = errors.New("another infopunkt is running with this data file")
	// ErrNotFound means the key does not exist.
	ErrNotFound = errors.New("not found")
)

// ApplyFunc computes the result of an update from the chat's current state.
// exists is false for a chat never seen (or erased). It may be called more
// than once per update (group commit retries), so it must be pure.
type ApplyFunc func(st State, exists bool) Result

// Store keeps conversation state durable.
type Store interface {
	// Apply loads the chat's state, calls fn and commits in ONE durable
	// transaction: the dedupe key, the new state, the replies appended to
	// the outbox, and the effects (tickets, subscriptions, stats, erasure).
	// When dedupKey is non-empty and was committed before, fn is not called
	// and applied is false. An EffectErase deletes every key of the chat
	// instead of saving the state; the result's replies are still queued.
	// Errors: ErrLocked never (Open reports it); I/O errors wrapped.
	Apply(ctx context.Context, chat ChatKey, dedupKey string, fn ApplyFunc) (res Result, applied bool, err error)
	// State returns a copy of the chat's state; exists is false if unknown.
	State(ctx context.Context, chat ChatKey) (st State, exists bool, err error)
}

// OutboxItem is one queued outbound message.
type OutboxItem struct {
	Seq       uint64    `json:"seq"`
	Reply     Reply     `json:"reply"`
	Attempts  int       `json:"attempts,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	Enqueued  time.Time `json:"enqueued"`
}

// Queue is the durable outbox the delivery workers drain. Everything the
// bot sends is in the queue before it is sent.
type Queue interface {
	// Enqueue appends replies durably. A reply whose non-empty Key was
	// enqueued before is skipped. It returns the sequence numbers assigned
	// (0 for skipped replies).
	Enqueue(ctx context.Context, replies ...Reply) ([]uint64, error)
	// Scan returns up to limit pending items with Seq > after, in Seq order.
	Scan(ctx context.Context, after uint64, limit int) ([]OutboxItem, error)
	// Done removes a delivered item. When its Reply.Track is set, the
	// receipt's refs are recorded under it in the same commit (see
	// Tracker). Removing a missing item is not an error.
	Done(ctx context.Context, seq uint64, rc Receipt) error
	// Retry records a failed attempt and when to try again.
	Retry(ctx context.Context, seq uint64, attempts int, notBefore time.Time) error
	// Drop removes an undeliverable item; reason is a short code for stats.
	Drop(ctx context.Context, seq uint64, reason string) error
	// MarkInactive marks the chat inactive (the user blocked the bot) and
	// drops all its pending items, returning how many were dropped.
	MarkInactive(ctx context.Context, chat ChatKey) (dropped int, err error)
	// SetPause stores that lane (a chat key, or a channel name for a global
	// flood) may not send before until.
	SetPause(ctx context.Context, lane string, until time.Time) error
	// Pauses returns the stored pauses that have not expired at now.
	Pauses(ctx context.Context, now time.Time) (map[string]time.Time, error)
}

// Meta is small durable key/value storage for adapters (poll offset,
// generated webhook secret, short button keys).
type Meta interface {
	// GetMeta returns the value of key, or ErrNotFound.
	GetMeta(ctx context.Context, key string) ([]byte, error)
	// PutMeta stores value under key durably.
	PutMeta(ctx context.Context, key string, value []byte) error
}

// SendErrorKind classifies a failed send for the outbox.
type SendErrorKind uint8

// How the outbox reacts to each kind of failure.
const (
	SendRetry       SendErrorKind = iota + 1 // transient (5xx, timeout, reset): retry with jittered backoff
	SendRateLimited                          // 429 or equivalent: pause the lane (Global: the channel) for RetryAfter
	SendBlocked                              // the user blocked the bot or is unreachable: mark inactive, drop pending
	SendPermanent                            // a bad request that will never succeed: drop with Reason
)

// SendError is how adapters report a failed send in platform-neutral terms.
type SendError struct {
	Kind       SendErrorKind
	RetryAfter time.Duration
	Global     bool   // the limit applies to the whole channel, not one chat
	Reason     string // short code for logs and stats, no message text
	Err        error
}

func (e *SendError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *SendError) Unwrap() error { return e.Err }

// Tracker finds what a sent message belonged to: the Reply.Track of the
// item that carried it (Queue.Done records it).
type Tracker interface {
	// Tracked returns the Track recorded for message ref in chat, or
	// ErrNotFound.
	Tracked(ctx context.Context, chat ChatKey, ref string) (track string, err error)
}

// Sender delivers one reply on one channel. Implementations must be safe for
// concurrent use by different chats.
type Sender interface {
	// Send delivers r and reports the platform ids of the messages sent. A
	// failure should be a *SendError; any other error is treated as
	// SendRetry. r's slices and pointers (Buttons, Media, Copy) may be
	// shared with the store's cache of queued items: Send must not modify
	// them.
	Send(ctx context.Context, r Reply) (Receipt, error)
}
