package outbox

import (
	"context"
	"errors"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// reusePending is the largest emptied lane buffer kept for the lane's
// next items; larger ones (a drained backlog) are released.
const reusePending = 4

// minPause is the flood wait used when a 429 carries no usable retry_after.
const minPause = time.Second

// job is one send handed to a sender goroutine: a lane's head, or its head
// and the items merged with it (Reply.Coalesce).
type job struct {
	items   []bot.OutboxItem // items[0] is the head
	reply   bot.Reply        // what is sent
	backoff time.Duration    // delay before the next attempt if this one fails transiently
	upTo    uint64           // highest Seq read when the send started
}

// outcome is what became of one send.
type outcome uint8

const (
	sent    outcome = iota + 1 // delivered
	retried                    // transient failure, retry at until
	paused                     // rate limited until until (the channel if global)
	blocked                    // the chat blocked the bot
	dropped                    // permanent failure
	aborted                    // cancelled by shutdown, items stay queued as they were
)

// result reports a finished job to the scheduler.
type result struct {
	job     job
	outcome outcome
	err     error
	receipt bot.Receipt // sent: what the platform reported
}

// sendLoop runs jobs until jobs is closed. Once the run is stopping, jobs
// not yet begun are given back unsent.
func (s *scheduler) sendLoop(ctx context.Context, jobs <-chan job, snd bot.Sender) {
	defer s.senders.Done()
	for j := range jobs {
		if s.w.stopping.Load() {
			s.results <- result{job: j, outcome: aborted}
			continue
		}
		rc, err := snd.Send(ctx, j.reply)
		r := result{job: j, outcome: classify(err), err: err, receipt: rc}
		if err != nil && ctx.Err() != nil {
			r.outcome = aborted
		}
		s.results <- r
	}
}

// classify maps a Send error to an outcome; unknown errors are transient.
func classify(err error) outcome {
	if err == nil {
		return sent
	}
	var se *bot.SendError
	if !errors.As(err, &se) {
		return retried
	}
	switch se.Kind {
	case bot.SendRateLimited:
		return paused
	case bot.SendBlocked:
		return blocked
	case bot.SendPermanent:
		return dropped
	default:
		return retried
	}
}

// reason is a log-safe code for err: a SendError's Reason, never the text
// of other errors, which may hold URLs with tokens or message content.
func reason(err error) string {
	var se *bot.SendError
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	return "unclassified"
}

// handle applies a finished job: the windows count it at once; its marks go
// to the marker, and the lane moves on once they are durable.
func (s *scheduler) handle(r result) {
	head := r.job.items[0]
	c := s.channels[head.Reply.Chat.Channel()]
	l := c.lanes[head.Reply.Chat]
	now := s.w.opts.Now()
	c.inflight--
	c.global.finish(now)
	for _, w := range l.windows {
		w.finish(now)
	}
	resumed := l.resumed
	l.resumed = false
	switch r.outcome {
	case sent:
		s.handleSent(c, l, r)
	case retried:
		until := now.Add(r.job.backoff)
		l.pending[0].Attempts++
		l.pending[0].NotBefore = until
		s.log.Debug("outbox: send failed, will retry", "channel", c.name, "seq", head.Seq,
			"reason", reason(r.err), "attempts", head.Attempts+1)
		s.markThenRequeue(c, l, bot.Mark{Kind: bot.MarkRetry, Seq: head.Seq, Attempts: head.Attempts + 1, NotBefore: until})
	case paused:
		s.handlePaused(c, l, r, now, resumed)
	case dropped:
		s.handleDropped(c, l, r)
	case blocked:
		s.handleBlocked(c, l, r)
	case aborted:
		l.busy = false
		s.requeue(c, l)
	}
}

// handleSent marks every item of the job done in one commit, then pops them.
func (s *scheduler) handleSent(c *channelState, l *lane, r result) {
	var buf [4]bot.Mark // on the stack unless a merged send has more items
	marks := buf[:0]
	for _, it := range r.job.items {
		marks = append(marks, removal(bot.MarkDone, it))
		marks[len(marks)-1].Receipt = r.receipt
	}
	s.marks.submit(next{kind: nextPop, c: c, l: l, items: r.job.items, sent: true, rc: r.receipt}, marks...)
}

// removal is a mark of kind (done or drop) for it, carrying what lets the
// queue skip decoding the item.
func removal(kind bot.MarkKind, it bot.OutboxItem) bot.Mark {
	return bot.Mark{Kind: kind, Seq: it.Seq, Chat: it.Reply.Chat, Key: it.Reply.Key, Track: it.Reply.Track, ReplyKind: it.Reply.Kind}
}

func (s *scheduler) handlePaused(c *channelState, l *lane, r result, now time.Time, resumed bool) {
	var se *bot.SendError
	errors.As(r.err, &se)
	until := now.Add(max(se.RetryAfter, minPause))
	s.log.Warn("outbox: rate limited", "channel", c.name, "global", se.Global, "retry_after", se.RetryAfter)
	mark := bot.Mark{Kind: bot.MarkPause, Lane: string(l.chat), Until: until}
	switch {
	case se.Global:
		c.paused = later(c.paused, until)
		mark.Lane = string(c.name)
	case resumed:
		mark.Until = time.Time{} // the user wrote meanwhile: the reason is gone
	default:
		l.paused = later(l.paused, until)
	}
	s.markThenRequeue(c, l, mark)
}

// handleDropped drops a refused item. A refused merged send is retried item
// by item, so one bad text cannot take the others with it.
func (s *scheduler) handleDropped(c *channelState, l *lane, r result) {
	head := r.job.items[0]
	if n := len(r.job.items); n > 1 {
		l.noMergeUpTo = r.job.items[n-1].Seq
		l.busy = false
		s.requeue(c, l)
		return
	}
	s.log.Warn("outbox: undeliverable item dropped", "channel", c.name, "seq", head.Seq, "reason", reason(r.err))
	drop := removal(bot.MarkDrop, head)
	drop.Reason = reason(r.err)
	s.marks.submit(next{kind: nextPop, c: c, l: l, items: r.job.items[:1]}, drop)
}

// handleBlocked drops the chat's items read before the blocked send began;
// anything newer may be for a user who came back, and is kept.
func (s *scheduler) handleBlocked(c *channelState, l *lane, r result) {
	upTo := max(r.job.upTo, r.job.items[len(r.job.items)-1].Seq)
	n := 0
	for n < len(l.pending) && l.pending[n].Seq <= upTo {
		n++
	}
	l.pending = l.pending[n:]
	s.buffered -= n
	l.blockedUpTo = max(l.blockedUpTo, upTo)
	s.log.Info("outbox: chat blocked the bot, pending items dropped", "channel", c.name, "dropped", n)
	s.markThenRequeue(c, l, bot.Mark{Kind: bot.MarkBlocked, Chat: l.chat, Seq: upTo})
}

// markThenRequeue commits mark, then lets the lane send again.
func (s *scheduler) markThenRequeue(c *channelState, l *lane, mark bot.Mark) {
	s.marks.submit(next{kind: nextRequeue, c: c, l: l}, mark)
}

// pop removes the lane's first n items, durable now, and moves on.
func (s *scheduler) pop(c *channelState, l *lane, n int) {
	clear(l.pending[:n])
	switch {
	case n < len(l.pending):
		l.pending = l.pending[n:]
	case cap(l.pending) <= reusePending:
		l.pending = l.pending[:0] // a chat's next reply reuses the slot
	default:
		l.pending = nil
	}
	s.buffered -= n
	l.busy = false
	s.refill(l)
	s.requeue(c, l)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
