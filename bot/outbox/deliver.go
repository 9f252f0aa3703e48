package outbox

import (
	"context"
	"errors"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// minPause is the flood wait used when a 429 carries no usable retry_after.
const minPause = time.Second

// job is one send handed to a sender goroutine.
type job struct {
	item    bot.OutboxItem
	backoff time.Duration // delay before the next attempt if this one fails transiently
}

// outcome is what became of one send.
type outcome uint8

const (
	sent    outcome = iota + 1 // delivered and marked done
	retried                    // transient failure, retry at until
	paused                     // rate limited until until (the channel if global)
	blocked                    // the chat is inactive, its items dropped
	dropped                    // permanent failure, item dropped
	aborted                    // cancelled by shutdown, item stays queued as it was
)

// result reports a finished job to the scheduler.
type result struct {
	item    bot.OutboxItem
	outcome outcome
	until   time.Time
	global  bool
	receipt bot.Receipt // sent: what the platform reported
}

// sendLoop runs jobs until jobs is closed.
func (s *scheduler) sendLoop(ctx context.Context, jobs <-chan job, snd bot.Sender) {
	defer s.senders.Done()
	for j := range jobs {
		s.results <- s.deliver(ctx, snd, j)
	}
}

// deliver sends one item and makes its outcome durable before reporting
// it, so the lane's next item is never sent before its predecessor is done.
// The queue writes outlive ctx: a message that went out while stopping is
// still marked done. A blocked chat is left to the scheduler (deactivate).
func (s *scheduler) deliver(ctx context.Context, snd bot.Sender, j job) result {
	it := j.item
	rc, err := snd.Send(ctx, it.Reply)
	if err != nil && ctx.Err() != nil {
		return result{item: it, outcome: aborted}
	}
	r := result{item: it, outcome: classify(err), receipt: rc}
	log := s.log.With("channel", it.Reply.Chat.Channel(), "seq", it.Seq)
	var qerr error
	switch r.outcome {
	case sent:
		qerr = s.w.q.Done(s.qctx, it.Seq, rc)
	case retried:
		r.until = s.w.opts.Now().Add(j.backoff)
		qerr = s.w.q.Retry(s.qctx, it.Seq, it.Attempts+1, r.until)
		log.Debug("outbox: send failed, will retry", "reason", reason(err), "attempts", it.Attempts+1)
	case paused:
		var se *bot.SendError
		errors.As(err, &se)
		r.global = se.Global
		r.until = s.w.opts.Now().Add(max(se.RetryAfter, minPause))
		lane := string(it.Reply.Chat)
		if r.global {
			lane = string(it.Reply.Chat.Channel())
		}
		qerr = s.w.q.SetPause(s.qctx, lane, r.until)
		log.Warn("outbox: rate limited", "global", r.global, "retry_after", se.RetryAfter)
	case dropped:
		qerr = s.w.q.Drop(s.qctx, it.Seq, reason(err))
		log.Warn("outbox: undeliverable item dropped", "reason", reason(err))
	}
	if qerr != nil {
		// The in-memory state still moves on; at worst a restart repeats a send.
		log.Error("outbox: queue update failed", "err", qerr)
	}
	return r
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

// handle applies a finished job to the lanes.
func (s *scheduler) handle(r result) {
	c := s.channels[r.item.Reply.Chat.Channel()]
	l := c.lanes[r.item.Reply.Chat]
	now := s.w.opts.Now()
	c.inflight--
	l.busy = false
	resumed := l.resumed
	l.resumed = false
	c.global.finish(now)
	for _, w := range l.windows {
		w.finish(now)
	}
	switch r.outcome {
	case sent, dropped:
		l.pending = l.pending[1:]
		s.buffered--
		if r.outcome == sent && s.w.opts.OnSent != nil {
			s.w.opts.OnSent(r.item, r.receipt)
		}
	case retried:
		l.pending[0].Attempts++
		l.pending[0].NotBefore = r.until
	case paused:
		switch {
		case r.global:
			c.paused = later(c.paused, r.until)
		case resumed:
			s.clearStoredPause(c, l.chat)
		default:
			l.paused = later(l.paused, r.until)
		}
	case blocked:
		s.deactivate(l)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// deactivate marks the lane's chat inactive and forgets its items. It runs
// on the scheduling goroutine so that the items in memory are exactly those
// MarkInactive drops: all were scanned, so committed, before it runs, and
// anything committed after it (the user is back) is scanned later.
func (s *scheduler) deactivate(l *lane) {
	n, err := s.w.q.MarkInactive(s.qctx, l.chat)
	log := s.log.With("channel", l.chat.Channel())
	if err != nil {
		log.Error("outbox: queue update failed", "err", err)
	}
	log.Info("outbox: chat blocked the bot, pending items dropped", "dropped", n)
	s.buffered -= len(l.pending)
	l.pending = nil
}
