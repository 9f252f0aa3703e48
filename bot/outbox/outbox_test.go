package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
)

func startWorker(t *testing.T, q bot.Queue, senders map[bot.Channel]bot.Sender, opts outbox.Options) *outbox.Worker {
	t.Helper()
	w := outbox.New(q, senders, opts)
	if err := w.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { stopWorker(t, w) })
	return w
}

func stopWorker(t *testing.T, w *outbox.Worker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func enqueue(t *testing.T, q bot.Queue, chat bot.ChatKey, texts ...string) []uint64 {
	t.Helper()
	replies := make([]bot.Reply, len(texts))
	for i, text := range texts {
		replies[i] = bot.Reply{Chat: chat, Text: text}
	}
	seqs, err := q.Enqueue(context.Background(), replies...)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return seqs
}

var barriers atomic.Int64

// barrier sends two messages, one after the other, to chat and waits for
// both. The scheduler evaluates every lane between them, so whatever it
// would have sent at the current clock has been sent by then.
func barrier(t *testing.T, w *outbox.Worker, q bot.Queue, s *fakeSender, ch changes, chat bot.ChatKey) {
	t.Helper()
	for range 2 {
		text := fmt.Sprintf("barrier-%d", barriers.Add(1))
		enqueue(t, q, chat, text)
		w.Notify()
		waitFor(t, ch, text, func() bool { return slices.Contains(s.delivered(chat), text) })
	}
}

// unlimited turns off pacing for the given channels.
func unlimited(chs ...bot.Channel) map[bot.Channel]outbox.Limits {
	m := make(map[bot.Channel]outbox.Limits)
	for _, ch := range chs {
		m[ch] = outbox.Limits{}
	}
	return m
}

func TestPerChatOrderUnderConcurrency(t *testing.T) {
	const chats, msgs, conc = 200, 10, 8
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	// Some first attempts fail, so retried heads must hold back their lanes.
	s := newFakeSender(time.Now, ch, func(r bot.Reply, attempt int) error {
		h := fnv.New32a()
		h.Write([]byte(r.Text))
		if attempt == 1 && h.Sum32()%7 == 0 {
			return errors.New("connection reset")
		}
		runtime.Gosched()
		return nil
	})
	counter := &sentCounter{ch: ch}
	opts := outbox.Options{
		Concurrency: conc,
		Backoff:     outbox.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond},
		OnSent:      counter.onSent,
	}
	chatKey := func(c int) bot.ChatKey { return bot.NewChatKey(bot.Local, fmt.Sprint(c)) }
	enqueueRound := func(m int) {
		for c := range chats {
			enqueue(t, q, chatKey(c), fmt.Sprintf("%d/%d", c, m))
		}
	}
	for m := range msgs / 2 {
		enqueueRound(m)
	}
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, opts)
	for m := msgs / 2; m < msgs; m++ {
		enqueueRound(m)
		w.Notify()
	}
	waitFor(t, ch, "all sent", func() bool { return counter.count() == chats*msgs })

	for c := range chats {
		var want []string
		for m := range msgs {
			want = append(want, fmt.Sprintf("%d/%d", c, m))
		}
		if got := s.delivered(chatKey(c)); !slices.Equal(got, want) {
			t.Fatalf("chat %d got %v, want %v", c, got, want)
		}
	}
	if s.overlap {
		t.Error("two sends of one chat ran at the same time")
	}
	if s.maxPar > conc {
		t.Errorf("%d sends ran in parallel, want at most %d", s.maxPar, conc)
	}
	if n := q.pending(); n != 0 {
		t.Errorf("%d items left in the queue", n)
	}
}

// checkWindow fails if more than r.N of ts (ascending) fall in any interval
// shorter than r.Per.
func checkWindow(t *testing.T, name string, ts []time.Time, r outbox.Rate) {
	t.Helper()
	for i := 0; i+r.N < len(ts); i++ {
		if d := ts[i+r.N].Sub(ts[i]); d < r.Per {
			t.Errorf("%s: %d sends within %v (limit %d per %v)", name, r.N+1, d, r.N, r.Per)
			return
		}
	}
}

