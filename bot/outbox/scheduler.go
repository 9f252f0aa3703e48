package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// scheduler is the state of one Run. Only the goroutine running run touches
// it; the senders talk to it through jobs and results, the marker through
// submit and takeCommitted.
type scheduler struct {
	w        *Worker
	log      *slog.Logger
	channels map[bot.Channel]*channelState
	results  chan result
	senders  sync.WaitGroup
	marks    *marker
	durable  []next          // the continuations being run (reused, see committed)
	chats    bot.ChatScanner // nil: the queue is read in Seq order only
	// lastSeq: every item with Seq <= lastSeq was read. tailSeq: where new
	// commits are read from while a backlog between lastSeq and tailSeq is
	// still unread (see scan).
	lastSeq  uint64
	tailSeq  uint64
	backlog  bool // the last in-order read stopped for lack of room
	buffered int  // items held in lanes
	skipped  map[bot.Channel]bool
	qctx     context.Context    // for queue writes, which outlive the run's cancellation
	sendCtx  context.Context    // for sends: cancelled StopGrace after the run's context
	cancel   context.CancelFunc // cancels sendCtx
}

// channelState paces one channel and holds its lanes.
type channelState struct {
	name     bot.Channel
	limits   Limits
	global   *window
	paused   time.Time // no send before this (a global flood wait)
	inflight int
	started  time.Time // when this worker started
	// warmLanes is true during the first scan: chats with messages pending
	// at start are the ones a killed predecessor may have just served, so
	// their windows start full; chats seen later start empty.
	warmLanes bool
	jobs      chan job
	lanes     map[bot.ChatKey]*lane
	ready     laneHeap // lanes with a head and nothing in flight
	idle      []*lane  // emptied lanes to forget once their windows are idle
}

// newScheduler builds the channel states and restores stored pauses.
func (w *Worker) newScheduler(ctx context.Context) (*scheduler, error) {
	s := &scheduler{
		w:        w,
		log:      w.opts.Logger,
		channels: make(map[bot.Channel]*channelState, len(w.senders)),
		skipped:  make(map[bot.Channel]bool),
	}
	s.chats, _ = w.q.(bot.ChatScanner)
	capacity := 0
	start := w.opts.Now()
	for ch, snd := range w.senders {
		if snd == nil {
			continue
		}
		l := w.opts.limitsFor(ch)
		s.channels[ch] = &channelState{
			name:      ch,
			limits:    l,
			global:    newWindow(l.Global).warm(start),
			started:   start,
			warmLanes: true,
			jobs:      make(chan job, w.opts.Concurrency),
			lanes:     make(map[bot.ChatKey]*lane),
		}
		capacity += w.opts.Concurrency
	}
	// Every job in flight owns one slot, so senders never block on results.
	s.results = make(chan result, capacity)
	pauses, err := w.q.Pauses(ctx, w.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("outbox: load pauses: %w", err)
	}
	for name, until := range pauses {
		s.restorePause(name, until)
	}
	return s, nil
}

// restorePause applies a stored pause: a chat key names a lane, anything
// else a channel.
func (s *scheduler) restorePause(name string, until time.Time) {
	if !strings.Contains(name, ":") {
		if c := s.channels[bot.Channel(name)]; c != nil {
			c.paused = until
		}
		return
	}
	chat := bot.ChatKey(name)
	if c := s.channels[chat.Channel()]; c != nil {
		c.laneOf(chat, false).paused = until
	}
}

// run is the scheduling loop; it returns once every sender and the marker
// have exited.
func (s *scheduler) run(ctx context.Context) {
	s.qctx = context.WithoutCancel(ctx)
	s.sendCtx, s.cancel = context.WithCancel(s.qctx)
	s.marks = newMarker(s.qctx, s.w.q, s.log)
	for _, c := range s.channels {
		s.senders.Add(s.w.opts.Concurrency)
		for range s.w.opts.Concurrency {
			go s.sendLoop(s.sendCtx, c.jobs, s.w.senders[c.name])
		}
	}
	defer s.shutdown()

	poll := time.NewTicker(s.w.opts.PollInterval)
	defer poll.Stop()
	timer := time.NewTimer(s.w.opts.PollInterval)
	defer timer.Stop()

	s.scan(ctx)
	for _, c := range s.channels {
		c.warmLanes = false
	}
	// select picks among ready cases at random, so check ctx before every
	// pass: nothing may start once it is done.
	for ctx.Err() == nil {
		if s.backlog && s.buffered <= s.w.opts.MaxBuffered*3/4 {
			s.scan(ctx)
		}
		now := s.w.opts.Now()
		wake := s.dispatch(now)
		timer.Reset(s.sleep(now, wake))
		select {
		case <-ctx.Done():
			return
		case <-s.w.notify:
			s.scan(ctx)
		case <-poll.C:
			s.scan(ctx)
			s.forgetIdle(s.w.opts.Now())
		case <-timer.C:
		case r := <-s.results:
			s.handle(r)
		case <-s.marks.ready:
			s.committed()
		case chat := <-s.w.resume:
			s.resume(chat)
		}
	}
}

// committed moves on the lanes whose marks became durable.
func (s *scheduler) committed() {
	s.durable = s.marks.takeCommitted(s.durable)
	for _, n := range s.durable {
		switch n.kind {
		case nextPop:
			// Before pop, which clears the lane's (shared) slots of these items.
			if f := s.w.opts.OnSent; f != nil && n.sent {
				for _, it := range n.items {
					f(it, n.rc)
				}
			}
			s.pop(n.c, n.l, len(n.items))
		case nextRequeue:
			n.l.busy = false
			s.requeue(n.c, n.l)
		}
	}
}

