package store

import (
	"context"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"
)

// committer is the store's group commit. Callers hand their transaction
// functions to one goroutine, which runs everything that is waiting in one
// read-write transaction and one fsync, then takes what arrived during
// that commit. Under load batches grow by themselves to what arrives
// during one fsync; when idle an update commits at once, without the
// fixed wait of bbolt's Batch. (bbolt's Batch starts a new batch on a
// timer whether or not the writer is free, so under load many small
// batches queued for the writer lock, each paying its own fsync: the
// measured ceiling was about 400 updates/s with 40 webhook connections.)
type committer struct {
	once  sync.Once
	reqs  chan commitReq
	stopc chan struct{}
	stop  sync.Once
	wg    sync.WaitGroup
}

type commitReq struct {
	fn    func(tx *bbolt.Tx) error
	stage *staging // published once fn's run committed, before done; may be nil
	done  chan error
}

// init starts the commit goroutine on first use.
func (c *committer) init(db *DB) {
	c.once.Do(func() {
		c.reqs, c.stopc = make(chan commitReq), make(chan struct{})
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			db.commitLoop()
		}()
	})
}

// close stops the commit goroutine after the batch it is writing.
func (c *committer) close(db *DB) {
	c.init(db)
	c.stop.Do(func() { close(c.stopc) })
	c.wg.Wait()
}

// groupCommit runs fn in the next group commit and returns its error. Like
// bbolt's Batch, fn may run more than once (when another function of its
// batch fails, the batch is rolled back and run again without it, and the
// failing function alone), so it must be idempotent. If stage is not nil,
// what fn's committed run staged there goes to the item cache before
// groupCommit returns, so it is there before the caller tells the outbox.
func (db *DB) groupCommit(ctx context.Context, fn func(tx *bbolt.Tx) error, stage *staging) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &db.commits
	c.init(db)
	done := make(chan error, 1)
	select {
	case c.reqs <- commitReq{fn: fn, stage: stage, done: done}:
	case <-c.stopc:
		return bbolt.ErrDatabaseNotOpen
	}
	return <-done
}

func (db *DB) commitLoop() {
	c := &db.commits
	var batch []commitReq
	for {
		select {
		case r := <-c.reqs:
			batch = append(batch[:0], r)
			for more := true; more && len(batch) < db.opts.MaxBatchSize; {
				select {
				case r := <-c.reqs:
					batch = append(batch, r)
				default:
					more = false
				}
			}
			db.commitBatch(batch)
			clear(batch)
		case <-c.stopc:
			return
		}
	}
}

// commitBatch commits batch in one transaction. A failing function is
// taken out and run alone, and the rest committed again without it.
func (db *DB) commitBatch(batch []commitReq) {
	for len(batch) > 0 {
		failed := -1
		err := db.update(context.Background(), func(tx *bbolt.Tx) error {
			for i, r := range batch {
				if err := safely(r.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, r := range batch {
				r.finish(db, err)
			}
			return
		}
		r := batch[failed]
		batch = append(batch[:failed], batch[failed+1:]...)
		r.finish(db, db.update(context.Background(), func(tx *bbolt.Tx) error { return safely(r.fn, tx) }))
	}
}

// finish publishes what the request's committed run staged, then reports
// err to it.
func (r commitReq) finish(db *DB, err error) {
	if err == nil && r.stage != nil {
		db.items.publish(r.stage)
	}
	r.done <- err
}

// safely runs fn, turning a panic into an error as bbolt's Batch does.
func safely(fn func(tx *bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transaction function panicked: %v", p)
		}
	}()
	return fn(tx)
}
