package store_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// decodedOutbox decodes every stored outbox item, as a store without the
// item cache would serve it.
func decodedOutbox(t *testing.T, db *store.DB) []bot.OutboxItem {
	t.Helper()
	var items []bot.OutboxItem
	err := db.ViewRaw(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("outbox")).ForEach(func(k, v []byte) error {
			var it bot.OutboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("item %d: %w", binary.BigEndian.Uint64(k), err)
			}
			items = append(items, it)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// cachedSeqs returns the seqs the item cache holds, in order.
func cachedSeqs(db *store.DB) []uint64 {
	items, _ := store.CachedItems(db)
	seqs := seqsOf(items)
	slices.Sort(seqs)
	return seqs
}

// fill sets every exported field reachable from v to a distinct non-zero
// value (two elements per slice), so that a field added to bot.Reply later
// is covered too. Strings carry what JSON escapes.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&> \u2028 \"ł\" \\ �", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: no rule for %s (a new field type in bot.Reply?)", v.Type())
	}
}

// cacheReplies are replies whose items the cache must serve exactly as a
// decode would: every field set, nil and empty slices, a nil row.
func cacheReplies(t *testing.T) []bot.Reply {
	var full bot.Reply
	n := 0
	fill(t, reflect.ValueOf(&full).Elem(), &n)
	full.Chat, full.Key = "telegram:1", ""
	return []bot.Reply{
		full,
		{Chat: "telegram:1", Text: "plain"},
		{Chat: "telegram:1", Text: "empty slices", Links: []bot.Link{}, Buttons: [][]bot.Button{{}, nil}},
		{Chat: "telegram:1", Text: "zero media", Media: &bot.Media{}, Copy: &bot.MessageRef{}},
	}
}

// TestItemCacheServesWhatDecodes applies and enqueues replies under clocks
// in several zones (with and without a monotonic reading) and checks that
// Scan serves them from the cache, identical to decoding the stored JSON.
func TestItemCacheServesWhatDecodes(t *testing.T) {
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		warsaw = time.FixedZone("CET", 3600)
	}
	clocks := map[string]func() time.Time{
		"local monotonic": time.Now,
		"utc":             func() time.Time { return time.Now().UTC() },
		"fixed zone":      func() time.Time { return time.Now().In(time.FixedZone("X", -3*3600-1800)) },
		"warsaw":          func() time.Time { return time.Date(2026, 7, 1, 12, 0, 0, 123456789, warsaw) },
	}
	for name, now := range clocks {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, filepath.Join(t.TempDir(), "c.db"), store.Options{Now: now, NoSync: true})
			replies := cacheReplies(t)
			for i, r := range replies {
				mustApply(t, db, r.Chat, fmt.Sprint("u", i), func(st bot.State, _ bool) bot.Result {
					return bot.Result{State: st, Replies: []bot.Reply{r}}
				})
			}
			if _, err := db.Enqueue(ctx, replies...); err != nil {
				t.Fatal(err)
			}
			want := decodedOutbox(t, db)
			if got := cachedSeqs(db); !reflect.DeepEqual(got, seqsOf(want)) {
				t.Fatalf("cached seqs = %v, want every item %v", got, seqsOf(want))
			}
			got := scanAll(t, db)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("served from the cache:\n%#v\ndecoded:\n%#v", got, want)
			}
			if items, size := store.CachedItems(db); len(items) != 0 || size != 0 {
				t.Errorf("after Scan the cache holds %d items, %d bytes; want none", len(items), size)
			}
			if again := scanAll(t, db); !reflect.DeepEqual(again, want) {
				t.Errorf("second Scan (decoded) differs from the first")
			}
		})
	}
}

