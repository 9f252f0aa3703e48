package outbox

import (
	"context"

	"github.com/infopunkt/infopunkt/bot"
)

// scanPage is how many items one Queue.Scan call reads.
const scanPage = 256

// scan loads newly committed items into their lanes. New commits (after
// tailSeq) come first, so a young chat's reply never waits behind an old
// backlog; then the backlog between lastSeq and tailSeq, while there is
// room. Memory stays bounded by MaxBuffered (plus an eighth for new
// commits) and MaxPerChat.
func (s *scheduler) scan(ctx context.Context) {
	if s.chats != nil && s.tailSeq > s.lastSeq {
		s.scanFresh(ctx)
	}
	s.scanInOrder(ctx)
}

// scanInOrder reads items after lastSeq while there is room.
func (s *scheduler) scanInOrder(ctx context.Context) {
	wasBacklog := s.backlog
	s.backlog = false
	for {
		room := s.w.opts.MaxBuffered - s.buffered
		if room <= 0 {
			s.startBacklog(ctx, wasBacklog)
			return
		}
		limit := min(room, scanPage)
		items, ok := s.read(ctx, s.lastSeq, limit)
		if !ok {
			return
		}
		for _, it := range items {
			s.lastSeq = max(s.lastSeq, it.Seq)
			s.tailSeq = max(s.tailSeq, it.Seq)
			s.add(it)
		}
		if len(items) < limit {
			return
		}
	}
}

// startBacklog notes that items after lastSeq stay unread for lack of
// room. Items committed from now on are read first (scanFresh), from the
// queue's current end.
func (s *scheduler) startBacklog(ctx context.Context, already bool) {
	s.backlog = true
	if already || s.chats == nil {
		return
	}
	last, err := s.chats.LastSeq(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("outbox: reading the queue's end failed", "err", err)
		}
		return
	}
	s.tailSeq = max(s.tailSeq, last)
}

// scanFresh reads the items committed after tailSeq while a backlog is
// still unread. Their chats may have older items in that backlog, so a
// chat seen here is read on its own (refill), in order.
func (s *scheduler) scanFresh(ctx context.Context) {
	reserve := s.w.opts.MaxBuffered + s.w.opts.MaxBuffered/8
	for s.buffered < reserve {
		limit := min(reserve-s.buffered, scanPage)
		items, ok := s.read(ctx, s.tailSeq, limit)
		if !ok {
			return
		}
		var touched []*lane
		for _, it := range items {
			s.tailSeq = max(s.tailSeq, it.Seq)
			if l := s.laneFor(it); l != nil && it.Seq > l.cursor && it.Seq > l.blockedUpTo {
				l.more = true
				touched = append(touched, l)
			}
		}
		for _, l := range touched {
			s.refill(l)
			s.requeue(s.channels[l.chat.Channel()], l)
		}
		if len(items) < limit {
			return
		}
	}
}

func (s *scheduler) read(ctx context.Context, after uint64, limit int) ([]bot.OutboxItem, bool) {
	items, err := s.w.q.Scan(ctx, after, limit)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("outbox: scan failed", "err", err)
		}
		return nil, false
	}
	return items, true
}

// laneFor returns the lane of the item's chat, creating it, or nil if its
// channel has no sender.
func (s *scheduler) laneFor(it bot.OutboxItem) *lane {
	ch := it.Reply.Chat.Channel()
	c := s.channels[ch]
	if c == nil {
		if !s.skipped[ch] {
			s.skipped[ch] = true
			s.log.Warn("outbox: no sender for channel, items stay queued", "channel", ch)
		}
		return nil
	}
	return c.laneOf(it.Reply.Chat, it.Enqueued.Before(c.started))
}

// add appends an item read in Seq order to its lane, unless the lane holds
// it already or is full; a full lane reads the rest on its own later.
func (s *scheduler) add(it bot.OutboxItem) {
	l := s.laneFor(it)
	if l == nil || it.Seq <= l.cursor || it.Seq <= l.blockedUpTo {
		return
	}
	if l.more || (s.chats != nil && len(l.pending) >= s.w.opts.MaxPerChat) {
		l.more = true
		return
	}
	l.pending = append(l.pending, it)
	l.cursor = it.Seq
	s.buffered++
	if len(l.pending) == 1 {
		s.requeue(s.channels[l.chat.Channel()], l)
	}
}

// refill tops up a lane that may have more items in the queue than in
// memory, reading its chat alone (bot.ChatScanner), when it runs low.
func (s *scheduler) refill(l *lane) {
	if !l.more || s.chats == nil || len(l.pending) > s.w.opts.MaxPerChat/2 {
		return
	}
	limit := s.w.opts.MaxPerChat - len(l.pending)
	items, err := s.chats.ScanChat(s.qctx, l.chat, l.cursor, limit)
	if err != nil {
		s.log.Warn("outbox: scan of a chat failed", "channel", l.chat.Channel(), "err", err)
		return
	}
	for _, it := range items {
		l.cursor = it.Seq
		if it.Seq > l.blockedUpTo {
			l.pending = append(l.pending, it)
			s.buffered++
		}
	}
	l.more = len(items) == limit
}
