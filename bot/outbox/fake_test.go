package outbox_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// changes wakes a test waiting for fakes to record something. Only the test
// goroutine waits on it.
type changes chan struct{}

func newChanges() changes { return make(changes, 1) }

func (c changes) signal() {
	select {
	case c <- struct{}{}:
	default:
	}
}

// waitFor blocks until cond holds, re-checking whenever a fake records
// something, and fails the test after a deadline.
func waitFor(t *testing.T, ch changes, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// retryCall is one recorded Queue.Retry.
type retryCall struct {
	seq       uint64
	attempts  int
	notBefore time.Time
}

// memQueue is an in-memory bot.Queue that records what the worker does.
type memQueue struct {
	mu       sync.Mutex
	now      func() time.Time
	ch       changes
	next     uint64
	items    map[uint64]bot.OutboxItem
	keys     map[string]bool
	pauses   map[string]time.Time
	inactive map[bot.ChatKey]bool
	retries  []retryCall
	drops    map[uint64]string
	done     []uint64
	refs     map[string]string // ref → Track, recorded by Done
	commits  int               // Mark calls
	// beforeMark, if set, runs at the start of every Mark call, outside
	// the lock (a test may block a commit with it).
	beforeMark func(marks []bot.Mark)
}

var (
	_ bot.Queue       = (*memQueue)(nil)
	_ bot.MarkBatcher = (*memQueue)(nil)
	_ bot.ChatScanner = (*memQueue)(nil)
)

// plainQueue hides memQueue's optional interfaces: the worker then uses
// the plain bot.Queue methods and reads in Seq order only.
type plainQueue struct{ bot.Queue }

func newMemQueue(now func() time.Time, ch changes) *memQueue {
	return &memQueue{
		now:      now,
		ch:       ch,
		items:    make(map[uint64]bot.OutboxItem),
		keys:     make(map[string]bool),
		pauses:   make(map[string]time.Time),
		inactive: make(map[bot.ChatKey]bool),
		drops:    make(map[uint64]string),
		refs:     make(map[string]string),
	}
}

func (q *memQueue) Enqueue(_ context.Context, replies ...bot.Reply) ([]uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	seqs := make([]uint64, len(replies))
	for i, r := range replies {
		if r.Key != "" && q.keys[r.Key] {
			continue
		}
		if r.Key != "" {
			q.keys[r.Key] = true
		}
		q.next++
		q.items[q.next] = bot.OutboxItem{Seq: q.next, Reply: r, Enqueued: q.now()}
		seqs[i] = q.next
	}
	return seqs, nil
}

// put stores a ready-made item (to seed NotBefore or Attempts).
func (q *memQueue) put(r bot.Reply, notBefore time.Time) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	q.items[q.next] = bot.OutboxItem{Seq: q.next, Reply: r, NotBefore: notBefore, Enqueued: q.now()}
	return q.next
}

func (q *memQueue) Scan(_ context.Context, after uint64, limit int) ([]bot.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var seqs []uint64
	for s := range q.items {
		if s > after {
			seqs = append(seqs, s)
		}
	}
	slices.Sort(seqs)
	var out []bot.OutboxItem
	for _, s := range seqs {
		if len(out) == limit {
			break
		}
		out = append(out, q.items[s])
	}
	return out, nil
}

func (q *memQueue) Done(_ context.Context, seq uint64, rc bot.Receipt) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if it, ok := q.items[seq]; ok && it.Reply.Track != "" {
		for _, ref := range rc.Refs {
			q.refs[ref] = it.Reply.Track
		}
	}
	delete(q.items, seq)
	q.done = append(q.done, seq)
	q.ch.signal()
	return nil
}

func (q *memQueue) Retry(_ context.Context, seq uint64, attempts int, notBefore time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if it, ok := q.items[seq]; ok {
		it.Attempts, it.NotBefore = attempts, notBefore
		q.items[seq] = it
	}
	q.retries = append(q.retries, retryCall{seq, attempts, notBefore})
	q.ch.signal()
	return nil
}

func (q *memQueue) Drop(_ context.Context, seq uint64, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.items, seq)
	q.drops[seq] = reason
	q.ch.signal()
	return nil
}

func (q *memQueue) MarkInactive(_ context.Context, chat bot.ChatKey) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inactive[chat] = true
	n := 0
	for s, it := range q.items {
		if it.Reply.Chat == chat {
			delete(q.items, s)
			n++
		}
	}
	q.ch.signal()
	return n, nil
}

func (q *memQueue) SetPause(_ context.Context, lane string, until time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pauses[lane] = until
	q.ch.signal()
	return nil
}

func (q *memQueue) Pauses(_ context.Context, now time.Time) (map[string]time.Time, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[string]time.Time)
	for k, v := range q.pauses {
		if v.After(now) {
			out[k] = v
		}
	}
	return out, nil
}

