package bot

import (
	"context"
	"time"
)

// MarkKind says what a delivery mark records.
type MarkKind uint8

// The delivery marks an outbox worker records.
const (
	// MarkDone: item Seq was delivered. The receipt's refs are recorded
	// under the item's Reply.Track (see Tracker), as Queue.Done does.
	MarkDone MarkKind = iota + 1
	// MarkRetry: item Seq failed; Attempts and NotBefore are stored.
	MarkRetry
	// MarkDrop: item Seq is undeliverable and removed; Reason is counted.
	MarkDrop
	// MarkPause: Lane (a chat key or a channel) may not send before
	// Until; a zero Until clears the pause (Queue.SetPause).
	MarkPause
	// MarkBlocked: Chat blocked the bot when item Seq was sent. Its items
	// with a sequence number up to Seq are dropped; items enqueued after
	// Seq are kept (the user may have come back meanwhile), and the chat is
	// marked inactive only if none are pending.
	MarkBlocked
)

// Mark is one delivery outcome to record durably.
type Mark struct {
	Kind      MarkKind
	Seq       uint64
	Receipt   Receipt   // MarkDone
	Attempts  int       // MarkRetry
	NotBefore time.Time // MarkRetry
	Reason    string    // MarkDrop: short code for stats
	Lane      string    // MarkPause
	Until     time.Time // MarkPause
	// Chat: MarkBlocked's chat. On MarkDone and MarkDrop, optionally the
	// item's Reply.Chat, with Key, Track and ReplyKind its Reply.Key,
	// Reply.Track and Reply.Kind, exactly as the queue returned them: the
	// queue may then skip decoding the item.
	Chat      ChatKey
	Key       string
	Track     string
	ReplyKind ReplyKind
}

// MarkBatcher is implemented by Queues that record many delivery marks in
// one durable commit. The outbox uses it when available, so that many sends
// share one fsync; otherwise it calls the Queue's methods one by one.
type MarkBatcher interface {
	// Mark applies marks in order in one transaction. Marks of items no
	// longer pending are ignored. On error none is applied. Mark must not
	// retain marks after it returns: the outbox reuses the slice.
	Mark(ctx context.Context, marks []Mark) error
}

// ChatScanner is implemented by Queues that list one chat's pending items.
// The outbox uses it to read a backlogged chat on its own, so that holding
// a bounded number of items in memory never starves other chats.
type ChatScanner interface {
	// ScanChat returns up to limit pending items of chat with Seq > after,
	// in Seq order.
	ScanChat(ctx context.Context, chat ChatKey, after uint64, limit int) ([]OutboxItem, error)
	// LastSeq returns the highest Seq assigned so far (0 for none): where
	// items committed from now on will start.
	LastSeq(ctx context.Context) (uint64, error)
}
