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
	s.marks.submit(next{}, bot.Mark{Kind: bot.MarkPause, Lane: string(chat), Until: time.Time{}})
	if l.index >= 0 {
		s.requeue(c, l)
	}
}
