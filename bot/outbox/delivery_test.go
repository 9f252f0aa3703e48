package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
)

// TestSendsDoNotWaitForCommits: while one commit of marks hangs, other
// chats keep being sent, and their marks share the next commit.
func TestSendsDoNotWaitForCommits(t *testing.T) {
	const chats = 50
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	release := make(chan struct{})
	var first sync.Once
	q.beforeMark = func([]bot.Mark) { first.Do(func() { <-release }) }
	for i := range chats {
		enqueue(t, q, bot.NewChatKey(bot.Local, strconv.Itoa(i)), "x")
	}
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	waitFor(t, ch, "every chat sent while the first commit hangs", func() bool { return len(s.records()) == chats })
	close(release)
	waitFor(t, ch, "all marked done", func() bool { return len(q.doneSeqs()) == chats })
	// One commit for the first send, and most of the others in the next
	// (a few may still be on their way when the first one is released).
	if n := q.commitCount(); n > chats/5 {
		t.Errorf("%d commits for %d sends, want them grouped", n, chats)
	}
}

// TestNextItemWaitsForItsPredecessorsMark: a lane's next item is sent only
// once the previous item's done mark is durable.
func TestNextItemWaitsForItsPredecessorsMark(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	release := make(chan struct{})
	var first sync.Once
	q.beforeMark = func([]bot.Mark) { first.Do(func() { <-release }) }
	a, b := bot.NewChatKey(bot.Local, "a"), bot.NewChatKey(bot.Local, "b")
	enqueue(t, q, a, "a1", "a2")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	waitFor(t, ch, "a1", func() bool { return len(s.delivered(a)) == 1 })
	// Another chat is served meanwhile (its mark waits too), but not a2.
	enqueue(t, q, b, "b1")
	w.Notify()
	waitFor(t, ch, "b1", func() bool { return len(s.delivered(b)) == 1 })
	if got := s.delivered(a); len(got) != 1 {
		t.Fatalf("chat a got %v before a1's mark committed", got)
	}
	close(release)
	waitFor(t, ch, "a2", func() bool { return slices.Equal(s.delivered(a), []string{"a1", "a2"}) })
}

// TestPlainQueueStillWorks: a Queue without the optional interfaces is
// drained with its plain methods, in order.
func TestPlainQueueStillWorks(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, nil)
	a := bot.NewChatKey(bot.Local, "a")
	enqueue(t, q, a, "1", "2", "3")
	startWorker(t, plainQueue{q}, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	waitFor(t, ch, "all", func() bool { return q.pending() == 0 && len(s.delivered(a)) == 3 })
	if got := s.delivered(a); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("got %v", got)
	}
	if n := q.commitCount(); n != 0 {
		t.Errorf("Mark called %d times on a plain queue", n)
	}
}

// TestFloodingChatDoesNotHoldBackOthers: a chat with thousands of queued
// replies, paced by its window, never fills the worker's memory: another
// chat's reply, committed after all of them, goes out at once.
func TestFloodingChatDoesNotHoldBackOthers(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, nil)
	flood, other := bot.NewChatKey(bot.Telegram, "1"), bot.NewChatKey(bot.Telegram, "2")
	texts := make([]string, 5000)
	for i := range texts {
		texts[i] = "f" + strconv.Itoa(i)
	}
	ready := bot.NewChatKey(bot.Local, "x")
	enqueue(t, q, ready, "ready")
	enqueue(t, q, flood, texts...)
	local := newFakeSender(clock.Now, ch, nil)
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s, bot.Local: local}, outbox.Options{
		Now:         clock.Now,
		Limits:      map[bot.Channel]outbox.Limits{bot.Telegram: {PerChat: outbox.Rate{N: 1, Per: time.Hour}}},
		MaxBuffered: 256,
	})
	// Past the first scan (which read "ready"), so the other chat's window
	// starts empty.
	waitFor(t, ch, "ready", func() bool { return len(local.delivered(ready)) == 1 })
	enqueue(t, q, other, "hello")
	w.Notify()
	waitFor(t, ch, "the other chat's reply", func() bool { return len(s.delivered(other)) == 1 })
	if n := len(s.delivered(flood)); n > 1 {
		t.Errorf("the flooding chat got %d sends within its window of 1/h", n)
	}
	// The flood drains in order as its (warm) window allows.
	for n := 1; n <= 2; n++ {
		clock.Advance(time.Hour)
		w.Notify()
		// Waiting for the mark means the send was handled at this clock.
		waitFor(t, ch, "the flood's next message", func() bool { return len(q.doneSeqs()) == 2+n })
	}
	if got := s.delivered(flood); !slices.Equal(got, texts[:2]) {
		t.Errorf("flood order %v", got)
	}
}

