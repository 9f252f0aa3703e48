package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// copyTxMax bounds one transaction of a copy, so copying a large file does
// not keep it all in dirty pages.
const copyTxMax = 4 << 20

// Backup writes a compacted copy of the data file to w: live records only,
// never freed pages, and without the keys bucket, so sealed texts in a
// backup can never be opened (see the package doc). The copy is written to
// a temporary file next to the data file at disk speed first, so a slow
// reader of w never holds a transaction. It returns the bytes written to w;
// a done ctx stops the copy.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	tmp, err := db.tempPath(".backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	if err := db.BackupFile(ctx, tmp); err != nil {
		return 0, err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(ctxWriter{ctx: ctx, w: w}, f)
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, nil
}

// BackupFile writes a compacted copy without the keys bucket (see Backup)
// to path, which must not exist, and syncs it.
func (db *DB) BackupFile(ctx context.Context, path string) error {
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return copyTo(ctx, tx, path, func(name []byte) bool { return bytes.Equal(name, bucketKeys) })
	})
	if err != nil {
		return fmt.Errorf("backup %s: %w", db.path, err)
	}
	return nil
}

// Compact rewrites the data file with its live records only, so bytes of
// erased records left in free pages are gone. It runs online: callers
// wait while the copy is written (at disk speed) and the file is swapped.
func (db *DB) Compact(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.bolt == nil {
		return fmt.Errorf("compact %s: %w", db.path, bbolt.ErrDatabaseNotOpen)
	}
	tmp, err := db.tempPath(".compact-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		return copyTo(ctx, tx, tmp, func([]byte) bool { return false })
	})
	if err != nil {
		return fmt.Errorf("compact %s: %w", db.path, err)
	}
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("compact %s: close: %w", db.path, err)
	}
	db.bolt = nil
	if err := os.Rename(tmp, db.path); err != nil {
		err = fmt.Errorf("compact %s: %w", db.path, err)
		if rerr := db.reopen(); rerr != nil {
			return fmt.Errorf("%w; reopen: %w", err, rerr)
		}
		return err
	}
	if err := syncDir(filepath.Dir(db.path)); err != nil {
		return fmt.Errorf("compact %s: %w", db.path, err)
	}
	if err := db.reopen(); err != nil {
		return fmt.Errorf("compact %s: reopen: %w", db.path, err)
	}
	return nil
}

// reopen opens db.path again with the options of Open; db.mu is held.
func (db *DB) reopen() error {
	b, err := openBolt(db.path, db.opts)
	if err != nil {
		return err
	}
	db.bolt = b
	return nil
}

// tempPath names a fresh file next to the data file, on the same disk.
func (db *DB) tempPath(pattern string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(db.path), filepath.Base(db.path)+pattern)
	if err != nil {
		return "", fmt.Errorf("temporary file: %w", err)
	}
	name := f.Name()
	f.Close()
	// bbolt wants to create the file itself with its own header.
	if err := os.Remove(name); err != nil {
		return "", fmt.Errorf("temporary file: %w", err)
	}
	return name, nil
}

// copyTo writes the buckets of tx, those skip names left empty, into a new
// bbolt file at path: records and sequences only, so nothing freed in the
// source reaches the copy. The copy is synced before copyTo returns.
func copyTo(ctx context.Context, src *bbolt.Tx, path string, skip func(name []byte) bool) (err error) {
	dst, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return fmt.Errorf("create copy: %w", err)
	}
	defer func() {
		if cerr := dst.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close copy: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	w := &copier{ctx: ctx, dst: dst}
	err = src.ForEach(func(name []byte, b *bbolt.Bucket) error {
		if skip(name) { // an empty bucket, so the copy opens at the same schema
			_, err := w.target([][]byte{bytes.Clone(name)})
			return err
		}
		return w.bucket([][]byte{bytes.Clone(name)}, b)
	})
	if err == nil {
		err = w.commit()
	} else if w.tx != nil {
		_ = w.tx.Rollback()
	}
	if err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return fmt.Errorf("sync copy: %w", err)
	}
	return nil
}

// copier writes into dst in transactions of about copyTxMax bytes.
type copier struct {
	ctx  context.Context
	dst  *bbolt.DB
	tx   *bbolt.Tx
	size int
}

// target returns the destination bucket at path, beginning a new
// transaction if needed.
func (c *copier) target(path [][]byte) (*bbolt.Bucket, error) {
	if c.tx == nil {
		tx, err := c.dst.Begin(true)
		if err != nil {
			return nil, fmt.Errorf("copy: %w", err)
		}
		c.tx, c.size = tx, 0
	}
	b, err := c.tx.CreateBucketIfNotExists(path[0])
	if err != nil {
		return nil, fmt.Errorf("copy bucket %s: %w", path[0], err)
	}
	for _, name := range path[1:] {
		if b, err = b.CreateBucketIfNotExists(name); err != nil {
			return nil, fmt.Errorf("copy bucket %s: %w", name, err)
		}
	}
	b.FillPercent = 1.0
	return b, nil
}

func (c *copier) commit() error {
	if c.tx == nil {
		return nil
	}
	err := c.tx.Commit()
	c.tx = nil
	if err != nil {
		return fmt.Errorf("copy: commit: %w", err)
	}
	return nil
}

// bucket copies src (found at path) with its sequence and nested buckets.
func (c *copier) bucket(path [][]byte, src *bbolt.Bucket) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	dst, err := c.target(path)
	if err != nil {
		return err
	}
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return fmt.Errorf("copy sequence: %w", err)
	}
	cur := src.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if v == nil {
			sub := append(append([][]byte{}, path...), bytes.Clone(k))
			if err := c.bucket(sub, src.Bucket(k)); err != nil {
				return err
			}
			if dst, err = c.target(path); err != nil {
				return err
			}
			continue
		}
		if err := dst.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
			return fmt.Errorf("copy %q: %w", k, err)
		}
		c.size += len(k) + len(v)
		if c.size < copyTxMax {
			continue
		}
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if err := c.commit(); err != nil {
			return err
		}
		if dst, err = c.target(path); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
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
