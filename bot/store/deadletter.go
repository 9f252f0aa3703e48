package store

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// bucketDeadLetters holds updates set aside after failing repeatedly:
// 8-byte big-endian seq → bot.DeadLetter JSON (no text, no chat key, so
// erasure has nothing to delete here). It is created on first use.
var bucketDeadLetters = []byte("deadletter")

var _ bot.DeadLetterer = (*DB)(nil)

// DeadLetter implements bot.DeadLetterer: it appends l, writes l.Key to
// dedupe (so a redelivery is a duplicate) and counts deadletter/<channel>,
// in one commit.
func (db *DB) DeadLetter(ctx context.Context, l bot.DeadLetter) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDeadLetters)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(b, u64(seq), l); err != nil {
			return err
		}
		now := db.now()
		if l.Key != "" {
			if err := tx.Bucket(bucketDedupe).Put([]byte(l.Key), u64(uint64(now.Unix()))); err != nil {
				return err
			}
		}
		return incrStat(tx, now, "deadletter/"+string(l.Channel), 1)
	})
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	return nil
}

// DeadLetters returns how many updates have been set aside.
func (db *DB) DeadLetters(ctx context.Context) (count int, err error) {
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketDeadLetters); b != nil {
			count = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count dead letters: %w", err)
	}
	return count, nil
}

// DeadLetterList returns up to limit dead letters, newest first (all when
// limit <= 0). They hold no message text and no chat identity.
func (db *DB) DeadLetterList(ctx context.Context, limit int) ([]bot.DeadLetter, error) {
	var out []bot.DeadLetter
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDeadLetters)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var l bot.DeadLetter
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode dead letter %x: %w", k, err)
			}
			out = append(out, l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return out, nil
}