// TestYoungChatNotStarvedByBacklog: a backlog of many chats that fills
// MaxBuffered (their heads wait for a NotBefore) does not keep a newly
// committed reply of another chat from being read and sent.
func TestYoungChatNotStarvedByBacklog(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, nil)
	later := clock.Now().Add(time.Hour)
	young, ready := bot.NewChatKey(bot.Local, "young"), bot.NewChatKey(bot.Local, "ready")
	enqueue(t, q, ready, "ready")
	for i := range 500 {
		if i == 300 { // the young chat has an item in the unread backlog
			q.put(bot.Reply{Chat: young, Text: "y1"}, time.Time{})
		}
		q.put(bot.Reply{Chat: bot.NewChatKey(bot.Local, "old"+strconv.Itoa(i)), Text: "old"}, later)
	}
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{Now: clock.Now, MaxBuffered: 64})
	// Once the first scan is done (it read "ready"), chats committed after
	// the backlog are read first.
	waitFor(t, ch, "ready", func() bool { return len(s.delivered(ready)) == 1 })
	enqueue(t, q, young, "y2")
	w.Notify()
	waitFor(t, ch, "y1, y2", func() bool { return len(s.delivered(young)) == 2 })
	if got := s.delivered(young); !slices.Equal(got, []string{"y1", "y2"}) {
		t.Errorf("young chat got %v", got)
	}
	clock.Set(later)
	w.Notify()
	waitFor(t, ch, "the backlog", func() bool { return q.pending() == 0 })
	if n := len(s.records()); n != 503 {
		t.Errorf("%d sends, want 503", n)
	}
}

// TestBlockedSendKeepsRepliesOfAReturningUser: a 403 on an older send must
// not drop a reply committed while it was in flight (the user unblocked
// the bot and wrote /start), nor leave the chat inactive.
func TestBlockedSendKeepsRepliesOfAReturningUser(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	a := bot.NewChatKey(bot.Local, "a")
	var w *outbox.Worker
	var once sync.Once
	s := newFakeSender(time.Now, ch, func(r bot.Reply, _ int) error {
		if r.Text != "old" {
			return nil
		}
		once.Do(func() {
			enqueue(t, q, a, "welcome back")
			w.Notify()
		})
		return &bot.SendError{Kind: bot.SendBlocked, Reason: "blocked"}
	})
	enqueue(t, q, a, "old", "older still queued")
	w = startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	waitFor(t, ch, "welcome back", func() bool { return slices.Contains(s.delivered(a), "welcome back") })
	if got := s.delivered(a); !slices.Equal(got, []string{"welcome back"}) {
		t.Errorf("delivered %v, want only the reply to the returning user", got)
	}
	waitFor(t, ch, "every mark committed", func() bool { return q.pending() == 0 })
	if q.isInactive(a) {
		t.Error("the returning user was marked inactive")
	}
}

// refSender succeeds and reports one message id per send.
type refSender struct {
	mu    sync.Mutex
	ch    changes
	next  int
	texts []string
}

func (s *refSender) Send(_ context.Context, r bot.Reply) (bot.Receipt, error) {
	s.mu.Lock()
	s.next++
	s.texts = append(s.texts, r.Text)
	ref := strconv.Itoa(100 + s.next)
	s.mu.Unlock()
	s.ch.signal()
	return bot.Receipt{Refs: []string{ref}}, nil
}

func (s *refSender) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.texts)
}

// TestCoalesceMergesBackloggedRelays: replies with a common Coalesce
// queued back to back go out as one message, marked done in one commit
// with the message's ref recorded under their Track; anything else breaks
// the run.
func TestCoalesceMergesBackloggedRelays(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := &refSender{ch: ch}
	staff := bot.NewChatKey(bot.Telegram, "-100")
	relay := func(text, coalesce string) bot.Reply {
		return bot.Reply{Chat: staff, Kind: bot.ReplyStaff, Text: text, Coalesce: coalesce, Track: "t1"}
	}
	withButton := relay("r6", "t1")
	withButton.Buttons = [][]bot.Button{{{Label: "Take", Data: "d:take:1"}}}
	seqs, err := q.Enqueue(context.Background(),
		relay("r1", "t1"), relay("r2", "t1"), relay("r3", "t1"),
		relay("r4", "t2"), relay("r5", ""), withButton, relay("r7", "t1"))
	if err != nil {
		t.Fatal(err)
	}
	ready := bot.NewChatKey(bot.Local, "ready")
	enqueue(t, q, ready, "ready")
	local := newFakeSender(clock.Now, ch, nil)
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s, bot.Local: local}, outbox.Options{
		Now:    clock.Now,
		Limits: map[bot.Channel]outbox.Limits{bot.Telegram: {PerChat: outbox.Rate{N: 1, Per: time.Minute}}},
	})
	waitFor(t, ch, "ready", func() bool { return len(q.doneSeqs()) == 1 })
	want := []string{"r1\n\nr2\n\nr3", "r4", "r5", "r6", "r7"}
	for i := range want {
		clock.Advance(time.Minute) // the first window is warm
		w.Notify()
		waitFor(t, ch, want[i], func() bool { return len(s.sent()) == i+1 })
		waitFor(t, ch, "marks", func() bool { return len(q.doneSeqs()) == 1+min(i+3, len(seqs)) })
	}
	if got := s.sent(); !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	if got := q.doneSeqs()[1:]; !slices.Equal(got, seqs) {
		t.Errorf("done %v, want %v", got, seqs)
	}
	q.mu.Lock()
	track := q.refs["101"]
	q.mu.Unlock()
	if track != "t1" {
		t.Errorf("merged message's ref tracked as %q", track)
	}
}

