package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole data file to w while
// writers keep running (a read transaction sees one snapshot). The copy
// opens as a data file. It returns the number of bytes written; a done
// ctx stops the copy.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, nil
}

// ctxWriter fails writes once ctx is done, so a long backup can be stopped.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (cw ctxWriter) Write(p []byte) (int, error) {
	if err := cw.ctx.Err(); err != nil {
		return 0, err
	}
	return cw.w.Write(p)
}

// PruneDedupe removes dedupe keys written before now minus DedupeTTL and
// returns how many it removed.
func (db *DB) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-db.dedupeTTL).Unix()
	var n int
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDedupe)
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cutoff {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		n = len(old)
		return deleteKeys(b, old)
	})
	if err != nil {
		return 0, fmt.Errorf("prune dedupe keys: %w", err)
	}
	return n, nil
}
