package bot

import (
	"context"
	"time"
)

// DeskTx is what the consultants' desk may read and write inside one store
// transaction. Everything it does commits, or rolls back, together with the
// input that caused it; a transaction may be re-run (group commit), so the
// code using it must derive everything from what it reads.
type DeskTx interface {
	// Now is the transaction's clock.
	Now() time.Time
	// Get decodes the desk record key into v, reporting whether it exists.
	Get(key string, v any) (bool, error)
	// Put stores v under key; Delete removes key (missing is not an error).
	Put(key string, v any) error
	Delete(key string) error
	// PutFor and GetFor are Put and Get for records holding chat's personal
	// text (a ticket's description): sealed with the chat's key, so erasing
	// the chat makes them unreadable everywhere, backups included.
	PutFor(chat ChatKey, key string, v any) error
	GetFor(chat ChatKey, key string, v any) (bool, error)
	// Keys lists the desk record keys starting with prefix, in order.
	Keys(prefix string) ([]string, error)
	// Enqueue appends replies to the outbox.
	Enqueue(replies ...Reply) error
	// AppendTranscript stores one transcript entry of chat (personal text:
	// erased with the chat); DeleteTranscript removes all of chat's entries.
	AppendTranscript(chat ChatKey, entry any) error
	DeleteTranscript(chat ChatKey) error
	// DropTracked removes chat's pending outbox items whose Reply.Track is
	// track (relays of an erased ticket).
	DropTracked(chat ChatKey, track string) error
	// Count adds n to today's counter name.
	Count(name string, n uint64) error
	// UpdateChat runs fn on chat's conversation state and stores the result
	// (state, replies; erasure and subscription effects), as Store.Apply
	// does, but without calling the desk hook again.
	UpdateChat(chat ChatKey, fn ApplyFunc) (Result, error)
}

// DeskHook is called inside Store.Apply, after the engine ran, when the
// result carries effects the desk consumes (hand-off, relay, cancel,
// rating, erasure). st is the chat's new state. An error fails the update.
type DeskHook func(tx DeskTx, chat ChatKey, st State, effects []Effect) error

// DeskStore runs desk inputs (staff messages, ticks, platform results) in
// one durable transaction each.
type DeskStore interface {
	// UpdateDesk runs fn in one transaction. When dedupKey is non-empty and
	// was committed before, fn is not called and applied is false.
	UpdateDesk(ctx context.Context, dedupKey string, fn func(tx DeskTx) error) (applied bool, err error)
	// SetDeskHook installs the hook Apply calls for desk effects. Call it
	// before the first Apply.
	SetDeskHook(h DeskHook)
}

// DeskEffect reports whether the desk consumes effects of kind k.
func DeskEffect(k EffectKind) bool {
	switch k {
	case EffectHandoff, EffectHandoffCancel, EffectRelay, EffectErase, EffectRate:
		return true
	}
	return false
}
