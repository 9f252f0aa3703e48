package outbox

import (
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// resume clears a chat's pause in memory and in the queue.
func (s *scheduler) resume(chat bot.ChatKey) {
	c := s.channels[chat.Channel()]
	if c == nil {
		return
	}
	l := c.lanes[chat]
	if l == nil {
		return
	}
	if l.busy { // the send in flight may come back paused: ignore that pause
		l.resumed = true
	}
	if l.paused.IsZero() {
		return
	}
	l.paused = time.Time{}
	s.clearStoredPause(c, chat)
}

func (s *scheduler) clearStoredPause(c *channelState, chat bot.ChatKey) {
	if err := s.w.q.SetPause(s.qctx, string(chat), time.Time{}); err != nil {
		s.log.Warn("outbox: clearing a stored pause failed", "channel", c.name, "err", err)
	}
}
