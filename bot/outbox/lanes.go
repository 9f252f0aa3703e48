package outbox

import (
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// lane is the FIFO of one chat: its items are sent one at a time in Seq
// order, and a head that must wait holds back the items behind it.
type lane struct {
	chat    bot.ChatKey
	pending []bot.OutboxItem // Seq order; pending[0] is the head
	// busy is true from the start of a send until its outcome is durable:
	// the next item of a chat is sent only after its predecessor's mark
	// committed.
	busy    bool
	paused  time.Time // no send before this (a flood wait)
	resumed bool      // Resume arrived while the head was in flight
	windows []*window // per chat, and per group for groups

	// Ready-heap position (-1: not in the heap) and key: the time the head
	// became, or becomes, sendable, then the head's Seq.
	index int
	at    time.Time
	seq   uint64

	// cursor: every pending item of the chat with Seq <= cursor is in
	// pending (or was handled). more: the queue may hold items of the chat
	// beyond cursor that are not in pending (the lane was full).
	cursor uint64
	more   bool
	// blockedUpTo: items up to this Seq are being dropped (the chat
	// blocked the bot); a scan that still sees them ignores them.
	blockedUpTo uint64
	// noMergeUpTo: items up to this Seq are sent one by one (a merged
	// send of them was refused).
	noMergeUpTo uint64
	// idleQueued: the lane is in its channel's list of lanes to forget.
	idleQueued bool
}

// readyAt returns when the lane's head may be sent, judging by the lane
// alone (NotBefore, pause, its windows). The lane must not be busy, so its
// windows have nothing in flight.
func (l *lane) readyAt(now time.Time) time.Time {
	at := now
	if nb := l.pending[0].NotBefore; nb.After(at) {
		at = nb
	}
	if l.paused.After(at) {
		at = l.paused
	}
	for _, w := range l.windows {
		if t, ok := w.allowAt(now); ok && t.After(at) {
			at = t
		}
	}
	return at
}

// idle reports whether an empty lane can be forgotten without losing a
// pause or the history its rate windows need.
func (l *lane) idle(now time.Time) bool {
	if l.busy || len(l.pending) > 0 || l.more || l.paused.After(now) {
		return false
	}
	for _, w := range l.windows {
		if !w.idle(now) {
			return false
		}
	}
	return true
}

// laneHeap is a min-heap of lanes by (at, seq): the lane whose head has
// been sendable longest comes first, so a lane that just sent goes behind
// the lanes already waiting, and ties (one clock reading) go to the oldest
// head. Push, pop and fix cost O(log n) whatever the number of lanes.
type laneHeap []*lane

func (h laneHeap) less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}

func (h laneHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *laneHeap) push(l *lane) {
	l.index = len(*h)
	*h = append(*h, l)
	h.up(l.index)
}

// peek returns the first lane, or nil.
func (h laneHeap) peek() *lane {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// remove takes l out of the heap.
func (h *laneHeap) remove(l *lane) {
	i, n := l.index, len(*h)-1
	if i != n {
		h.swap(i, n)
	}
	(*h)[n] = nil
	*h = (*h)[:n]
	l.index = -1
	if i != n {
		h.fix(i)
	}
}

// fix restores the order after element i's key changed.
func (h laneHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h laneHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h laneHeap) down(i int) bool {
	start := i
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && h.less(r, c) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}