func TestSlidingWindowLimits(t *testing.T) {
	limits := outbox.Limits{
		PerChat:  outbox.Rate{N: 2, Per: 60 * time.Millisecond},
		Global:   outbox.Rate{N: 5, Per: 50 * time.Millisecond},
		PerGroup: outbox.Rate{N: 1, Per: 80 * time.Millisecond},
		IsGroup:  outbox.TelegramIsGroup,
	}
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	counter := &sentCounter{ch: ch}
	chats := []string{"1", "2", "3", "4", "5", "6", "-100", "-200"}
	for _, id := range chats {
		enqueue(t, q, bot.NewChatKey(bot.Telegram, id), id+"/a", id+"/b", id+"/c")
	}
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s}, outbox.Options{
		Limits: map[bot.Channel]outbox.Limits{bot.Telegram: limits},
		OnSent: counter.onSent,
	})
	waitFor(t, ch, "all sent", func() bool { return counter.count() == 3*len(chats) })

	recs := s.records()
	checkWindow(t, "global", sortedTimes(recs, func(sendRec) bool { return true }), limits.Global)
	for _, id := range chats {
		chat := bot.NewChatKey(bot.Telegram, id)
		ts := sortedTimes(recs, func(r sendRec) bool { return r.chat == chat })
		checkWindow(t, string(chat), ts, limits.PerChat)
		if limits.IsGroup(chat) {
			checkWindow(t, string(chat)+" (group)", ts, limits.PerGroup)
		}
	}
}

func TestNotBeforeDelaysLane(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, nil)
	a, b := bot.NewChatKey(bot.Local, "1"), bot.NewChatKey(bot.Local, "2")
	at := clock.Now().Add(time.Minute)
	q.put(bot.Reply{Chat: a, Text: "a1"}, at)
	enqueue(t, q, a, "a2")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{Now: clock.Now})
	barrier(t, w, q, s, ch, b)
	if n := s.calls(a); n != 0 {
		t.Fatalf("chat a got %d sends before its head's not-before", n)
	}
	clock.Set(at)
	w.Notify()
	waitFor(t, ch, "a1, a2", func() bool { return slices.Equal(s.delivered(a), []string{"a1", "a2"}) })
}

func TestRestartResumesPending(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	first := newFakeSender(time.Now, ch, nil)
	// The first worker hangs on item 4 until its context is cancelled.
	stuck := make(chan struct{})
	var hangs atomic.Int32
	hang := func(ctx context.Context, r bot.Reply) error {
		if r.Text == "4" {
			if hangs.Add(1) == 1 {
				close(stuck)
			}
			<-ctx.Done()
			return ctx.Err()
		}
		return first.send(ctx, r)
	}
	a := bot.NewChatKey(bot.Local, "1")
	enqueue(t, q, a, "1", "2", "3", "4", "5", "6")
	w1 := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: senderFunc(hang)}, outbox.Options{})
	<-stuck
	stopWorker(t, w1)
	if n := hangs.Load(); n != 1 {
		t.Errorf("item 4 was started %d times by the first worker, want once", n)
	}
	if got := first.delivered(a); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("first worker sent %v", got)
	}
	if n := q.pending(); n != 3 {
		t.Fatalf("%d items pending after stop, want 3", n)
	}

	second := newFakeSender(time.Now, ch, nil)
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: second}, outbox.Options{})
	waitFor(t, ch, "rest", func() bool { return len(second.delivered(a)) == 3 })
	if got := second.delivered(a); !slices.Equal(got, []string{"4", "5", "6"}) {
		t.Errorf("second worker sent %v", got)
	}
}

// senderFunc adapts a function to bot.Sender.
type senderFunc func(ctx context.Context, r bot.Reply) error

func (f senderFunc) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	return bot.Receipt{}, f(ctx, r)
}

func TestStopLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	counter := &sentCounter{ch: ch}
	for i := range 20 {
		enqueue(t, q, bot.NewChatKey(bot.Local, fmt.Sprint(i)), "x")
	}
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: s, bot.Telegram: s, bot.Viber: s},
		outbox.Options{OnSent: counter.onSent})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, "sent", func() bool { return counter.count() == 20 })
	stopWorker(t, w)
	// Stop returns when Run has; the goroutine Start made may take a moment
	// more to exit.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Stop, %d before Start", n, before)
	}
}

func TestRunReturnsWhenCancelled(t *testing.T) {
	q := newMemQueue(time.Now, newChanges())
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: newFakeSender(time.Now, newChanges(), nil)}, outbox.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	w.Notify()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := w.Run(ctx); err != nil {
		t.Errorf("Run on a cancelled context: %v", err)
	}
}

func TestRunsOnceAtATime(t *testing.T) {
	q := newMemQueue(time.Now, newChanges())
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: newFakeSender(time.Now, newChanges(), nil)}, outbox.Options{})
	if err := w.Run(context.Background()); !errors.Is(err, outbox.ErrRunning) {
		t.Errorf("Run while started: %v, want ErrRunning", err)
	}
	if err := w.Start(context.Background()); !errors.Is(err, outbox.ErrRunning) {
		t.Errorf("Start while started: %v, want ErrRunning", err)
	}
	stopWorker(t, w)
	if err := w.Start(context.Background()); err != nil {
		t.Errorf("Start after Stop: %v", err)
	}
}

func TestDefaultLimits(t *testing.T) {
	tests := []struct {
		name    string
		ch      bot.Channel
		perChat outbox.Rate
		global  outbox.Rate
		group   bool // "-100" is a group
	}{
		{"telegram", bot.Telegram, outbox.Rate{N: 3, Per: 3 * time.Second}, outbox.Rate{N: 27, Per: time.Second}, true},
		{"viber", bot.Viber, outbox.Rate{N: 10, Per: time.Second}, outbox.Rate{N: 300, Per: 10 * time.Second}, false},
		{"local", bot.Local, outbox.Rate{}, outbox.Rate{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := outbox.DefaultLimits(tt.ch)
			if l.PerChat != tt.perChat || l.Global != tt.global {
				t.Errorf("got per chat %v, global %v", l.PerChat, l.Global)
			}
			group := l.IsGroup != nil && l.IsGroup(bot.NewChatKey(tt.ch, "-100"))
			if group != tt.group {
				t.Errorf("IsGroup(-100) = %v", group)
			}
		})
	}
	if g := outbox.DefaultLimits(bot.Telegram).PerGroup; g != (outbox.Rate{N: 18, Per: time.Minute}) {
		t.Errorf("telegram per group %v", g)
	}
}

// TestRestartStartsWithWarmWindows: a new worker cannot know what a killed
// one sent in its last moments, so it paces its first sends as if the
// predecessor had been sending at the full rate: no burst of N at once.
func TestRestartStartsWithWarmWindows(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	const n = 5
	per := 200 * time.Millisecond
	limits := map[bot.Channel]outbox.Limits{bot.Telegram: {Global: outbox.Rate{N: n, Per: per}}}
	for i := range n {
		enqueue(t, q, bot.ChatKey(fmt.Sprintf("telegram:%d", i)), "first")
	}
	start := time.Now()
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s}, outbox.Options{Limits: limits, PollInterval: 10 * time.Millisecond})
	waitFor(t, ch, "all first messages", func() bool { return len(s.records()) == n })
	recs := s.records()
	if first := recs[0].at.Sub(start); first < per/n {
		t.Errorf("first send %v after start, want at least %v", first, per/n)
	}
	if last := recs[n-1].at.Sub(start); last < per-per/n {
		t.Errorf("%d sends within %v of start: a burst the predecessor's window may not allow", n, last)
	}
	if last := recs[n-1].at.Sub(start); last > 3*per {
		t.Errorf("the last first message took %v: warm-up should cost about one window", last)
	}
}
