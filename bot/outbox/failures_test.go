package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
)

func rateLimited(after time.Duration, global bool) error {
	return &bot.SendError{Kind: bot.SendRateLimited, RetryAfter: after, Global: global, Reason: "flood"}
}

func TestRateLimitPausesLane(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, func(r bot.Reply, attempt int) error {
		if r.Text == "a1" && attempt == 1 {
			return rateLimited(30*time.Second, false)
		}
		return nil
	})
	a, b := bot.NewChatKey(bot.Telegram, "1"), bot.NewChatKey(bot.Telegram, "2")
	enqueue(t, q, a, "a1", "a2")
	enqueue(t, q, b, "b1")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s}, outbox.Options{
		Now: clock.Now, Limits: unlimited(bot.Telegram),
	})
	waitFor(t, ch, "pause stored", func() bool { return !q.pause(string(a)).IsZero() })
	if got, want := q.pause(string(a)), t0.Add(30*time.Second); !got.Equal(want) {
		t.Errorf("stored pause %v, want %v", got, want)
	}
	waitFor(t, ch, "b1", func() bool { return len(s.delivered(b)) == 1 })

	clock.Advance(29 * time.Second)
	barrier(t, w, q, s, ch, b)
	if n := s.calls(a); n != 1 {
		t.Fatalf("chat a got %d sends during its pause, want only the rate-limited one", n-1)
	}

	clock.Advance(time.Second)
	w.Notify()
	waitFor(t, ch, "a1, a2", func() bool { return len(s.delivered(a)) == 2 })
	if got := s.delivered(a); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Errorf("chat a got %v", got)
	}
	for _, r := range s.records() {
		if r.chat == a && r.err == nil && r.at.Before(t0.Add(30*time.Second)) {
			t.Errorf("%s sent at %v, before the pause ended", r.text, r.at.Sub(t0))
		}
	}
}

func TestGlobalRateLimitPausesChannel(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	tg := newFakeSender(clock.Now, ch, func(r bot.Reply, attempt int) error {
		if r.Text == "a1" && attempt == 1 {
			return rateLimited(10*time.Second, true)
		}
		return nil
	})
	local := newFakeSender(clock.Now, ch, nil)
	a, b := bot.NewChatKey(bot.Telegram, "1"), bot.NewChatKey(bot.Telegram, "2")
	enqueue(t, q, a, "a1")
	enqueue(t, q, b, "b1")
	// One send at a time, so b1 cannot start before a1's 429 is known.
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: tg, bot.Local: local}, outbox.Options{
		Now: clock.Now, Limits: unlimited(bot.Telegram, bot.Local), Concurrency: 1,
	})
	waitFor(t, ch, "pause stored", func() bool { return !q.pause(string(bot.Telegram)).IsZero() })
	if got, want := q.pause(string(bot.Telegram)), t0.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("stored pause %v, want %v", got, want)
	}

	clock.Advance(9 * time.Second)
	barrier(t, w, q, local, ch, bot.NewChatKey(bot.Local, "x"))
	if n := len(tg.records()); n != 1 {
		t.Fatalf("telegram got %d sends during a global pause", n-1)
	}

	clock.Advance(time.Second)
	w.Notify()
	waitFor(t, ch, "a1, b1", func() bool { return len(tg.delivered(a))+len(tg.delivered(b)) == 2 })
	for _, r := range tg.records() {
		if r.err == nil && r.at.Before(t0.Add(10*time.Second)) {
			t.Errorf("%s sent at %v, before the pause ended", r.text, r.at.Sub(t0))
		}
	}
}

func TestPauseSurvivesRestart(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, func(r bot.Reply, attempt int) error {
		if r.Text == "a1" && attempt == 1 {
			return rateLimited(time.Hour, false)
		}
		return nil
	})
	senders := map[bot.Channel]bot.Sender{bot.Telegram: s}
	opts := outbox.Options{Now: clock.Now, Limits: unlimited(bot.Telegram)}
	a, b := bot.NewChatKey(bot.Telegram, "1"), bot.NewChatKey(bot.Telegram, "2")
	enqueue(t, q, a, "a1")

	first := startWorker(t, q, senders, opts)
	waitFor(t, ch, "pause stored", func() bool { return !q.pause(string(a)).IsZero() })
	stopWorker(t, first)

	clock.Advance(10 * time.Minute)
	second := startWorker(t, q, senders, opts)
	barrier(t, second, q, s, ch, b)
	if n := s.calls(a); n != 1 {
		t.Fatalf("chat a got %d sends after restart during its pause", n-1)
	}
	clock.Set(t0.Add(time.Hour))
	second.Notify()
	waitFor(t, ch, "a1", func() bool { return len(s.delivered(a)) == 1 })
}

func TestStoredChannelPauseHonoured(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	until := clock.Now().Add(5 * time.Minute)
	if err := q.SetPause(context.Background(), string(bot.Viber), until); err != nil {
		t.Fatal(err)
	}
	viber := newFakeSender(clock.Now, ch, nil)
	local := newFakeSender(clock.Now, ch, nil)
	v := bot.NewChatKey(bot.Viber, "u1")
	enqueue(t, q, v, "v1")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Viber: viber, bot.Local: local}, outbox.Options{
		Now: clock.Now, Limits: unlimited(bot.Viber, bot.Local),
	})
	barrier(t, w, q, local, ch, bot.NewChatKey(bot.Local, "x"))
	if n := len(viber.records()); n != 0 {
		t.Fatalf("viber got %d sends during a stored pause", n)
	}
	clock.Set(until)
	w.Notify()
	waitFor(t, ch, "v1", func() bool { return len(viber.delivered(v)) == 1 })
}

