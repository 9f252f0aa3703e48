package outbox

import (
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Rate allows at most N sends in any sliding window of length Per. A Rate
// with N <= 0 or Per <= 0 is unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) unlimited() bool { return r.N <= 0 || r.Per <= 0 }

// Limits is the pacing of one channel. The zero value is unlimited.
type Limits struct {
	// PerChat bounds sends into one chat (groups included).
	PerChat Rate
	// Global bounds sends across all chats of the channel.
	Global Rate
	// PerGroup additionally bounds sends into a chat for which IsGroup
	// reports true.
	PerGroup Rate
	// IsGroup reports whether a chat is a group; nil means no chat is.
	IsGroup func(bot.ChatKey) bool
}

// DefaultLimits returns the pacing for a channel, at about 90% of what the
// platform documents so that clock skew and network jitter stay inside it:
//
//   - Telegram: 3 per 3 s per chat (about 1/s with a burst of 3), 27/s
//     globally (of 30/s), 18/min per group (of 20/min); groups are chats
//     with a negative id.
//   - Viber: 10/s per chat and 300 per 10 s globally. Viber publishes no
//     per-chat rate; its cap of 100 messages per user per hour without a
//     reply is enforced by the Viber adapter, not here.
//   - Local and any unknown channel: unlimited.
func DefaultLimits(ch bot.Channel) Limits {
	switch ch {
	case bot.Telegram:
		return Limits{
			PerChat:  Rate{N: 3, Per: 3 * time.Second},
			Global:   Rate{N: 27, Per: time.Second},
			PerGroup: Rate{N: 18, Per: time.Minute},
			IsGroup:  TelegramIsGroup,
		}
	case bot.Viber:
		return Limits{
			PerChat: Rate{N: 10, Per: time.Second},
			Global:  Rate{N: 300, Per: 10 * time.Second},
		}
	default:
		return Limits{}
	}
}

// TelegramIsGroup reports whether a Telegram chat is a group or channel:
// Telegram gives those negative ids.
func TelegramIsGroup(chat bot.ChatKey) bool {
	return strings.HasPrefix(chat.ID(), "-")
}

// window enforces one Rate over a sliding window. A send counts from the
// moment it starts; when it finishes it is re-stamped with its finish time,
// so the platform, which sees the send somewhere in between, never observes
// more than N sends in any interval of length Per.
//
// Its memory does not grow with the rate: up to exactSlots sends per
// window it remembers each finish time exactly; beyond, finish times are
// rounded UP to one of windowBuckets buckets per window and counted there,
// which can only make a send expire later (never a violation) and costs at
// most one bucket (Per/windowBuckets, under 1%) of throughput.
type window struct {
	rate     Rate
	width    int64 // nanoseconds a finish time is rounded up to; 1 = exact
	inflight int
	total    int    // sends in slots
	slots    []slot // finish times (or bucket ends), ascending; slots[head:] live
	head     int
}

// slot is n sends finished at (or, with buckets, before) t, Unix ns.
type slot struct {
	t int64
	n int
}

const (
	exactSlots    = 64
	windowBuckets = 128
)

// newWindow returns nil for an unlimited rate; a nil *window allows all.
func newWindow(r Rate) *window {
	if r.unlimited() {
		return nil
	}
	w := &window{rate: r, width: 1}
	if r.N > exactSlots {
		w.width = max(int64(r.Per)/windowBuckets, 1)
	}
	return w
}

// warm fills the window as if the predecessor had been sending at the full
// rate until at: N sends spread evenly over the window ending at at. A
// restarted process does not know what was sent in its predecessor's last
// moments, so it assumes the worst steady state: a slot frees every Per/N
// from the start, with no burst on top and no long silence either.
func (w *window) warm(at time.Time) *window {
	if w == nil {
		return nil
	}
	w.slots, w.head, w.total = w.slots[:0], 0, 0
	per := int64(w.rate.Per)
	start := at.UnixNano() - per
	if w.width == 1 {
		step := per / int64(w.rate.N)
		for i := range int64(w.rate.N) {
			w.add(start+(i+1)*step, 1)
		}
		return w
	}
	// Bucketed: the same spread, counted per bucket.
	n := int64(w.rate.N)
	for j := int64(1); j <= windowBuckets; j++ {
		if k := n*j/windowBuckets - n*(j-1)/windowBuckets; k > 0 {
			w.add(start+j*per/windowBuckets, int(k))
		}
	}
	return w
}

// add records n sends finished at t (Unix ns), rounded up to the width.
func (w *window) add(t int64, n int) {
	if r := t % w.width; r != 0 {
		t += w.width - r
	}
	if last := len(w.slots) - 1; last >= w.head && w.slots[last].t >= t {
		w.slots[last].n += n // same bucket (or a clock that stepped back)
	} else {
		if w.head > 0 && w.head >= len(w.slots)/2 {
			w.slots = append(w.slots[:0], w.slots[w.head:]...)
			w.head = 0
		}
		w.slots = append(w.slots, slot{t: t, n: n})
	}
	w.total += n
	// Only the newest N can still limit a send.
	for w.total-w.slots[w.head].n >= w.rate.N {
		w.total -= w.slots[w.head].n
		w.head++
	}
}

// prune forgets sends that left the window at now.
func (w *window) prune(now time.Time) {
	cut := now.UnixNano() - int64(w.rate.Per)
	for w.head < len(w.slots) && w.slots[w.head].t <= cut {
		w.total -= w.slots[w.head].n
		w.head++
	}
	if w.head == len(w.slots) {
		w.slots, w.head = w.slots[:0], 0
	}
}

// allowAt returns when the next send may start. ok is false when only
// running sends block it, so the time is known once one of them finishes.
func (w *window) allowAt(now time.Time) (at time.Time, ok bool) {
	if w == nil {
		return now, true
	}
	w.prune(now)
	excess := w.inflight + w.total - w.rate.N // sends to expire before one more fits
	switch {
	case excess < 0:
		return now, true
	case excess >= w.total:
		return time.Time{}, false
	}
	for _, s := range w.slots[w.head:] {
		if excess < s.n {
			return time.Unix(0, s.t).Add(w.rate.Per), true
		}
		excess -= s.n
	}
	return time.Time{}, false // unreachable: excess < total
}

func (w *window) start() {
	if w != nil {
		w.inflight++
	}
}

func (w *window) finish(now time.Time) {
	if w == nil {
		return
	}
	w.inflight--
	w.add(now.UnixNano(), 1)
}

// idle reports whether the window remembers nothing that limits a send.
func (w *window) idle(now time.Time) bool {
	if w == nil {
		return true
	}
	w.prune(now)
	return w.inflight == 0 && w.total == 0
}