// TestItemCacheSkipsLossyText: JSON replaces invalid UTF-8, so such an
// item is not cached and Scan serves the decoded text. Text that merely
// looks like the replacement's escape is not cached either (a false
// alarm costs a decode).
func TestItemCacheSkipsLossyText(t *testing.T) {
	db, _, _ := newDB(t)
	texts := []string{"bad \xff byte", `looks like \ufffd`}
	for _, text := range texts {
		if _, err := db.Enqueue(context.Background(), bot.Reply{Chat: "telegram:1", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if got := cachedSeqs(db); len(got) != 0 {
		t.Errorf("cached %v, want nothing", got)
	}
	got := scanAll(t, db)
	if len(got) != 2 || got[0].Reply.Text != "bad \ufffd byte" || got[1].Reply.Text != texts[1] {
		t.Errorf("Scan = %+v, want the decoded texts", got)
	}
}

// TestItemCacheRolledBackPublishesNothing: a run of Apply's function that
// rolls back publishes nothing; after a re-run only the committed run's
// items are cached.
func TestItemCacheRolledBackPublishesNothing(t *testing.T) {
	db, _, _ := newDB(t)
	fail := atomic.Int32{}
	fail.Store(1 << 30)
	store.SetApplyHook(db, func(bot.ChatKey) error {
		if fail.Add(-1) >= 0 {
			return errors.New("injected failure")
		}
		return nil
	})
	var runs atomic.Int32
	fn := func(st bot.State, _ bool) bot.Result {
		return bot.Result{State: st, Replies: []bot.Reply{{Text: fmt.Sprint("run ", runs.Add(1))}}}
	}
	if _, _, err := db.Apply(context.Background(), "telegram:1", "u1", fn); err == nil {
		t.Fatal("Apply succeeded despite the failing hook")
	}
	if got := cachedSeqs(db); len(got) != 0 {
		t.Fatalf("a failed Apply cached %v", got)
	}

	fail.Store(1) // the next run fails, the re-run commits
	runs.Store(0)
	mustApply(t, db, "telegram:1", "u2", fn)
	items, _ := store.CachedItems(db)
	if len(items) != 1 || items[0].Reply.Text != "run 2" {
		t.Fatalf("cached %+v, want only the committed run's reply", items)
	}
	if want := decodedOutbox(t, db); !reflect.DeepEqual(items, want) {
		t.Errorf("cached %+v, stored %+v", items, want)
	}
}

// TestItemCacheBatchRerun: members of real concurrent batches are re-run
// when one fails; the cache holds exactly the stored items.
func TestItemCacheBatchRerun(t *testing.T) {
	db, _, _ := newDB(t)
	failOnce(db, bot.NewChatKey(bot.Telegram, "0"))
	var runs atomic.Int64
	runChats(t, 16, func(chat bot.ChatKey, i int) {
		mustApply(t, db, chat, fmt.Sprintf("%s/%d", chat, i), func(st bot.State, _ bool) bot.Result {
			return bot.Result{State: st, Replies: []bot.Reply{{Text: fmt.Sprint(i, " run ", runs.Add(1))}}}
		})
	}, 5)
	items, _ := store.CachedItems(db)
	slices.SortFunc(items, func(a, b bot.OutboxItem) int { return int(a.Seq) - int(b.Seq) })
	if want := decodedOutbox(t, db); !reflect.DeepEqual(items, want) {
		t.Errorf("cached %d items, stored %d; they differ", len(items), len(want))
	}
}

// TestItemCacheNeverStale: retry marks, drops, done marks, blocks and
// every kind of erasure leave no cached item behind, and Scan serves the
// stored version.
func TestItemCacheNeverStale(t *testing.T) {
	ctx := context.Background()
	db, _, clk := newDB(t)
	apply := func(chat bot.ChatKey, text string, effects ...bot.Effect) {
		mustApply(t, db, chat, "", func(st bot.State, _ bool) bot.Result {
			return bot.Result{State: st, Replies: []bot.Reply{{Text: text}}, Effects: effects}
		})
	}
	for i := range 4 {
		apply(bot.NewChatKey(bot.Telegram, fmt.Sprint(i)), "hello")
	}
	// 1..4 cached, one per chat.
	notBefore := clk.Now().Add(time.Minute)
	if err := db.Retry(ctx, 1, 3, notBefore); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, 2, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Mark(ctx, []bot.Mark{{Kind: bot.MarkDrop, Seq: 3, Reason: "x", Chat: "telegram:2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkInactive(ctx, "telegram:3"); err != nil {
		t.Fatal(err)
	}
	if got := cachedSeqs(db); len(got) != 0 {
		t.Errorf("after retry, done, drop and block the cache holds %v", got)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Attempts != 3 || !items[0].NotBefore.Equal(notBefore) {
		t.Errorf("Scan = %+v, want item 1 with the retry's attempts and time", items)
	}

	apply("telegram:5", "to erase")                                     // 5
	apply("telegram:6", "to prune")                                     // 6
	apply("telegram:7", "forget me", bot.Effect{Kind: bot.EffectErase}) // 7
	apply("telegram:7", "forgotten")                                    // 8
	apply("telegram:7", "bye", bot.Effect{Kind: bot.EffectErase})       // erases 7 and 8, queues 9
	if err := db.Erase(ctx, "telegram:5"); err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(mustCached(t, db)); !reflect.DeepEqual(sorted(got), []uint64{6, 9}) {
		t.Errorf("after the erasures the cache holds %v, want [6 9]", got)
	}
	// Every chat's last update is long past: retention erases them all
	// (chat 7 has no session left; its confirmation stays queued).
	clk.Add(100 * 24 * time.Hour)
	if n, err := db.PruneInactive(ctx, clk.Now()); err != nil || n == 0 {
		t.Fatalf("PruneInactive = %d, %v", n, err)
	}
	if got := seqsOf(mustCached(t, db)); !reflect.DeepEqual(got, []uint64{9}) {
		t.Errorf("after retention the cache holds %v, want [9]", got)
	}
	if got, want := scanAll(t, db), decodedOutbox(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Scan = %+v, stored %+v", got, want)
	}
}

func sorted(s []uint64) []uint64 {
	slices.Sort(s)
	return s
}

// mustCached returns the cache's items, checking that each is what its
// stored JSON decodes to.
func mustCached(t *testing.T, db *store.DB) []bot.OutboxItem {
	t.Helper()
	items, _ := store.CachedItems(db)
	stored := map[uint64]bot.OutboxItem{}
	for _, it := range decodedOutbox(t, db) {
		stored[it.Seq] = it
	}
	for _, it := range items {
		if want, ok := stored[it.Seq]; !ok || !reflect.DeepEqual(it, want) {
			t.Errorf("cached item %d = %+v, stored %+v (found %v)", it.Seq, it, want, ok)
		}
	}
	return items
}

// enqueueTo queues one reply to each chat, in order.
func enqueueTo(t *testing.T, db *store.DB, chats ...bot.ChatKey) {
	t.Helper()
	var replies []bot.Reply
	for i, chat := range chats {
		replies = append(replies, bot.Reply{Chat: chat, Text: fmt.Sprint("text ", i)})
	}
	if _, err := db.Enqueue(context.Background(), replies...); err != nil {
		t.Fatal(err)
	}
}

// TestItemCacheDoneBySeq: a done mark without the item's chat (the plain
// Queue method) evicts by seq, and the rest stays cached and served.
func TestItemCacheDoneBySeq(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	enqueueTo(t, db, "telegram:1", "telegram:2", "telegram:3")
	if err := db.Done(ctx, 2, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	if got := cachedSeqs(db); !reflect.DeepEqual(got, []uint64{1, 3}) {
		t.Errorf("cached %v, want [1 3]", got)
	}
	if got, want := scanAll(t, db), decodedOutbox(t, db); !reflect.DeepEqual(got, want) || len(got) != 2 {
		t.Errorf("Scan = %+v, want items 1 and 3 as stored", got)
	}
}

// TestItemCacheBounded: the cache holds at most its slots and bytes, never
// an item over the size limit, and a scan serves everything in order
// whether cached or not.
func TestItemCacheBounded(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	text := strings.Repeat("x", 3000)
	var replies []bot.Reply
	for i := range store.ItemCacheSlots + 500 {
		replies = append(replies, bot.Reply{Chat: bot.NewChatKey(bot.Telegram, fmt.Sprint(i%50)), Kind: bot.ReplyRelay, Text: text})
	}
	replies = append(replies, bot.Reply{Chat: "telegram:big", Text: strings.Repeat("y", store.ItemCacheMaxItem)})
	if _, err := db.Enqueue(ctx, replies...); err != nil {
		t.Fatal(err)
	}
	items, size := store.CachedItems(db)
	if len(items) > store.ItemCacheSlots || size > store.ItemCacheBytes || len(items) == 0 {
		t.Errorf("cache holds %d items, %d bytes; bounds %d, %d", len(items), size, store.ItemCacheSlots, store.ItemCacheBytes)
	}
	for _, it := range items {
		if it.Reply.Chat == "telegram:big" {
			t.Errorf("cached the item of %d bytes", len(it.Reply.Text))
		}
	}
	if got, want := scanAll(t, db), decodedOutbox(t, db); !reflect.DeepEqual(got, want) || len(got) != len(replies) {
		t.Errorf("Scan served %d items, stored %d; they differ", len(got), len(want))
	}
	if items, size := store.CachedItems(db); len(items) != 0 || size != 0 {
		t.Errorf("after Scan the cache holds %d items, %d bytes", len(items), size)
	}
}

// TestItemCacheScanChat: ScanChat serves cached items of its chat and
// leaves the others cached.
func TestItemCacheScanChat(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	enqueueTo(t, db, "telegram:1", "telegram:2", "telegram:1")
	want := decodedOutbox(t, db)
	got, err := db.ScanChat(ctx, "telegram:1", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []bot.OutboxItem{want[0], want[2]}) {
		t.Errorf("ScanChat = %+v, want items 1 and 3 as stored", got)
	}
	if got := cachedSeqs(db); !reflect.DeepEqual(got, []uint64{2}) {
		t.Errorf("cached %v, want [2]", got)
	}
}

// TestItemCacheDeskDrop: relays a desk erasure removes one by one
// (DropTracked, through UpdateDesk or the desk hook inside Apply) leave
// the cache at once, not only when a later scan passes their seqs.
func TestItemCacheDeskDrop(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	staff := bot.ChatKey("telegram:-100")
	relay := func(track string) {
		mustApply(t, db, "telegram:1", "", func(st bot.State, _ bool) bot.Result {
			return bot.Result{State: st, Replies: []bot.Reply{
				{Chat: staff, Kind: bot.ReplyStaff, Text: "user's words", Track: track},
				{Text: "sent to the consultants"},
			}}
		})
	}
	relay("t1")
	relay("t2")
	if got := seqsOf(mustCached(t, db)); len(got) != 4 {
		t.Fatalf("cache holds %v, want the 4 queued items", got)
	}
	if _, err := db.UpdateDesk(ctx, "", func(tx bot.DeskTx) error { return tx.DropTracked(staff, "t1") }); err != nil {
		t.Fatal(err)
	}
	for _, it := range mustCached(t, db) {
		if it.Reply.Track == "t1" {
			t.Errorf("dropped relay %d still cached", it.Seq)
		}
	}
	db.SetDeskHook(func(tx bot.DeskTx, chat bot.ChatKey, st bot.State, effects []bot.Effect) error {
		return tx.DropTracked(staff, "t2")
	})
	mustApply(t, db, "telegram:1", "", func(st bot.State, _ bool) bot.Result {
		return bot.Result{State: st, Effects: []bot.Effect{{Kind: bot.EffectHandoffCancel}}}
	})
	for _, it := range mustCached(t, db) {
		if it.Reply.Track != "" {
			t.Errorf("relay %d (%s) still cached after the desk dropped it", it.Seq, it.Reply.Track)
		}
	}
}
