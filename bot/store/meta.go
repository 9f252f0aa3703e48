package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// pausePrefix starts the meta keys of lane pauses: "pause/<lane>".
const pausePrefix = "pause/"

// GetMeta implements bot.Meta. The value is a copy.
func (db *DB) GetMeta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		if raw := tx.Bucket(bucketMeta).Get([]byte(key)); raw != nil {
			v = bytes.Clone(raw)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get meta %q: %w", key, err)
	}
	if v == nil {
		return nil, fmt.Errorf("meta %q: %w", key, bot.ErrNotFound)
	}
	return v, nil
}

// PutMeta implements bot.Meta. The store's own keys are "schema_version",
// and "log_hash_key", which it refuses with ErrReservedKey, and "pause/…",
// written by SetPause.
func (db *DB) PutMeta(ctx context.Context, key string, value []byte) error {
	if key == metaSchemaVersion || key == metaLogKey {
		return fmt.Errorf("put meta %q: %w", key, ErrReservedKey)
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(key), value)
	})
	if err != nil {
		return fmt.Errorf("put meta %q: %w", key, err)
	}
	return nil
}

// SetPause implements bot.Queue. A time not after the store's clock clears
// the pause; expired pauses of other lanes are removed on the way.
func (db *DB) SetPause(ctx context.Context, lane string, until time.Time) error {
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkPause, Lane: lane, Until: until}}); err != nil {
		return fmt.Errorf("pause lane %q: %w", lane, err)
	}
	return nil
}

// Pauses implements bot.Queue.
func (db *DB) Pauses(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	pauses := make(map[string]time.Time)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return forEachPause(tx, func(lane string, until time.Time) error {
			if until.After(now) {
				pauses[lane] = until
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load pauses: %w", err)
	}
	return pauses, nil
}

func forEachPause(tx *bbolt.Tx, fn func(lane string, until time.Time) error) error {
	prefix := []byte(pausePrefix)
	c := tx.Bucket(bucketMeta).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		until, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		if err := fn(string(k[len(prefix):]), until); err != nil {
			return err
		}
	}
	return nil
}

func prunePauses(tx *bbolt.Tx, now time.Time) error {
	var expired [][]byte
	err := forEachPause(tx, func(lane string, until time.Time) error {
		if !until.After(now) {
			expired = append(expired, []byte(pausePrefix+lane))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return deleteKeys(tx.Bucket(bucketMeta), expired)
}