// ScanChat implements bot.ChatScanner.
func (q *memQueue) ScanChat(_ context.Context, chat bot.ChatKey, after uint64, limit int) ([]bot.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []bot.OutboxItem
	for _, it := range q.items {
		if it.Reply.Chat == chat && it.Seq > after {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b bot.OutboxItem) int { return int(a.Seq) - int(b.Seq) })
	return out[:min(len(out), limit)], nil
}

// LastSeq implements bot.ChatScanner.
func (q *memQueue) LastSeq(context.Context) (uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.next, nil
}

// Mark implements bot.MarkBatcher: one call is one commit.
func (q *memQueue) Mark(ctx context.Context, marks []bot.Mark) error {
	if q.beforeMark != nil {
		q.beforeMark(marks)
	}
	q.mu.Lock()
	q.commits++
	q.mu.Unlock()
	for _, m := range marks {
		switch m.Kind {
		case bot.MarkDone:
			_ = q.Done(ctx, m.Seq, m.Receipt)
		case bot.MarkRetry:
			_ = q.Retry(ctx, m.Seq, m.Attempts, m.NotBefore)
		case bot.MarkDrop:
			_ = q.Drop(ctx, m.Seq, m.Reason)
		case bot.MarkPause:
			_ = q.SetPause(ctx, m.Lane, m.Until)
		case bot.MarkBlocked:
			q.markBlocked(m.Chat, m.Seq)
		}
	}
	return nil
}

// markBlocked drops chat's items up to seq, and marks the chat inactive
// unless newer ones wait (the store's rule).
func (q *memQueue) markBlocked(chat bot.ChatKey, upTo uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	newer := false
	for s, it := range q.items {
		switch {
		case it.Reply.Chat != chat:
		case s <= upTo:
			delete(q.items, s)
		default:
			newer = true
		}
	}
	if !newer {
		q.inactive[chat] = true
	}
	q.ch.signal()
}

func (q *memQueue) commitCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.commits
}

func (q *memQueue) doneSeqs() []uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.done)
}

func (q *memQueue) isInactive(chat bot.ChatKey) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.inactive[chat]
}

func (q *memQueue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *memQueue) pause(lane string) time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pauses[lane]
}

func (q *memQueue) retryCalls() []retryCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.retries)
}

// sendRec is one call to fakeSender.Send.
type sendRec struct {
	chat bot.ChatKey
	text string
	at   time.Time
	err  error
}

// fakeSender records every Send and returns scripted errors. Replies are
// identified by their Text.
type fakeSender struct {
	mu       sync.Mutex
	now      func() time.Time
	ch       changes
	script   func(r bot.Reply, attempt int) error // nil: always succeed
	attempts map[string]int
	busy     map[bot.ChatKey]int
	inflight int
	maxPar   int
	overlap  bool // two sends of one chat ran at once
	recs     []sendRec
}

func newFakeSender(now func() time.Time, ch changes, script func(bot.Reply, int) error) *fakeSender {
	return &fakeSender{now: now, ch: ch, script: script, attempts: make(map[string]int), busy: make(map[bot.ChatKey]int)}
}

func (s *fakeSender) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	return bot.Receipt{}, s.send(ctx, r)
}

func (s *fakeSender) send(ctx context.Context, r bot.Reply) error {
	s.mu.Lock()
	s.attempts[r.Text]++
	n := s.attempts[r.Text]
	s.busy[r.Chat]++
	s.overlap = s.overlap || s.busy[r.Chat] > 1
	s.inflight++
	s.maxPar = max(s.maxPar, s.inflight)
	s.mu.Unlock()

	var err error
	if s.script != nil {
		err = s.script(r, n)
	}
	if err == nil {
		err = ctx.Err()
	}

	s.mu.Lock()
	s.busy[r.Chat]--
	s.inflight--
	s.recs = append(s.recs, sendRec{chat: r.Chat, text: r.Text, at: s.now(), err: err})
	s.mu.Unlock()
	s.ch.signal()
	return err
}

func (s *fakeSender) records() []sendRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recs)
}

// delivered returns the texts successfully sent to chat, in order.
func (s *fakeSender) delivered(chat bot.ChatKey) []string {
	var out []string
	for _, r := range s.records() {
		if r.chat == chat && r.err == nil {
			out = append(out, r.text)
		}
	}
	return out
}

// calls returns how many Sends chat got, failed ones included.
func (s *fakeSender) calls(chat bot.ChatKey) int {
	n := 0
	for _, r := range s.records() {
		if r.chat == chat {
			n++
		}
	}
	return n
}

// sentCounter counts OnSent calls.
type sentCounter struct {
	mu sync.Mutex
	ch changes
	n  int
}

func (c *sentCounter) onSent(bot.OutboxItem, bot.Receipt) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	c.ch.signal()
}

func (c *sentCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// sortedTimes returns the send times in ascending order.
func sortedTimes(recs []sendRec, keep func(sendRec) bool) []time.Time {
	var ts []time.Time
	for _, r := range recs {
		if keep(r) {
			ts = append(ts, r.at)
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	return ts
}
