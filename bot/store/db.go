package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
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
	// ErrCorrupt means the data file is damaged (truncated or overwritten):
	// restore it from a backup.
	ErrCorrupt = errors.New("data file is damaged")
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
	// MaxBatchDelay is kept for compatibility and ignored: commits group
	// whatever arrives while the previous commit is written, without a
	// fixed wait.
	MaxBatchDelay time.Duration
	// MaxBatchSize bounds how many waiting updates and marks one commit
	// takes; the rest go into the next. Default DefaultMaxBatchSize (1000).
	MaxBatchSize int
	// ObserveCommit, if set, is called after every Apply commit with how
	// long the commit took (waiting for the batch included), for metrics.
	// It must not block.
	ObserveCommit func(took time.Duration)
	// FullCheck makes Open run bbolt's consistency check over every page
	// whatever the file's size. By default only files up to
	// FullCheckLimit get it; larger ones get the structural checks (header,
	// size, meta and freelist pages) so that a bot with a million users
	// starts in well under a second without reading its whole file into
	// memory. Commands that copy or replace data (backup verification,
	// restore, compact) set it. Default false.
	FullCheck bool
	// FloodNotice, if set, returns the text a chat gets, in its language,
	// when the flood cap (DefaultMaxPendingPerChat) refused some of its
	// answers; "" sends nothing. It runs inside the commit: it must be
	// quick and must not touch the store.
	FloodNotice func(lang faq.Lang) string
	// NoSync skips fsync after each commit. UNSAFE: a crash or power loss
	// can lose committed updates or corrupt the file. For tests and
	// benchmarks only; never set it for real data. Default false.
	NoSync bool
}

// DB is the bbolt-backed store. It implements bot.Store, bot.Queue and
// bot.Meta and is safe for concurrent use.
type DB struct {
	// mu guards bolt: every transaction holds it shared; Compact and
	// Close hold it exclusively while they swap or close the file. Code in
	// this package reaches bbolt only through update, view and batch.
	mu        sync.RWMutex
	bolt      *bbolt.DB
	opts      Options
	path      string
	now       func() time.Time
	dedupeTTL time.Duration

	// noBatch makes Apply use one transaction per update (benchmark
	// baseline); applyHook runs at the end of Apply's transaction function
	// and may fail it to force a re-run. Both are set by tests only.
	noBatch   bool
	applyHook func(chat bot.ChatKey) error
	// noItemCache makes Scan and ScanChat decode every item (benchmark
	// baseline); set by tests only.
	noItemCache bool

	// deskHook, when set, receives the desk's effects inside Apply.
	deskHook bot.DeskHook

	commits committer // group commit of Apply and marks (commit.go)
	items   itemCache // decoded items committed but not yet read (itemcache.go)
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
	b, err := openBolt(path, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: b, opts: opts, path: path, now: opts.Now, dedupeTTL: opts.DedupeTTL}
	if err := guard(func() error { return b.Update(migrate) }); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	return db, nil
}

// openBolt opens and checks the bbolt file. A damaged file (truncated,
// overwritten) fails with ErrCorrupt instead of a panic, because bbolt
// trusts its pages and would otherwise crash on the first bad one.
func openBolt(path string, opts Options) (*bbolt.DB, error) {
	if err := checkHeader(path); err != nil {
		return nil, fmt.Errorf("data file %s: %w: %w", path, ErrCorrupt, err)
	}
	var b *bbolt.DB
	err := guard(func() error {
		var err error
		b, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
		return err
	})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", bot.ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open data file %s: %w: %w", path, ErrCorrupt, err)
	}
	if err := guard(func() error { return checkFile(b, path, opts.FullCheck) }); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("data file %s: %w: %w", path, ErrCorrupt, err)
	}
	b.MaxBatchDelay, b.MaxBatchSize = opts.MaxBatchDelay, opts.MaxBatchSize
	return b, nil
}

// FullCheckLimit is the largest file Open checks page by page unless
// Options.FullCheck asks for it (64 MiB; a variable only for tests).
var FullCheckLimit int64 = 64 << 20

// checkFile compares the size the meta page claims with the file and, for
// files up to FullCheckLimit or when full is set, runs bbolt's consistency
// check over every page.
func checkFile(b *bbolt.DB, path string, full bool) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return b.View(func(tx *bbolt.Tx) error {
		if tx.Size() > info.Size() {
			return fmt.Errorf("file is %d bytes but its header says %d (truncated)", info.Size(), tx.Size())
		}
		if !full && info.Size() > FullCheckLimit {
			return nil
		}
		var first error
		for err := range tx.Check() { // drain: Check's goroutine reads tx
			if first == nil {
				first = err
			}
		}
		return first
	})
}

// guard runs f and turns a panic, or a memory fault on a damaged mapped
// page, into an error.
func guard(f func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged file: %v", r)
		}
	}()
	return f()
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
	db.commits.close(db)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.bolt == nil {
		return nil
	}
	err := db.bolt.Close()
	db.bolt = nil
	if err != nil {
		return fmt.Errorf("close data file %s: %w", db.path, err)
	}
	return nil
}

// Path returns the data file's path.
func (db *DB) Path() string { return db.path }

// update runs fn in its own read-write transaction after checking ctx.
func (db *DB) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	return db.with(ctx, func(b *bbolt.DB) error { return b.Update(fn) })
}

// view runs fn in a read-only transaction after checking ctx.
func (db *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	return db.with(ctx, func(b *bbolt.DB) error { return b.View(fn) })
}

// batch runs fn in the store's group commit (commit.go) after checking
// ctx; fn may run more than once.
func (db *DB) batch(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	return db.groupCommit(ctx, fn, nil)
}

// with runs f on the open bbolt file, holding mu shared. f must not call
// with again: a waiting Compact would deadlock it.
func (db *DB) with(ctx context.Context, f func(b *bbolt.DB) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.bolt == nil {
		return bbolt.ErrDatabaseNotOpen
	}
	return f(db.bolt)
}

// Size returns the data file's size in bytes.
func (db *DB) Size() (int64, error) {
	info, err := os.Stat(db.path)
	if err != nil {
		return 0, fmt.Errorf("data file size: %w", err)
	}
	return info.Size(), nil
}
