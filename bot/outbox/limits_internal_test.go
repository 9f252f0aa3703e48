package outbox

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

func TestWindowAllowAt(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name     string
		inflight int
		done     []time.Time
		now      time.Time
		want     time.Time
		ok       bool
	}{
		{"empty", 0, nil, ms(0), ms(0), true},
		{"room left", 1, []time.Time{ms(0)}, ms(10), ms(10), true},
		{"full, oldest expires", 0, []time.Time{ms(0), ms(20), ms(40)}, ms(50), ms(100), true},
		{"full, expired at boundary", 0, []time.Time{ms(0), ms(20), ms(40)}, ms(100), ms(100), true},
		{"full with one running", 1, []time.Time{ms(10), ms(30)}, ms(50), ms(110), true},
		{"only running sends", 3, nil, ms(0), time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &window{rate: Rate{N: 3, Per: 100 * time.Millisecond}, inflight: tt.inflight, done: tt.done}
			got, ok := w.allowAt(tt.now)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("allowAt = %v, %v; want %v, %v", got.Sub(t0), ok, tt.want.Sub(t0), tt.ok)
			}
		})
	}
}

func TestWindowCountsSendUntilItFinishes(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(Rate{N: 1, Per: time.Second})
	w.start()
	if _, ok := w.allowAt(t0); ok {
		t.Fatal("a running send must block the window")
	}
	w.finish(t0.Add(3 * time.Second))
	if at, _ := w.allowAt(t0.Add(3 * time.Second)); !at.Equal(t0.Add(4 * time.Second)) {
		t.Errorf("next send at %v, want one Per after the finish", at.Sub(t0))
	}
	if w.idle(t0.Add(3 * time.Second)) {
		t.Error("idle right after a send finished")
	}
	if !w.idle(t0.Add(4 * time.Second)) {
		t.Error("not idle once the send left the window")
	}
}

func TestUnlimitedWindow(t *testing.T) {
	for _, r := range []Rate{{}, {N: 5}, {Per: time.Second}} {
		w := newWindow(r)
		if w != nil {
			t.Fatalf("newWindow(%v) = %v, want nil", r, w)
		}
		w.start()
		if _, ok := w.allowAt(time.Now()); !ok {
			t.Errorf("nil window blocked")
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{}.withDefaults()
	rnd := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{5, 16 * time.Second},
		{9, 256 * time.Second},
		{10, 5 * time.Minute},
		{1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := b.ceiling(tt.attempt); got != tt.ceiling {
			t.Errorf("ceiling(%d) = %v, want %v", tt.attempt, got, tt.ceiling)
		}
		for range 100 {
			if d := b.delay(tt.attempt, rnd); d < 0 || d >= tt.ceiling {
				t.Fatalf("delay(%d) = %v, want in [0, %v)", tt.attempt, d, tt.ceiling)
			}
		}
	}
}

func TestKeepOldestSelectsTheOldestHeads(t *testing.T) {
	lanes := make([]*lane, 0)
	for _, seq := range []uint64{9, 3, 7, 1, 8, 2} {
		lanes = keepOldest(lanes, &lane{pending: []bot.OutboxItem{{Seq: seq}}}, 3)
	}
	var got []uint64
	for _, l := range lanes {
		got = append(got, l.pending[0].Seq)
	}
	if !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("kept %v, want [1 2 3]", got)
	}
}