func TestTransientFailuresRetryWithBackoff(t *testing.T) {
	const failures = 6
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, func(r bot.Reply, attempt int) error {
		if r.Text != "a1" || attempt > failures {
			return nil
		}
		if attempt%2 == 0 {
			return errors.New("unclassified error") // counts as SendRetry
		}
		return &bot.SendError{Kind: bot.SendRetry, Reason: "http_502"}
	})
	backoff := outbox.Backoff{Base: time.Second, Max: 8 * time.Second}
	a := bot.NewChatKey(bot.Telegram, "1")
	enqueue(t, q, a, "a1", "a2")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Telegram: s}, outbox.Options{
		Now: clock.Now, Limits: unlimited(bot.Telegram), Backoff: backoff, Rand: rand.NewPCG(1, 2),
	})
	for n := 1; n <= failures; n++ {
		waitFor(t, ch, fmt.Sprintf("retry %d", n), func() bool { return len(q.retryCalls()) >= n })
		rc := q.retryCalls()[n-1]
		ceiling := min(backoff.Base<<(n-1), backoff.Max)
		if d := rc.notBefore.Sub(clock.Now()); rc.attempts != n || d < 0 || d >= ceiling {
			t.Fatalf("retry %d: attempts %d, delay %v, want attempts %d, delay in [0, %v)", n, rc.attempts, d, n, ceiling)
		}
		if got := s.delivered(a); len(got) != 0 {
			t.Fatalf("sent %v while a1 was failing", got)
		}
		clock.Set(rc.notBefore)
		w.Notify()
	}
	waitFor(t, ch, "a1, a2", func() bool { return len(s.delivered(a)) == 2 })
	if got := s.delivered(a); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Errorf("got %v", got)
	}
	retries := q.retryCalls()
	for i, r := range s.records()[1:] {
		if r.text == "a1" && r.at.Before(retries[i].notBefore) {
			t.Errorf("attempt %d at %v, before its not-before %v", i+2, r.at, retries[i].notBefore)
		}
	}
}

func TestBlockedChatMarkedInactive(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, func(r bot.Reply, _ int) error {
		if r.Text == "a1" {
			return &bot.SendError{Kind: bot.SendBlocked, Reason: "blocked"}
		}
		return nil
	})
	a, b := bot.NewChatKey(bot.Local, "1"), bot.NewChatKey(bot.Local, "2")
	enqueue(t, q, a, "a1", "a2", "a3")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	waitFor(t, ch, "inactive", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.inactive[a]
	})
	barrier(t, w, q, s, ch, b)
	if n := s.calls(a); n != 1 {
		t.Errorf("chat a got %d sends, want 1 (the blocked one)", n)
	}
	waitFor(t, ch, "empty queue", func() bool { return q.pending() == 0 })

	// The user came back: new items are delivered again.
	enqueue(t, q, a, "a4")
	w.Notify()
	waitFor(t, ch, "a4", func() bool { return slices.Equal(s.delivered(a), []string{"a4"}) })
}

func TestPermanentFailureDropsItem(t *testing.T) {
	ch := newChanges()
	q := newMemQueue(time.Now, ch)
	s := newFakeSender(time.Now, ch, func(r bot.Reply, _ int) error {
		if r.Text == "secret text" {
			return &bot.SendError{Kind: bot.SendPermanent, Reason: "bad_request", Err: errors.New("can't parse: secret text")}
		}
		return nil
	})
	var logs syncBuffer
	a := bot.NewChatKey(bot.Local, "1")
	seqs := enqueue(t, q, a, "secret text", "a2")
	startWorker(t, q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	waitFor(t, ch, "a2", func() bool { return slices.Equal(s.delivered(a), []string{"a2"}) })
	q.mu.Lock()
	reason := q.drops[seqs[0]]
	q.mu.Unlock()
	if reason != "bad_request" {
		t.Errorf("drop reason %q, want bad_request", reason)
	}
	out := logs.String()
	if !strings.Contains(out, "bad_request") || strings.Contains(out, "secret") {
		t.Errorf("log should name the reason and not the text:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestResumeLiftsAChatPause: when the platform says the reason for a chat's
// pause is gone (a Viber user wrote again), its messages go out at once,
// and the stored pause is cleared so a restart does not bring it back.
func TestResumeLiftsAChatPause(t *testing.T) {
	clock := newFakeClock()
	ch := newChanges()
	q := newMemQueue(clock.Now, ch)
	s := newFakeSender(clock.Now, ch, func(r bot.Reply, attempt int) error {
		if r.Text == "v1" && attempt == 1 {
			return rateLimited(time.Hour, false)
		}
		return nil
	})
	v := bot.NewChatKey(bot.Viber, "u1")
	enqueue(t, q, v, "v1", "v2")
	w := startWorker(t, q, map[bot.Channel]bot.Sender{bot.Viber: s}, outbox.Options{
		Now: clock.Now, Limits: unlimited(bot.Viber),
	})
	waitFor(t, ch, "pause stored", func() bool { return !q.pause(string(v)).IsZero() })
	w.Resume(v)
	w.Notify()
	waitFor(t, ch, "v1, v2 without waiting an hour", func() bool { return len(s.delivered(v)) == 2 })
	if p := q.pause(string(v)); !p.IsZero() && p.After(clock.Now()) {
		t.Errorf("the stored pause (%v) was not cleared", p)
	}
}
