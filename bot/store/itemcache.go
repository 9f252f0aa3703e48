package store

import (
	"bytes"
	"math"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Bounds of the item cache: slots indexed by seq (a newer seq takes the
// slot of the one itemCacheSlots before it), at most itemCacheBytes of
// JSON held, and no item larger than itemCacheMaxItem.
const (
	itemCacheSlots   = 1024
	itemCacheBytes   = 2 << 20
	itemCacheMaxItem = 64 << 10
)

// itemCache keeps the decoded bot.OutboxItem of the items Apply and
// Enqueue committed until the outbox reads them, so that a fresh reply
// reaches the outbox without a JSON decode (decoding every item in Scan
// was 5.5% of the bot's CPU under load, for one read per item).
//
// Its safety does not rest on evicting at the right moment: an entry keeps
// the exact JSON stored under its seq, and Scan and ScanChat serve it only
// when the value they read from bbolt is byte for byte that JSON. Anything
// else (a retry mark rewrote the item, a rolled-back transaction's seq was
// taken again, the file was swapped by Compact) is decoded as before, and
// items still come from bbolt's key order, so order and completeness never
// depend on the cache. Entries are published only after their transaction
// committed (Apply and Enqueue publish what the committed run staged), and
// only for items whose JSON decodes to the very same value (see
// cacheEntry).
//
// An entry leaves when it is served (from then on the outbox holds the
// item), when it turns out stale, when a scan passes over its seq and finds
// the item gone (delivered, dropped or erased before it was read), or when
// a newer seq takes its slot.
type itemCache struct {
	mu    sync.Mutex
	slots []cachedItem // itemCacheSlots of them once anything was published
	bytes int          // JSON held by the slots
}

// cachedItem is a committed item with the JSON stored for it.
type cachedItem struct {
	raw  []byte // nil: the slot is empty
	item bot.OutboxItem
}

// cacheEntry returns the entry for item stored as raw, or false if a
// decode of raw would not give back exactly item: encoding/json replaces
// invalid UTF-8 (it writes \ufffd escapes, which valid text never needs;
// a false alarm only skips the cache). Times are normalised as a decode
// gives them (no monotonic reading; the location Local, UTC or a fixed
// zone as the offset says).
func cacheEntry(item bot.OutboxItem, raw []byte) (cachedItem, bool) {
	if len(raw) > itemCacheMaxItem || bytes.Contains(raw, []byte(`\ufffd`)) {
		return cachedItem{}, false
	}
	var ok1, ok2 bool
	item.Enqueued, ok1 = asDecoded(item.Enqueued)
	item.NotBefore, ok2 = asDecoded(item.NotBefore)
	return cachedItem{raw: raw, item: item}, ok1 && ok2
}

// asDecoded returns t as encoding/json decodes it, by the same methods.
// The zero time stays zero: NotBefore omits it, and Enqueued's zero
// decodes to zero.
func asDecoded(t time.Time) (time.Time, bool) {
	if t.IsZero() {
		return time.Time{}, true
	}
	text, err := t.MarshalJSON()
	if err != nil {
		return t, false
	}
	var d time.Time
	if err := d.UnmarshalJSON(text); err != nil {
		return t, false
	}
	return d, true
}

// staging is what one committed transaction function leaves for the
// cache: the items it queued, after erasing a chat's items if erased is
// set (the erase effect queues its confirmation after the erasure), and
// the seqs of single items it removed (dropped: a desk erasure's relays).
type staging struct {
	items   []cachedItem
	erased  bot.ChatKey
	dropped []uint64
}

// publish applies a committed run's staging: the erased chat's items are
// forgotten, the queued items made available to Scan and ScanChat.
func (c *itemCache) publish(st *staging) {
	if len(st.items) == 0 && st.erased == "" && len(st.dropped) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		c.slots = make([]cachedItem, itemCacheSlots)
	}
	if st.erased != "" {
		c.forgetChat(st.erased, math.MaxUint64)
	}
	for _, seq := range st.dropped {
		c.forget(seq)
	}
	for _, e := range st.items {
		sl := &c.slots[e.item.Seq%itemCacheSlots]
		c.bytes -= len(sl.raw)
		*sl = cachedItem{}
		if c.bytes+len(e.raw) > itemCacheBytes {
			continue
		}
		*sl = e
		c.bytes += len(e.raw)
	}
}

// take returns and forgets the cached item seq if raw, read from bbolt
// under seq, is what it was cached from. Cached items with seqs after gone
// and before seq are forgotten too: the caller read bbolt's keys in order
// and found none of them.
func (c *itemCache) take(seq uint64, raw []byte, gone uint64) (bot.OutboxItem, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		return bot.OutboxItem{}, false
	}
	if seq-gone > itemCacheSlots {
		gone = seq - itemCacheSlots
	}
	for s := gone + 1; s < seq; s++ {
		c.forget(s)
	}
	sl := &c.slots[seq%itemCacheSlots]
	if sl.raw == nil || sl.item.Seq != seq {
		return bot.OutboxItem{}, false
	}
	it, fresh := sl.item, bytes.Equal(sl.raw, raw)
	c.forget(seq)
	return it, fresh
}

// evict forgets the items that marks remove or rewrite: done, dropped,
// retried, and a blocked chat's items up to the mark's Seq. The outbox
// has usually read them already; this covers an item marked before its
// publisher got to publish it, and marks made without the outbox.
func (c *itemCache) evict(marks []bot.Mark) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		return
	}
	for _, m := range marks {
		switch m.Kind {
		case bot.MarkDone, bot.MarkDrop, bot.MarkRetry:
			c.forget(m.Seq)
		case bot.MarkBlocked:
			c.forgetChat(m.Chat, m.Seq)
		}
	}
}

// evictChat forgets every cached item of chat (erasure).
func (c *itemCache) evictChat(chat bot.ChatKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots != nil {
		c.forgetChat(chat, math.MaxUint64)
	}
}

// forgetChat empties the slots of chat's items with Seq <= upTo.
func (c *itemCache) forgetChat(chat bot.ChatKey, upTo uint64) {
	for i := range c.slots {
		if sl := &c.slots[i]; sl.raw != nil && sl.item.Reply.Chat == chat && sl.item.Seq <= upTo {
			c.bytes -= len(sl.raw)
			*sl = cachedItem{}
		}
	}
}

// forget empties seq's slot if it holds seq.
func (c *itemCache) forget(seq uint64) {
	sl := &c.slots[seq%itemCacheSlots]
	if sl.raw != nil && sl.item.Seq == seq {
		c.bytes -= len(sl.raw)
		*sl = cachedItem{}
	}
}

// held returns the cached items in slot order and the bytes of JSON held
// (for tests).
func (c *itemCache) held() ([]bot.OutboxItem, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var items []bot.OutboxItem
	for _, sl := range c.slots {
		if sl.raw != nil {
			items = append(items, sl.item)
		}
	}
	return items, c.bytes
}
