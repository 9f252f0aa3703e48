package outbox

import (
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// merge returns how many items from the lane's head go out in the next
// send, and the reply to send. Items with a common Reply.Coalesce merge
// when more than one is pending (the lane is backlogged): see
// bot.Reply.Coalesce for the rules.
func (s *scheduler) merge(l *lane) (int, bot.Reply) {
	head := l.pending[0].Reply
	if head.Coalesce == "" || !plain(head) || len(l.pending) < 2 || l.pending[0].Seq <= l.noMergeUpTo {
		return 1, head
	}
	size := len(head.Text)
	n := 1
	for n < len(l.pending) && l.pending[n].Seq > l.noMergeUpTo && mergesWith(head, l.pending[n].Reply) {
		size += 2 + len(l.pending[n].Reply.Text)
		if size > s.w.opts.MaxCoalesceBytes {
			break
		}
		n++
	}
	if n == 1 {
		return 1, head
	}
	texts := make([]string, n)
	for i := range n {
		texts[i] = l.pending[i].Reply.Text
	}
	head.Text = strings.Join(texts, "\n\n")
	return n, head
}

// plain reports whether r is text only, so that it can merge.
func plain(r bot.Reply) bool {
	return len(r.Buttons) == 0 && r.Media == nil && r.Copy == nil && r.EditRef == "" && len(r.Links) == 0
}

// mergesWith reports whether next may be appended to a merge led by head.
func mergesWith(head, next bot.Reply) bool {
	return next.Coalesce == head.Coalesce && next.Thread == head.Thread && next.Track == head.Track &&
		next.Kind == head.Kind && next.Title == "" && next.ReplyTo == "" && plain(next)
}
