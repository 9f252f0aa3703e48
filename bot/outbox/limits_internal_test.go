package outbox

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
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
			w := newWindow(Rate{N: 3, Per: 100 * time.Millisecond})
			for _, d := range tt.done {
				w.add(d.UnixNano(), 1)
			}
			w.inflight = tt.inflight
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

// TestLaneHeapOrder: the lane sendable longest comes first; at one clock
// reading, the oldest head (the old keepOldest order).
func TestLaneHeapOrder(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var h laneHeap
	lanes := map[uint64]*lane{}
	for _, k := range []struct {
		seq uint64
		at  int
	}{{9, 0}, {3, 0}, {7, 5}, {1, 0}, {8, 2}, {2, 2}} {
		l := &lane{seq: k.seq, at: t0.Add(time.Duration(k.at) * time.Second), index: -1}
		lanes[k.seq] = l
		h.push(l)
	}
	// Lane 7 becomes sendable earlier than any other; lane 1 leaves.
	lanes[7].at = t0.Add(-time.Second)
	h.fix(lanes[7].index)
	h.remove(lanes[1])
	var got []uint64
	for h.peek() != nil {
		l := h.peek()
		h.remove(l)
		got = append(got, l.seq)
	}
	if !slices.Equal(got, []uint64{7, 3, 9, 2, 8}) {
		t.Fatalf("heap order %v, want [7 3 9 2 8]", got)
	}
	if lanes[7].index != -1 {
		t.Error("a removed lane keeps its heap index")
	}
}

// TestBucketedWindowNeverExceedsRate: a rate far beyond the exact slots
// keeps a bounded number of buckets and still never lets more than N sends
// finish in any window.
func TestBucketedWindowNeverExceedsRate(t *testing.T) {
	const n = 1000
	per := time.Second
	w := newWindow(Rate{N: n, Per: per})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	var sends []time.Time
	for len(sends) < 5*n {
		at, ok := w.allowAt(now)
		if !ok {
			t.Fatal("blocked with nothing in flight")
		}
		now = later(now, at)
		w.start()
		now = now.Add(137 * time.Microsecond)
		w.finish(now)
		sends = append(sends, now)
		if len(w.slots) > windowBuckets+2 {
			t.Fatalf("%d slots for a rate of %d", len(w.slots), n)
		}
	}
	for i := 0; i+n < len(sends); i++ {
		if d := sends[i+n].Sub(sends[i]); d < per {
			t.Fatalf("%d sends within %v", n+1, d)
		}
	}
	// Under 2% below the rate: about one bucket per window.
	if got := float64(len(sends)-n) / now.Sub(sends[n-1]).Seconds(); got < 0.98*n {
		t.Errorf("%.0f sends/s, want about %d", got, n)
	}
}

func TestHugeRateWindowIsSmall(t *testing.T) {
	w := newWindow(Rate{N: 1_000_000_000, Per: time.Second}).warm(time.Now())
	if len(w.slots) > windowBuckets+1 || w.total != 1_000_000_000 {
		t.Fatalf("warm window: %d slots, %d sends", len(w.slots), w.total)
	}
}
