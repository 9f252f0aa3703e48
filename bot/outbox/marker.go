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

// markReq is one send's marks and what to do once they are durable.
type markReq struct {
	marks []bot.Mark
	then  func() // runs on the scheduling goroutine after the commit; may be nil
}

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
	committed []func()
	closed    bool

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

// submit queues marks; then runs on the scheduler once they are durable.
func (m *marker) submit(marks []bot.Mark, then func()) {
	m.mu.Lock()
	m.queue = append(m.queue, markReq{marks: marks, then: then})
	m.mu.Unlock()
	signal(m.wake)
}

// takeCommitted returns the continuations of committed requests.
func (m *marker) takeCommitted() []func() {
	m.mu.Lock()
	defer m.mu.Unlock()
	fns := m.committed
	m.committed = nil
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
		m.queue = m.queue[n:]
		if len(m.queue) == 0 {
			m.queue = nil
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
		m.commit(reqs)
		m.mu.Lock()
		for _, r := range reqs {
			if r.then != nil {
				m.committed = append(m.committed, r.then)
			}
		}
		m.mu.Unlock()
		signal(m.ready)
	}
}

// commit makes the requests' marks durable. A failure is logged and the
// worker moves on: at worst a restart repeats a send.
func (m *marker) commit(reqs []markReq) {
	var marks []bot.Mark
	for _, r := range reqs {
		marks = append(marks, r.marks...)
	}
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
