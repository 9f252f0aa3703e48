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

// dayLayout names a stats day, taken in the location of the store's clock.
const dayLayout = "2006-01-02"

// Stats returns the counters of day ("2006-01-02") keyed by name without
// the day: "updates/telegram", "view/housing-renting", "unanswered/uk",
// "dropped/blocked". A day without counters gives an empty map.
func (db *DB) Stats(ctx context.Context, day string) (map[string]uint64, error) {
	stats := make(map[string]uint64)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		prefix := []byte(day + "/")
		c := tx.Bucket(bucketStats).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) != 8 {
				return fmt.Errorf("bad counter %q", k)
			}
			stats[string(k[len(prefix):])] = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load stats of %s: %w", day, err)
	}
	return stats, nil
}

// incrStat adds n to counter name of the day of now.
func incrStat(tx *bbolt.Tx, now time.Time, name string, n uint64) error {
	b := tx.Bucket(bucketStats)
	// bbolt copies the key on Put: build it on the stack.
	var buf [64]byte
	key := append(append(now.AppendFormat(buf[:0], dayLayout), '/'), name...)
	var v uint64
	if raw := b.Get(key); len(raw) == 8 {
		v = binary.BigEndian.Uint64(raw)
	}
	if err := b.Put(key, u64(v+n)); err != nil {
		return fmt.Errorf("count %s: %w", key, err)
	}
	return nil
}

// Subscribers returns the chats subscribed to category, ordered by chat
// key. Inactive chats (blocked the bot) are left out: a reminder to them
// would fail, and on Viber it would be billed.
func (db *DB) Subscribers(ctx context.Context, category string) ([]bot.ChatKey, error) {
	var chats []bot.ChatKey
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		prefix := subKey(category, "")
		for _, k := range keysWithPrefix(tx.Bucket(bucketSubscriptions), prefix) {
			chat := bot.ChatKey(k[len(prefix):])
			st, exists, err := loadState(tx, chat)
			if err != nil {
				return err
			}
			if !exists || !st.Inactive {
				chats = append(chats, chat)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list subscribers of %q: %w", category, err)
	}
	return chats, nil
}

// subscribe records since when chat follows category, keeping the first time.
func subscribe(tx *bbolt.Tx, category string, chat bot.ChatKey, now time.Time) error {
	b := tx.Bucket(bucketSubscriptions)
	key := subKey(category, chat)
	if b.Get(key) != nil {
		return nil
	}
	if err := b.Put(key, []byte(now.UTC().Format(time.RFC3339Nano))); err != nil {
		return fmt.Errorf("subscribe to %q: %w", category, err)
	}
	return nil
}

// unsubscribe removes chat's subscription to target and counts it as
// "reminders/unsubscribed" when there was one.
func unsubscribe(tx *bbolt.Tx, target string, chat bot.ChatKey, now time.Time) error {
	b := tx.Bucket(bucketSubscriptions)
	key := subKey(target, chat)
	if b.Get(key) == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("unsubscribe from %q: %w", target, err)
	}
	return incrStat(tx, now, "reminders/unsubscribed", 1)
}
