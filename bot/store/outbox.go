package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// errNoChat rejects an update or a reply that names no chat.
var errNoChat = errors.New("no chat key")

// Enqueue implements bot.Queue. All replies commit in one transaction.
// Replies must name their Chat.
func (db *DB) Enqueue(ctx context.Context, replies ...bot.Reply) ([]uint64, error) {
	seqs := make([]uint64, len(replies))
	var stage staging
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		now := db.now()
		stage.items = stage.items[:0]
		for i, r := range replies {
			seq, err := enqueue(tx, r, now, &stage.items)
			if err != nil {
				return fmt.Errorf("reply %d: %w", i, err)
			}
			seqs[i] = seq
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	db.items.publish(&stage)
	return seqs, nil
}

// Scan implements bot.Queue. A limit of zero or less returns nothing.
func (db *DB) Scan(ctx context.Context, after uint64, limit int) ([]bot.OutboxItem, error) {
	if limit <= 0 || after == math.MaxUint64 {
		return nil, nil
	}
	var items []bot.OutboxItem
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		prev := after
		for k, v := c.Seek(u64(after + 1)); k != nil && len(items) < limit; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			it, err := db.readItem(seq, v, prev)
			if err != nil {
				return err
			}
			items = append(items, it)
			prev = seq
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan outbox: %w", err)
	}
	return items, nil
}

// readItem returns item seq stored as raw: the cached item if raw is what
// it was cached from, or raw decoded. gone < seq: no item is stored after
// gone and before seq (see itemCache.take).
func (db *DB) readItem(seq uint64, raw []byte, gone uint64) (bot.OutboxItem, error) {
	if it, ok := db.items.take(seq, raw, gone); ok && !db.noItemCache {
		return it, nil
	}
	var it bot.OutboxItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return it, fmt.Errorf("decode item %d: %w", seq, err)
	}
	return it, nil
}

// Done implements bot.Queue. It also removes the item's index entries, so
// its Key may be enqueued again afterwards, and records rc's refs under the
// item's Reply.Track. Concurrent calls share one commit (see Mark).
func (db *DB) Done(ctx context.Context, seq uint64, rc bot.Receipt) error {
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkDone, Seq: seq, Receipt: rc}}); err != nil {
		return fmt.Errorf("outbox done %d: %w", seq, err)
	}
	return nil
}

// Tracked implements bot.Tracker.
func (db *DB) Tracked(ctx context.Context, chat bot.ChatKey, ref string) (string, error) {
	var track string
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketRefs).Get(refKey(chat, ref))
		if v == nil {
			return bot.ErrNotFound
		}
		track = string(v)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("tracked %s: %w", ref, err)
	}
	return track, nil
}

// putRefs records that the messages refs in chat carried an item tracked
// as track.
func putRefs(tx *bbolt.Tx, chat bot.ChatKey, refs []string, track string) error {
	b := tx.Bucket(bucketRefs)
	for _, ref := range refs {
		if err := b.Put(refKey(chat, ref), []byte(track)); err != nil {
			return fmt.Errorf("record ref: %w", err)
		}
	}
	return nil
}

func refKey(chat bot.ChatKey, ref string) []byte {
	k := make([]byte, 0, len(chat)+1+len(ref))
	k = append(k, chat...)
	k = append(k, 0)
	return append(k, ref...)
}

// Retry implements bot.Queue. Retrying a missing item (delivered, dropped
// or erased meanwhile) is not an error.
func (db *DB) Retry(ctx context.Context, seq uint64, attempts int, notBefore time.Time) error {
	err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkRetry, Seq: seq, Attempts: attempts, NotBefore: notBefore}})
	if err != nil {
		return fmt.Errorf("outbox retry %d: %w", seq, err)
	}
	return nil
}

// Drop implements bot.Queue and counts "dropped/<reason>" in today's stats.
// Dropping a missing item is not an error and counts nothing.
func (db *DB) Drop(ctx context.Context, seq uint64, reason string) error {
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkDrop, Seq: seq, Reason: reason}}); err != nil {
		return fmt.Errorf("outbox drop %d: %w", seq, err)
	}
	return nil
}