// TestCoalesceRespectsTheSizeCap: merging stops before the cap.
func TestCoalesceRespectsTheSizeCap(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := &refSender{ch: ch}
	staff := bot.NewChatKey(bot.Local, "staff")
	var replies []bot.Reply
	for i := range 5 {
		replies = append(replies, bot.Reply{Chat: staff, Text: fmt.Sprintf("%04d", i), Coalesce: "c"})
	}
	if _, err := q.Enqueue(context.Background(), replies...); err != nil {
		t.Fatal(err)
	}
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{MaxCoalesceBytes: 10})
	waitFor(t, ch, "all", func() bool { return q.pending() == 0 })
	if got, want := s.sent(), []string{"0000\n\n0001", "0002\n\n0003", "0004"}; !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
}

// TestStopLetsSendsInFlightFinish: on shutdown a send in flight is not
// cancelled within StopGrace; it is marked done, and nothing new starts.
func TestStopLetsSendsInFlightFinish(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	started := make(chan struct{})
	release := make(chan struct{})
	var cancelled, sends atomic.Int32
	snd := senderFunc(func(ctx context.Context, r bot.Reply) error {
		sends.Add(1)
		if r.Text == "a1" {
			close(started)
			<-release
		}
		if ctx.Err() != nil {
			cancelled.Add(1)
			return ctx.Err()
		}
		return nil
	})
	a := bot.NewChatKey(bot.Local, "a")
	seqs := enqueue(t, q, a, "a1", "a2")
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: snd}, outbox.Options{StopGrace: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	<-started
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := cancelled.Load(); n != 0 {
		t.Errorf("%d sends cancelled within the grace", n)
	}
	if got := q.doneSeqs(); !slices.Equal(got, seqs[:1]) {
		t.Errorf("done %v, want a1's mark committed before Run returned", got)
	}
	if n := sends.Load(); n != 1 {
		t.Errorf("%d sends, want only a1 (nothing starts while stopping)", n)
	}
}

// TestStopGraceRunsOut: a send that outlives the grace is cancelled and
// its item stays queued.
func TestStopGraceRunsOut(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	started := make(chan struct{})
	snd := senderFunc(func(ctx context.Context, _ bot.Reply) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	enqueue(t, q, bot.NewChatKey(bot.Local, "a"), "hangs")
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: snd}, outbox.Options{StopGrace: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := q.pending(); n != 1 {
		t.Errorf("%d items pending, want the cancelled one kept", n)
	}
}

// TestOnSentGetsTheItems: OnSent sees each delivered item whole, merged
// ones included, with the receipt.
func TestOnSentGetsTheItems(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := &refSender{ch: ch}
	var mu sync.Mutex
	var got []string
	a := bot.NewChatKey(bot.Local, "a")
	seqs, _ := q.Enqueue(context.Background(),
		bot.Reply{Chat: a, Text: "x", Coalesce: "c"}, bot.Reply{Chat: a, Text: "y", Coalesce: "c"}, bot.Reply{Chat: a, Text: "z"})
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{
		OnSent: func(it bot.OutboxItem, rc bot.Receipt) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%d:%s:%s:%v", it.Seq, it.Reply.Chat, it.Reply.Text, rc.Refs))
			mu.Unlock()
			ch.signal()
		},
	})
	waitFor(t, ch, "three OnSent calls", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
	want := []string{
		fmt.Sprintf("%d:local:a:x:[101]", seqs[0]), fmt.Sprintf("%d:local:a:y:[101]", seqs[1]), fmt.Sprintf("%d:local:a:z:[102]", seqs[2]),
	}
	if !slices.Equal(got, want) {
		t.Errorf("OnSent got %q, want %q", got, want)
	}
}
