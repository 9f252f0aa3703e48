package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

func testEntry(t *testing.T, seq uint64, text string) cachedItem {
	t.Helper()
	it := bot.OutboxItem{Seq: seq, Reply: bot.Reply{Chat: "telegram:1", Text: text}, Enqueued: time.Now()}
	raw, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cacheEntry(it, raw)
	if !ok {
		t.Fatalf("item %d not cacheable", seq)
	}
	return e
}

// TestTakeRejectsOtherBytes: an entry is served only for the very bytes it
// was made from; a stale entry is forgotten, not served.
func TestTakeRejectsOtherBytes(t *testing.T) {
	var c itemCache
	e := testEntry(t, 1, "old")
	c.publish(&staging{items: []cachedItem{e}})
	rewritten := testEntry(t, 1, "new").raw
	if _, ok := c.take(1, rewritten, 0); ok {
		t.Fatal("served a cached item for other bytes")
	}
	if _, ok := c.take(1, e.raw, 0); ok {
		t.Error("a stale entry stayed cached")
	}
}

// TestTakeForgetsTheGap: a scan that reads seq after gone forgets the
// cached items between them (removed before anyone read them).
func TestTakeForgetsTheGap(t *testing.T) {
	var c itemCache
	var entries []cachedItem
	for seq := uint64(1); seq <= 5; seq++ {
		entries = append(entries, testEntry(t, seq, "x"))
	}
	c.publish(&staging{items: entries})
	if _, ok := c.take(4, entries[3].raw, 1); !ok {
		t.Fatal("item 4 not served")
	}
	items, size := c.held()
	if len(items) != 2 || items[0].Seq != 1 || items[1].Seq != 5 || size != len(entries[0].raw)+len(entries[4].raw) {
		t.Errorf("held %+v (%d bytes), want items 1 and 5", items, size)
	}
}

// TestPublishReplacesOlderSlot: a seq itemCacheSlots later takes the slot
// and its bytes are accounted for.
func TestPublishReplacesOlderSlot(t *testing.T) {
	var c itemCache
	a, b := testEntry(t, 7, "a"), testEntry(t, 7+itemCacheSlots, "bb")
	c.publish(&staging{items: []cachedItem{a}})
	c.publish(&staging{items: []cachedItem{b}})
	items, size := c.held()
	if len(items) != 1 || items[0].Seq != b.item.Seq || size != len(b.raw) {
		t.Errorf("held %+v (%d bytes), want only item %d", items, size, b.item.Seq)
	}
	if _, ok := c.take(7, a.raw, 6); ok {
		t.Error("served the replaced item")
	}
}
