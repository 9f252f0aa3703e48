package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// Compile-time checks of the outbox's optional queue interfaces.
var (
	_ bot.MarkBatcher = (*DB)(nil)
	_ bot.ChatScanner = (*DB)(nil)
)

// DefaultMaxPendingPerChat is the flood cap: a chat with this many items
// pending gets further plain answers refused at enqueue (see enqueue).
const DefaultMaxPendingPerChat = 100

// floodKeyPrefix + chat is the Key of a chat's pending flood notice.
const floodKeyPrefix = "flood/"

// Mark implements bot.MarkBatcher. The marks commit in one transaction
// that bbolt's Batch shares with concurrent Apply calls, so a busy outbox
// and a busy webhook pay one fsync together. Like Apply's, the function may
// run more than once; it only reads what the transaction sees.
func (db *DB) Mark(ctx context.Context, marks []bot.Mark) error {
	if len(marks) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := db.batch(context.WithoutCancel(ctx), func(tx *bbolt.Tx) error {
		now := db.now()
		for _, m := range marks {
			if err := applyMark(tx, m, now); err != nil {
				return err
			}
		}
		return nil
	})
	db.items.evict(marks)
	if err != nil {
		return fmt.Errorf("outbox marks: %w", err)
	}
	return nil
}

// applyMark records one mark inside tx.
func applyMark(tx *bbolt.Tx, m bot.Mark, now time.Time) error {
	switch m.Kind {
	case bot.MarkDone:
		return markDone(tx, m, now)
	case bot.MarkRetry:
		return markRetry(tx, m.Seq, m.Attempts, m.NotBefore)
	case bot.MarkDrop:
		return markDrop(tx, m, now)
	case bot.MarkPause:
		return setPause(tx, m.Lane, m.Until, now)
	case bot.MarkBlocked:
		_, err := markBlocked(tx, m.Chat, m.Seq, now)
		return err
	}
	return fmt.Errorf("mark %d: unknown kind %d", m.Seq, m.Kind)
}

func markDone(tx *bbolt.Tx, m bot.Mark, now time.Time) error {
	it, found, err := removeMarked(tx, m)
	if err != nil || !found {
		return err
	}
	if it.Kind == bot.ReplyReminder {
		if err := incrStat(tx, now, "reminders/sent", 1); err != nil {
			return err
		}
	}
	if it.Track == "" {
		return nil
	}
	return putRefs(tx, it.Chat, m.Receipt.Refs, it.Track)
}

// removeMarked removes the item a done or drop mark names. When the mark
// carries the item's Chat (with its Key, Track and ReplyKind), as the
// outbox's do, the item is not decoded: decoding every delivered item was
// the largest cost of a commit of marks.
func removeMarked(tx *bbolt.Tx, m bot.Mark) (bot.Reply, bool, error) {
	if m.Chat == "" {
		it, found, err := removeItem(tx, m.Seq)
		return it.Reply, found, err
	}
	r := bot.Reply{Chat: m.Chat, Key: m.Key, Track: m.Track, Kind: m.ReplyKind}
	b := tx.Bucket(bucketOutbox)
	if b.Get(u64(m.Seq)) == nil {
		return r, false, nil
	}
	if err := b.Delete(u64(m.Seq)); err != nil {
		return r, true, fmt.Errorf("delete item %d: %w", m.Seq, err)
	}
	return r, true, unindexItem(tx, m.Seq, r)
}

func markRetry(tx *bbolt.Tx, seq uint64, attempts int, notBefore time.Time) error {
	b := tx.Bucket(bucketOutbox)
	var it bot.OutboxItem
	found, err := getJSON(b, u64(seq), &it)
	if err != nil || !found {
		return err
	}
	it.Attempts, it.NotBefore = attempts, notBefore
	return putJSON(b, u64(seq), it)
}

func markDrop(tx *bbolt.Tx, m bot.Mark, now time.Time) error {
	reason := m.Reason
	if reason == "" {
		reason = "unknown"
	}
	_, found, err := removeMarked(tx, m)
	if err != nil || !found {
		return err
	}
	return incrStat(tx, now, "dropped/"+reason, 1)
}

