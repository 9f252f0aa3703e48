package outbox

import (
	"context"
	"log/slog"
	"sync"

	"github.com/infopunkt/infopunkt/bot"
)

// maxMarkBatch bounds the requests committed together, so one commit stays
// short even after a burst.
const maxMarkBatch = 4096

// markReq is one send's marks (the next n of the marker's queued marks)
// and what the scheduler does once they are durable.
type markReq struct {
	n    int
	then next
}

// next is what the scheduler does once a request's marks are durable (a
// value rather than a closure: no allocation per send).
type next struct {
	kind  nextKind
	c     *channelState
	l     *lane
	items []bot.OutboxItem // nextPop: the lane's first items, now durable
	sent  bool             // nextPop: the items were delivered (OnSent)
	rc    bot.Receipt      // nextPop with sent: the platform's receipt
}

// nextKind says which continuation next is.
type nextKind uint8

const (
	nextNone    nextKind = iota // nothing to do
	nextPop                     // pop the items, then move the lane on
	nextRequeue                 // the lane may send again
)

// marker commits delivery marks in group commits. Requests pile up while a
// commit (an fsync) runs and all go into the next one, so the commit rate,
// not the send rate, bounds the fsyncs. It owns one goroutine.
type marker struct {
	q     bot.Queue
	batch bot.MarkBatcher // nil: the Queue's methods one by one
	log   *slog.Logger
	ctx   context.Context // outlives the run's cancellation

	mu        sync.Mutex
	queue     []markReq
	marks     []bot.Mark // the queued requests' marks, in order
	committed []next
	closed    bool
	// freeQ and freeM are the buffers of the last commit, for queue and
	// marks to reuse once the queue was taken whole. (No Queue keeps the
	// marks it was given after Mark returns.)
	freeQ []markReq
	freeM []bot.Mark

	wake   chan struct{} // to the marking goroutine
	ready  chan struct{} // to the scheduler: committed has entries
	exited chan struct{}
}

func newMarker(ctx context.Context, q bot.Queue, log *slog.Logger) *marker {
	m := &marker{q: q, log: log, ctx: ctx,
		wake: make(chan struct{}, 1), ready: make(chan struct{}, 1), exited: make(chan struct{})}
	m.batch, _ = q.(bot.MarkBatcher)
	go m.loop()
	return m
}

// submit queues marks (copied); the scheduler does then once they are
// durable.
func (m *marker) submit(then next, marks ...bot.Mark) {
	m.mu.Lock()
	m.marks = append(m.marks, marks...)
	m.queue = append(m.queue, markReq{n: len(marks), then: then})
	m.mu.Unlock()
	signal(m.wake)
}

// takeCommitted returns the continuations of committed requests. done is
// the slice it returned last time, which the scheduler has finished
// with: it is cleared and reused.
func (m *marker) takeCommitted(done []next) []next {
	m.mu.Lock()
	defer m.mu.Unlock()
	fns := m.committed
	clear(done)
	m.committed = done[:0]
	return fns
}

// close commits what is queued and waits for the goroutine to exit.
func (m *marker) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	signal(m.wake)
	<-m.exited
}

func (m *marker) loop() {
	defer close(m.exited)
	for {
		m.mu.Lock()
		n := min(len(m.queue), maxMarkBatch)
		reqs := m.queue[:n:n]
		nmarks := 0
		for _, r := range reqs {
			nmarks += r.n
		}
		marks := m.marks[:nmarks:nmarks]
		whole := n == len(m.queue)
		bufQ, bufM := m.queue, m.marks
		if whole {
			m.queue, m.marks, m.freeQ, m.freeM = m.freeQ, m.freeM, nil, nil
		} else {
			m.queue, m.marks = m.queue[n:], m.marks[nmarks:]
		}
		closed := m.closed
		m.mu.Unlock()
		if len(reqs) == 0 {
			if closed {
				return
			}
			<-m.wake
			continue
		}
		m.commit(marks)
		m.mu.Lock()
		for _, r := range reqs {
			if r.then.kind != nextNone {
				m.committed = append(m.committed, r.then)
			}
		}
		if whole {
			clear(bufQ)
			clear(bufM)
			m.freeQ, m.freeM = bufQ[:0], bufM[:0]
		}
		m.mu.Unlock()
		signal(m.ready)
	}
}

// commit makes marks durable. A failure is logged and the worker moves
// on: at worst a restart repeats a send.
func (m *marker) commit(marks []bot.Mark) {
	if len(marks) == 0 {
		return
	}
	if m.batch != nil {
		if err := m.batch.Mark(m.ctx, marks); err != nil {
			m.log.Error("outbox: queue update failed", "marks", len(marks), "err", err)
		}
		return
	}
	for _, mk := range marks {
		if err := m.apply(mk); err != nil {
			m.log.Error("outbox: queue update failed", "seq", mk.Seq, "err", err)
		}
	}
}

// apply records one mark with the plain bot.Queue methods.
func (m *marker) apply(mk bot.Mark) error {
	switch mk.Kind {
	case bot.MarkDone:
		return m.q.Done(m.ctx, mk.Seq, mk.Receipt)
	case bot.MarkRetry:
		return m.q.Retry(m.ctx, mk.Seq, mk.Attempts, mk.NotBefore)
	case bot.MarkDrop:
		return m.q.Drop(m.ctx, mk.Seq, mk.Reason)
	case bot.MarkPause:
		return m.q.SetPause(m.ctx, mk.Lane, mk.Until)
	case bot.MarkBlocked:
		_, err := m.q.MarkInactive(m.ctx, mk.Chat)
		return err
	}
	return nil
}

// signal wakes the reader of a 1-buffered channel without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