// MarkInactive implements bot.Queue. The chat's state gets Inactive if the
// chat is known; dropped items count as "dropped/inactive". The outbox
// worker uses MarkBlocked instead, which keeps replies enqueued after the
// blocked send.
func (db *DB) MarkInactive(ctx context.Context, chat bot.ChatKey) (int, error) {
	var dropped int
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		dropped, err = markBlocked(tx, chat, math.MaxUint64, db.now())
		return err
	})
	db.items.evictChat(chat)
	if err != nil {
		return 0, fmt.Errorf("mark %s inactive: %w", chat, err)
	}
	return dropped, nil
}

// enqueue appends r unless its Key is already pending or the chat is
// flooded: a plain answer (refusable) to a chat with
// DefaultMaxPendingPerChat items pending is refused and counted as
// "dropped/flood", so one chat flooding the bot cannot grow the queue
// without bound. It returns the new sequence number, or 0 when skipped.
// If staged is not nil, the new item is appended to it for the item cache,
// to be published once the transaction committed.
func enqueue(tx *bbolt.Tx, r bot.Reply, now time.Time, staged *[]cachedItem) (uint64, error) {
	if r.Chat == "" {
		return 0, errNoChat
	}
	keys := tx.Bucket(bucketOutboxKeys)
	if r.Key != "" && keys.Get([]byte(r.Key)) != nil {
		return 0, nil
	}
	if refusable(r) && flooded(tx, r.Chat, DefaultMaxPendingPerChat) {
		return 0, incrStat(tx, now, "dropped/flood", 1)
	}
	b := tx.Bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("next outbox sequence: %w", err)
	}
	it := bot.OutboxItem{Seq: seq, Reply: r, Enqueued: now}
	raw, err := json.Marshal(it)
	if err != nil {
		return 0, fmt.Errorf("encode item %d: %w", seq, err)
	}
	if err := b.Put(u64(seq), raw); err != nil {
		return 0, fmt.Errorf("put item %d: %w", seq, err)
	}
	if staged != nil {
		if e, ok := cacheEntry(it, raw); ok {
			*staged = append(*staged, e)
		}
	}
	if err := tx.Bucket(bucketOutboxChat).Put(chatSeqKey(r.Chat, seq), []byte{}); err != nil {
		return 0, fmt.Errorf("index item %d by chat: %w", seq, err)
	}
	if r.Key != "" {
		if err := keys.Put([]byte(r.Key), u64(seq)); err != nil {
			return 0, fmt.Errorf("index item %d by key: %w", seq, err)
		}
	}
	return seq, nil
}

// removeItem deletes item seq and its index entries, reporting whether it
// was there.
func removeItem(tx *bbolt.Tx, seq uint64) (bot.OutboxItem, bool, error) {
	b := tx.Bucket(bucketOutbox)
	var it bot.OutboxItem
	found, err := getJSON(b, u64(seq), &it)
	if err != nil || !found {
		return it, found, err
	}
	if err := b.Delete(u64(seq)); err != nil {
		return it, true, fmt.Errorf("delete item %d: %w", seq, err)
	}
	return it, true, unindexItem(tx, seq, it.Reply)
}

// unindexItem removes item seq's outbox_chat entry and, if it still points
// at seq, its outbox_keys entry.
func unindexItem(tx *bbolt.Tx, seq uint64, r bot.Reply) error {
	if err := tx.Bucket(bucketOutboxChat).Delete(chatSeqKey(r.Chat, seq)); err != nil {
		return fmt.Errorf("unindex item %d by chat: %w", seq, err)
	}
	keys := tx.Bucket(bucketOutboxKeys)
	if r.Key != "" && bytes.Equal(keys.Get([]byte(r.Key)), u64(seq)) {
		if err := keys.Delete([]byte(r.Key)); err != nil {
			return fmt.Errorf("unindex item %d by key: %w", seq, err)
		}
	}
	return nil
}

// dropChatItems removes every pending item addressed to chat and returns
// how many there were. Index entries without an item are removed too.
func dropChatItems(tx *bbolt.Tx, chat bot.ChatKey) (int, error) {
	idx := tx.Bucket(bucketOutboxChat)
	n := 0
	for _, k := range keysWithPrefix(idx, chatPrefix(chat)) {
		_, found, err := removeItem(tx, binary.BigEndian.Uint64(k[len(k)-8:]))
		if err != nil {
			return n, err
		}
		if found {
			n++
		}
		if err := idx.Delete(k); err != nil {
			return n, fmt.Errorf("unindex %q: %w", k, err)
		}
	}
	return n, nil
}
