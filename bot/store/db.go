package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// Compile-time checks that DB implements the bot's storage contracts.
var (
	_ bot.Store = (*DB)(nil)
	_ bot.Queue = (*DB)(nil)
	_ bot.Meta  = (*DB)(nil)
)

// Defaults applied by Open to zero Options fields.
const (
	DefaultTimeout       = time.Second
	DefaultDedupeTTL     = 48 * time.Hour
	DefaultMaxBatchDelay = time.Millisecond
	DefaultMaxBatchSize  = 1000
)

// Errors returned by Open, besides bot.ErrLocked and wrapped I/O errors.
var (
	// ErrNewerSchema means the data file was written by a newer infopunkt
	// whose schema this binary does not know. Upgrade the binary; never
	// open such a file with an older one.
	ErrNewerSchema = errors.New("data file has a newer schema than this binary knows")
	// ErrReservedKey means PutMeta was asked to overwrite a key the store
	// itself manages (schema_version).
	ErrReservedKey = errors.New("reserved meta key")
)

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Timeout bounds how long Open waits for the file lock held by another
	// process before failing with bot.ErrLocked. Default DefaultTimeout (1s).
	Timeout time.Duration
	// Now is the clock used for enqueue times, ticket times, dedupe ages and
	// stats days (the day is taken in the location of the returned time, so
	// pass a clock in the info point's zone). Default time.Now.
	Now func() time.Time
	// DedupeTTL is how long a dedupe key is kept before PruneDedupe may
	// remove it; platforms re-deliver for far less (Telegram 24 h).
	// Default DefaultDedupeTTL (48h).
	DedupeTTL time.Duration
	// MaxBatchDelay is how long Apply waits to gather concurrent updates into
	// one commit (one fsync). Longer gives bigger batches but adds latency to
	// every update. Default DefaultMaxBatchDelay (1ms).
	MaxBatchDelay time.Duration
	// MaxBatchSize commits a batch at once when this many updates wait,
	// without waiting for MaxBatchDelay. Setting it to the number of
	// update workers commits as soon as every worker has an update in the
	// batch. Default DefaultMaxBatchSize (1000, bbolt's own default).
	MaxBatchSize int
	// NoSync skips fsync after each commit. UNSAFE: a crash or power loss
	// can lose committed updates or corrupt the file. For tests and
	// benchmarks only; never set it for real data. Default false.
	NoSync bool
}

// DB is the bbolt-backed store. It implements bot.Store, bot.Queue and
// bot.Meta and is safe for concurrent use.
type DB struct {
	bolt      *bbolt.DB
	path      string
	now       func() time.Time
	dedupeTTL time.Duration

	// noBatch makes Apply use one transaction per update (benchmark
	// baseline); applyHook runs at the end of Apply's transaction function
	// and may fail it to force a re-run. Both are set by tests only.
	noBatch   bool
	applyHook func(chat bot.ChatKey) error

	// deskHook, when set, receives the desk's effects inside Apply.
	deskHook bot.DeskHook
}

// Open opens or creates the data file at path, creating its directory, and
// migrates it to the current schema. If another process holds the file it
// fails within opts.Timeout with an error wrapping bot.ErrLocked; a file
// from a newer binary fails with ErrNewerSchema.
func Open(path string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	b, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", bot.ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	b.MaxBatchDelay, b.MaxBatchSize = opts.MaxBatchDelay, opts.MaxBatchSize
	db := &DB{bolt: b, path: path, now: opts.Now, dedupeTTL: opts.DedupeTTL}
	if err := b.Update(migrate); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	return db, nil
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = DefaultDedupeTTL
	}
	if o.MaxBatchDelay <= 0 {
		o.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if o.MaxBatchSize <= 0 {
		o.MaxBatchSize = DefaultMaxBatchSize
	}
	return o
}

// Close releases the file lock. Calls in flight finish first.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close data file %s: %w", db.path, err)
	}
	return nil
}

// Path returns the data file's path.
func (db *DB) Path() string { return db.path }

// update runs fn in its own read-write transaction after checking ctx.
func (db *DB) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}

// view runs fn in a read-only transaction after checking ctx.
func (db *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}