// setPause stores or clears a lane's pause, pruning expired ones.
func setPause(tx *bbolt.Tx, lane string, until, now time.Time) error {
	if err := prunePauses(tx, now); err != nil {
		return err
	}
	b := tx.Bucket(bucketMeta)
	if !until.After(now) {
		return b.Delete([]byte(pausePrefix + lane))
	}
	return b.Put([]byte(pausePrefix+lane), []byte(until.Format(time.RFC3339Nano)))
}

// markBlocked drops chat's items up to seq and, if nothing newer is
// pending, marks the chat inactive. Items enqueued after seq were committed
// after the blocked send started: the user may have come back since (an
// unblock and /start), and those replies must reach them.
func markBlocked(tx *bbolt.Tx, chat bot.ChatKey, seq uint64, now time.Time) (int, error) {
	dropped, newer, err := dropChatItemsUpTo(tx, chat, seq)
	if err != nil {
		return dropped, err
	}
	if !newer {
		if err := setInactive(tx, chat); err != nil {
			return dropped, err
		}
	}
	if dropped == 0 {
		return 0, nil
	}
	return dropped, incrStat(tx, now, "dropped/inactive", uint64(dropped))
}

// setInactive marks a known chat's state inactive.
func setInactive(tx *bbolt.Tx, chat bot.ChatKey) error {
	st, exists, err := loadState(tx, chat)
	if err != nil || !exists || st.Inactive {
		return err
	}
	inactive := st
	inactive.Inactive = true
	return putState(tx, chat, inactive, st, true)
}

// dropChatItemsUpTo removes chat's pending items with seq <= upTo and
// reports whether newer ones remain.
func dropChatItemsUpTo(tx *bbolt.Tx, chat bot.ChatKey, upTo uint64) (dropped int, newer bool, err error) {
	idx := tx.Bucket(bucketOutboxChat)
	prefix := chatPrefix(chat)
	var old [][]byte
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if binary.BigEndian.Uint64(k[len(k)-8:]) > upTo {
			newer = true
			break
		}
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		_, found, err := removeItem(tx, binary.BigEndian.Uint64(k[len(k)-8:]))
		if err != nil {
			return dropped, newer, err
		}
		if found {
			dropped++
		}
		if err := idx.Delete(k); err != nil {
			return dropped, newer, fmt.Errorf("unindex %q: %w", k, err)
		}
	}
	return dropped, newer, nil
}

// ScanChat implements bot.ChatScanner through the outbox_chat index.
func (db *DB) ScanChat(ctx context.Context, chat bot.ChatKey, after uint64, limit int) ([]bot.OutboxItem, error) {
	if limit <= 0 {
		return nil, nil
	}
	var items []bot.OutboxItem
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		out := tx.Bucket(bucketOutbox)
		prefix := chatPrefix(chat)
		c := tx.Bucket(bucketOutboxChat).Cursor()
		for k, _ := c.Seek(chatSeqKey(chat, after+1)); k != nil && bytes.HasPrefix(k, prefix) && len(items) < limit; k, _ = c.Next() {
			v := out.Get(k[len(k)-8:])
			if v == nil {
				continue // an index entry without its item: nothing to send
			}
			seq := binary.BigEndian.Uint64(k[len(k)-8:])
			it, err := db.readItem(seq, v, seq-1)
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan outbox of %s: %w", chat, err)
	}
	return items, nil
}

// LastSeq implements bot.ChatScanner.
func (db *DB) LastSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		seq = tx.Bucket(bucketOutbox).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox sequence: %w", err)
	}
	return seq, nil
}

// flooded reports whether chat already has max items pending. It reads at
// most max index entries, so a chat with few pending costs one seek.
func flooded(tx *bbolt.Tx, chat bot.ChatKey, max int) bool {
	prefix := chatPrefix(chat)
	c := tx.Bucket(bucketOutboxChat).Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if n++; n >= max {
			return true
		}
	}
	return false
}

// refusable reports whether the flood cap may refuse r: a plain answer to
// the user. Relays, staff messages, reminders and keyed items always queue.
func refusable(r bot.Reply) bool {
	return r.Kind == bot.ReplyAnswer && r.Key == ""
}
