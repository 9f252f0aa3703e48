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
// it; the senders talk to it through jobs and results.
type scheduler struct {
	w        *Worker
	log      *slog.Logger
	channels map[bot.Channel]*channelState
	results  chan result
	senders  sync.WaitGroup
	lastSeq  uint64 // highest Seq scanned so far
	buffered int    // items held in lanes
	skipped  map[bot.Channel]bool
	qctx     context.Context // for queue writes, which outlive the run's cancellation
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
}

// lane is the FIFO of one chat: its items are sent one at a time in Seq
// order, and a head that must wait holds back the items behind it.
type lane struct {
	chat    bot.ChatKey
	pending []bot.OutboxItem // Seq order; pending[0] is the head
	busy    bool             // the head is being sent
	paused  time.Time        // no send before this (a flood wait)
	resumed bool             // Resume arrived while the head was in flight
	windows []*window        // per chat, and per group for groups
}

// newScheduler builds the channel states and restores stored pauses.
func (w *Worker) newScheduler(ctx context.Context) (*scheduler, error) {
	s := &scheduler{
		w:        w,
		log:      w.opts.Logger,
		channels: make(map[bot.Channel]*channelState, len(w.senders)),
		skipped:  make(map[bot.Channel]bool),
	}
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
		c.laneOf(chat).paused = until
	}
}

