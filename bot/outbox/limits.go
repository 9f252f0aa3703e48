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
type window struct {
	rate     Rate
	inflight int
	done     []time.Time // finish times of recent sends, ascending
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
	step := w.rate.Per / time.Duration(w.rate.N)
	w.done = make([]time.Time, w.rate.N)
	for i := range w.done {
		w.done[i] = at.Add(-w.rate.Per + time.Duration(i+1)*step)
	}
	return w
}

// newWindow returns nil for an unlimited rate; a nil *window allows all.
func newWindow(r Rate) *window {
	if r.unlimited() {
		return nil
	}
	return &window{rate: r}
}

// prune forgets finish times that left the window at now.
func (w *window) prune(now time.Time) {
	i := 0
	for i < len(w.done) && !w.done[i].After(now.Add(-w.rate.Per)) {
		i++
	}
	w.done = w.done[i:]
}

// allowAt returns when the next send may start. ok is false when only
// running sends block it, so the time is known once one of them finishes.
func (w *window) allowAt(now time.Time) (at time.Time, ok bool) {
	if w == nil {
		return now, true
	}
	w.prune(now)
	excess := w.inflight + len(w.done) - w.rate.N // sends to expire before one more fits
	switch {
	case excess < 0:
		return now, true
	case excess >= len(w.done):
		return time.Time{}, false
	default:
		return w.done[excess].Add(w.rate.Per), true
	}
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
	w.done = append(w.done, now)
	if len(w.done) > w.rate.N {
		w.done = w.done[len(w.done)-w.rate.N:]
	}
}

// idle reports whether the window remembers nothing that limits a send.
func (w *window) idle(now time.Time) bool {
	if w == nil {
		return true
	}
	w.prune(now)
	return w.inflight == 0 && len(w.done) == 0
}
