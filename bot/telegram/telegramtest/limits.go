package telegramtest

import (
	"strconv"
	"time"
)

// Window is a sliding-window rule: at most Max calls in any span of Per.
type Window struct {
	Max int
	Per time.Duration
}

// Limits are the send limits the server enforces on send-like calls
// (sendMessage, editMessageText, copyMessage, media sends). A nil slice takes
// its default; an empty non-nil slice disables that scope.
type Limits struct {
	// Disabled turns all limits off.
	Disabled bool
	// Private applies to each private chat (positive chat id). Default:
	// a burst of 3 within 1 s is tolerated, and at most 60 per minute, which
	// is "about one message per second" on average.
	Private []Window
	// Group applies to each group (negative chat id). Default 20 per minute.
	Group []Window
	// Global applies to all chats together. Default 30 per second.
	Global []Window
}

// DefaultLimits returns the defaults described on Limits.
func DefaultLimits() Limits {
	return Limits{
		Private: []Window{{Max: 3, Per: time.Second}, {Max: 60, Per: time.Minute}},
		Group:   []Window{{Max: 20, Per: time.Minute}},
		Global:  []Window{{Max: 30, Per: time.Second}},
	}
}

type limiter struct {
	lim  Limits
	hist map[string][]time.Time // scope → accepted call times, oldest first
}

func newLimiter(l Limits) limiter {
	d := DefaultLimits()
	if l.Private == nil {
		l.Private = d.Private
	}
	if l.Group == nil {
		l.Group = d.Group
	}
	if l.Global == nil {
		l.Global = d.Global
	}
	return limiter{lim: l, hist: map[string][]time.Time{}}
}

// admit records a call to chat at now if every rule allows it; otherwise
// it returns the whole seconds until it would be allowed.
func (l *limiter) admit(now time.Time, chat int64) (retryAfter int, ok bool) {
	if l.lim.Disabled {
		return 0, true
	}
	scope, rules := "chat:"+strconv.FormatInt(chat, 10), l.lim.Private
	if chat < 0 {
		rules = l.lim.Group
	}
	wait := max(l.wait(now, "global", l.lim.Global), l.wait(now, scope, rules))
	if wait > 0 {
		return int((wait + time.Second - 1) / time.Second), false
	}
	l.hist["global"] = append(l.hist["global"], now)
	l.hist[scope] = append(l.hist[scope], now)
	return 0, true
}

// wait prunes scope's history and returns how long until every rule would
// admit one more call (0 when it would now).
func (l *limiter) wait(now time.Time, scope string, rules []Window) time.Duration {
	var longest time.Duration
	for _, r := range rules {
		longest = max(longest, r.Per)
	}
	h := l.hist[scope]
	for len(h) > 0 && !h[0].After(now.Add(-longest)) {
		h = h[1:]
	}
	l.hist[scope] = h
	var wait time.Duration
	for _, r := range rules {
		n := 0
		for i := len(h) - 1; i >= 0 && h[i].After(now.Add(-r.Per)); i-- {
			n++
		}
		if n >= r.Max && r.Max > 0 {
			// The call is allowed once the (n-Max+1)-th newest leaves the window.
			oldest := h[len(h)-n+(n-r.Max)]
			wait = max(wait, oldest.Add(r.Per).Sub(now))
		} else if r.Max <= 0 {
			wait = max(wait, r.Per)
		}
	}
	return wait
}