// sleep is how long to wait for wake, at most one poll interval so that a
// clock that jumps is noticed.
func (s *scheduler) sleep(now, wake time.Time) time.Duration {
	d := s.w.opts.PollInterval
	if !wake.IsZero() && wake.Sub(now) < d {
		d = max(wake.Sub(now), 0)
	}
	return d
}

// shutdown lets the sends in flight finish for up to StopGrace, cancels
// the rest, stops the senders and commits the outcomes. Jobs handed over
// but not begun are given back unsent. Every job reports one result.
func (s *scheduler) shutdown() {
	defer s.cancel()
	s.w.stopping.Store(true)
	inflight := 0
	for _, c := range s.channels {
		close(c.jobs)
		inflight += c.inflight
	}
	grace := time.NewTimer(s.w.opts.StopGrace)
	defer grace.Stop()
	if s.w.opts.StopGrace <= 0 {
		s.cancel()
	}
	for inflight > 0 {
		select {
		case r := <-s.results:
			s.handle(r)
			inflight--
		case <-grace.C:
			s.cancel()
		case <-s.marks.ready:
			s.committed()
		}
	}
	s.senders.Wait()
	s.marks.close()
	s.committed()
}

// dispatch starts every send allowed at now and returns the earliest later
// time something may become ready (zero: only a finishing send, a commit or
// a new item can change that).
func (s *scheduler) dispatch(now time.Time) time.Time {
	var wake time.Time
	for _, c := range s.channels {
		wake = earliest(wake, s.dispatchChannel(c, now))
	}
	return wake
}

// dispatchChannel pops ready lanes while the channel has a free sender and
// room in its window. Each start costs O(log lanes).
func (s *scheduler) dispatchChannel(c *channelState, now time.Time) time.Time {
	if now.Before(c.paused) {
		return c.paused
	}
	for c.inflight < s.w.opts.Concurrency {
		l := c.ready.peek()
		if l == nil {
			return time.Time{}
		}
		if l.at.After(now) {
			return l.at
		}
		if at, ok := c.global.allowAt(now); !ok || at.After(now) {
			return at
		}
		c.ready.remove(l)
		s.start(c, l)
	}
	return time.Time{}
}

// start hands the lane's head, merged with what may coalesce with it, to a
// sender of its channel.
func (s *scheduler) start(c *channelState, l *lane) {
	n, reply := s.merge(l)
	l.busy = true
	c.inflight++
	c.global.start()
	for _, w := range l.windows {
		w.start()
	}
	it := l.pending[0]
	// The jitter is drawn here because only this goroutine owns the source.
	c.jobs <- job{
		items:   l.pending[:n:n],
		reply:   reply,
		backoff: s.w.opts.Backoff.delay(it.Attempts+1, s.w.rnd),
		upTo:    max(s.lastSeq, s.tailSeq, l.cursor),
	}
}

// requeue puts a lane that is not busy into the ready heap, or among the
// lanes to forget when it is empty.
func (s *scheduler) requeue(c *channelState, l *lane) {
	if l.busy {
		return
	}
	if len(l.pending) == 0 {
		if l.index >= 0 {
			c.ready.remove(l)
		}
		s.refill(l)
		if len(l.pending) == 0 {
			s.retire(c, l)
			return
		}
	}
	l.at, l.seq = l.readyAt(s.w.opts.Now()), l.pending[0].Seq
	if l.index >= 0 {
		c.ready.fix(l.index)
		return
	}
	c.ready.push(l)
}

// retire forgets an empty lane at once if it is idle, or later.
func (s *scheduler) retire(c *channelState, l *lane) {
	if l.idle(s.w.opts.Now()) {
		if c.lanes[l.chat] == l {
			delete(c.lanes, l.chat)
		}
		return
	}
	if !l.idleQueued {
		l.idleQueued = true
		c.idle = append(c.idle, l)
	}
}

// forgetIdle drops emptied lanes whose pauses and windows ran out.
func (s *scheduler) forgetIdle(now time.Time) {
	for _, c := range s.channels {
		keep := c.idle[:0]
		for _, l := range c.idle {
			switch {
			case len(l.pending) > 0 || l.busy || l.more:
				l.idleQueued = false
			case l.idle(now):
				l.idleQueued = false
				if c.lanes[l.chat] == l {
					delete(c.lanes, l.chat)
				}
			default:
				keep = append(keep, l)
			}
		}
		clear(c.idle[len(keep):])
		c.idle = keep
	}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// laneOf returns the lane of chat, creating it; warm gives a new lane full
// windows (its chat may have just been served by a killed predecessor).
func (c *channelState) laneOf(chat bot.ChatKey, warm bool) *lane {
	if l := c.lanes[chat]; l != nil {
		return l
	}
	l := &lane{chat: chat, index: -1}
	warm = warm || c.warmLanes
	if w := c.newLaneWindow(c.limits.PerChat, warm); w != nil {
		l.windows = append(l.windows, w)
	}
	if c.limits.IsGroup != nil && c.limits.IsGroup(chat) {
		if w := c.newLaneWindow(c.limits.PerGroup, warm); w != nil {
			l.windows = append(l.windows, w)
		}
	}
	c.lanes[chat] = l
	return l
}

// newLaneWindow returns a chat's window for r, full if warm.
func (c *channelState) newLaneWindow(r Rate, warm bool) *window {
	w := newWindow(r)
	if warm {
		w.warm(c.started)
	}
	return w
}