// run is the scheduling loop; it returns once every sender has exited.
func (s *scheduler) run(ctx context.Context) {
	s.qctx = context.WithoutCancel(ctx)
	for _, c := range s.channels {
		s.senders.Add(s.w.opts.Concurrency)
		for range s.w.opts.Concurrency {
			go s.sendLoop(ctx, c.jobs, s.w.senders[c.name])
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
		case <-timer.C:
		case r := <-s.results:
			s.handle(r)
		case chat := <-s.w.resume:
			s.resume(chat)
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

// shutdown stops the senders and records the outcome of sends that
// finished while stopping. Every started job reports exactly one result.
func (s *scheduler) shutdown() {
	inflight := 0
	for _, c := range s.channels {
		close(c.jobs)
		inflight += c.inflight
	}
	for ; inflight > 0; inflight-- {
		s.handle(<-s.results)
	}
	s.senders.Wait()
}

// scan loads newly committed items into their lanes.
func (s *scheduler) scan(ctx context.Context) {
	for s.buffered < s.w.opts.MaxBuffered {
		limit := min(s.w.opts.MaxBuffered-s.buffered, 256)
		items, err := s.w.q.Scan(ctx, s.lastSeq, limit)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("outbox: scan failed", "err", err)
			}
			return
		}
		for _, it := range items {
			s.lastSeq = max(s.lastSeq, it.Seq)
			s.add(it)
		}
		if len(items) < limit {
			return
		}
	}
}

// add appends an item to its lane.
func (s *scheduler) add(it bot.OutboxItem) {
	ch := it.Reply.Chat.Channel()
	c := s.channels[ch]
	if c == nil {
		if !s.skipped[ch] {
			s.skipped[ch] = true
			s.log.Warn("outbox: no sender for channel, items stay queued", "channel", ch)
		}
		return
	}
	l := c.laneOf(it.Reply.Chat)
	l.pending = append(l.pending, it)
	s.buffered++
}

// laneOf returns the lane of chat, creating it.
func (c *channelState) laneOf(chat bot.ChatKey) *lane {
	if l := c.lanes[chat]; l != nil {
		return l
	}
	l := &lane{chat: chat}
	if w := c.newLaneWindow(c.limits.PerChat); w != nil {
		l.windows = append(l.windows, w)
	}
	if c.limits.IsGroup != nil && c.limits.IsGroup(chat) {
		if w := c.newLaneWindow(c.limits.PerGroup); w != nil {
			l.windows = append(l.windows, w)
		}
	}
	c.lanes[chat] = l
	return l
}

// dispatch starts every send allowed at now and returns the earliest later
// time something may become ready (zero: only a finishing send or a new
// item can change that).
func (s *scheduler) dispatch(now time.Time) time.Time {
	var wake time.Time
	for _, c := range s.channels {
		wake = earliest(wake, s.dispatchChannel(c, now))
	}
	return wake
}

func (s *scheduler) dispatchChannel(c *channelState, now time.Time) time.Time {
	if now.Before(c.paused) {
		return c.paused
	}
	// Nothing can start without a free sender or room in the channel's
	// window; skip the lane scan, which is the costly part with thousands
	// of chats. A finishing send or the window's time wakes us again.
	free := s.w.opts.Concurrency - c.inflight
	if free <= 0 {
		return time.Time{}
	}
	if at, ok := c.global.allowAt(now); !ok || at.After(now) {
		return at
	}
	ready, wake := c.oldestReady(now, free)
	for _, l := range ready {
		at, ok := c.global.allowAt(now)
		if !ok {
			break
		}
		if at.After(now) {
			wake = earliest(wake, at)
			break
		}
		s.start(c, l)
	}
	return wake
}

// oldestReady returns up to n lanes whose heads may be sent now, oldest head
// first so a busy channel serves chats fairly, and the earliest time another
// lane becomes ready. It forgets idle empty lanes on the way.
func (c *channelState) oldestReady(now time.Time, n int) ([]*lane, time.Time) {
	var wake time.Time
	ready := make([]*lane, 0, n)
	for chat, l := range c.lanes {
		if l.busy {
			continue
		}
		if len(l.pending) == 0 {
			if l.idle(now) {
				delete(c.lanes, chat)
			}
			continue
		}
		at, ok := l.readyAt(now)
		switch {
		case !ok:
		case at.After(now):
			wake = earliest(wake, at)
		default:
			ready = keepOldest(ready, l, n)
		}
	}
	return ready, wake
}

// keepOldest inserts l into ready, kept sorted by head seq and at most n
// long: a partial selection instead of sorting every ready lane.
func keepOldest(ready []*lane, l *lane, n int) []*lane {
	seq := l.pending[0].Seq
	i := len(ready)
	for i > 0 && ready[i-1].pending[0].Seq > seq {
		i--
	}
	if i >= n {
		return ready
	}
	if len(ready) < n {
		ready = append(ready, nil)
	}
	copy(ready[i+1:], ready[i:len(ready)-1])
	ready[i] = l
	return ready
}

// readyAt returns when the lane's head may be sent; ok is false if that
// depends on a send still running.
func (l *lane) readyAt(now time.Time) (at time.Time, ok bool) {
	at = now
	if nb := l.pending[0].NotBefore; nb.After(at) {
		at = nb
	}
	if l.paused.After(at) {
		at = l.paused
	}
	for _, w := range l.windows {
		t, ok := w.allowAt(now)
		if !ok {
			return time.Time{}, false
		}
		if t.After(at) {
			at = t
		}
	}
	return at, true
}

// idle reports whether an empty lane can be forgotten without losing a
// pause or the history its rate windows need.
func (l *lane) idle(now time.Time) bool {
	if l.paused.After(now) {
		return false
	}
	for _, w := range l.windows {
		if !w.idle(now) {
			return false
		}
	}
	return true
}

// start hands the lane's head to a sender of its channel.
func (s *scheduler) start(c *channelState, l *lane) {
	it := l.pending[0]
	l.busy = true
	c.inflight++
	c.global.start()
	for _, w := range l.windows {
		w.start()
	}
	// The jitter is drawn here because only this goroutine owns the source.
	c.jobs <- job{item: it, backoff: s.w.opts.Backoff.delay(it.Attempts+1, s.w.rnd)}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// newLaneWindow returns a chat's window for r, full if the chat had
// messages pending when the worker started.
func (c *channelState) newLaneWindow(r Rate) *window {
	w := newWindow(r)
	if c.warmLanes {
		w.warm(c.started)
	}
	return w
}
