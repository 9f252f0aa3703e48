package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
)

// clock is a settable Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const today = "2025-03-14"

// open opens path and closes it when the test ends, failing if Close does.
func open(t testing.TB, path string, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// newDB opens a fresh file with a test clock and fsync off.
func newDB(t testing.TB) (*store.DB, string, *clock) {
	t.Helper()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "data", "infopunkt.db")
	return open(t, path, store.Options{Now: clk.Now, NoSync: true}), path, clk
}

// step returns an ApplyFunc that moves the chat to node, counts a view and
// answers with text (keyed when key is set).
func step(node, text, key string, effects ...bot.Effect) bot.ApplyFunc {
	return func(st bot.State, exists bool) bot.Result {
		if !exists {
			st = bot.State{Mode: bot.ModeBrowse, Lang: faq.PL, Consent: true}
		}
		if st.Node != "" {
			st.Back = append(st.Back, st.Node)
		}
		if len(st.Back) > bot.MaxBackStack {
			st.Back = st.Back[len(st.Back)-bot.MaxBackStack:]
		}
		st.Node = node
		all := append([]bot.Effect{{Kind: bot.EffectView, Node: node}}, effects...)
		return bot.Result{
			State:   st,
			Replies: []bot.Reply{{Text: text, Key: key, Lang: st.Lang}},
			Effects: all,
		}
	}
}

// mustApply applies fn and reports an error unless it was applied. It does
// not stop the test, so goroutines may call it.
func mustApply(t testing.TB, db *store.DB, chat bot.ChatKey, dedup string, fn bot.ApplyFunc) bot.Result {
	t.Helper()
	res, applied, err := db.Apply(context.Background(), chat, dedup, fn)
	if err != nil || !applied {
		t.Errorf("Apply(%s, %q) = applied %v, %v", chat, dedup, applied, err)
	}
	return res
}

func scanAll(t testing.TB, db *store.DB) []bot.OutboxItem {
	t.Helper()
	items, err := db.Scan(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return items
}

func stats(t testing.TB, db *store.DB) map[string]uint64 {
	t.Helper()
	s, err := db.Stats(context.Background(), today)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	db, path, clk := newDB(t)
	chat := bot.NewChatKey(bot.Telegram, "42")
	mustApply(t, db, chat, "u1", step("housing", "a", "", bot.Effect{Kind: bot.EffectSubscribe, Category: "jobs"}))
	mustApply(t, db, chat, "u2", step("housing-renting", "b", ""))
	if err := db.PutMeta(ctx, "telegram/offset", []byte("1234")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path, store.Options{Now: clk.Now})
	st, exists, err := db.State(ctx, chat)
	if err != nil || !exists {
		t.Fatalf("State = %v, %v", exists, err)
	}
	if st.Node != "housing-renting" || !reflect.DeepEqual(st.Back, []string{"housing"}) {
		t.Errorf("state after reopen = %+v", st)
	}
	items := scanAll(t, db)
	if len(items) != 2 || items[0].Reply.Text != "a" || items[1].Reply.Text != "b" || items[0].Reply.Chat != chat {
		t.Errorf("outbox after reopen = %+v", items)
	}
	if !items[0].Enqueued.Equal(clk.Now()) {
		t.Errorf("Enqueued = %v, want %v", items[0].Enqueued, clk.Now())
	}
	if v, err := db.GetMeta(ctx, "telegram/offset"); err != nil || string(v) != "1234" {
		t.Errorf("GetMeta = %q, %v", v, err)
	}
	want := map[string]uint64{"updates/telegram": 2, "view/housing": 1, "view/housing-renting": 1}
	if got := stats(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats = %v, want %v", got, want)
	}
	if subs, err := db.Subscribers(ctx, "jobs"); err != nil || !reflect.DeepEqual(subs, []bot.ChatKey{chat}) {
		t.Errorf("Subscribers = %v, %v", subs, err)
	}
}

func TestOpenLockedFailsFast(t *testing.T) {
	_, path, _ := newDB(t)
	start := time.Now()
	db2, err := store.Open(path, store.Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		db2.Close()
		t.Fatal("second Open succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("second Open took %v", took)
	}
	if !errors.Is(err, bot.ErrLocked) {
		t.Errorf("error %v does not wrap bot.ErrLocked", err)
	}
	want := "another infopunkt is running with this data file: " + path
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestApplyDedupe(t *testing.T) {
	db, _, _ := newDB(t)
	chat := bot.NewChatKey(bot.Viber, "AbC+/=")
	var calls atomic.Int32
	fn := func(st bot.State, exists bool) bot.Result {
		calls.Add(1)
		return step("x", "hi", "")(st, exists)
	}
	mustApply(t, db, chat, "viber:555", fn)
	res, applied, err := db.Apply(context.Background(), chat, "viber:555", fn)
	if err != nil || applied || !reflect.DeepEqual(res, bot.Result{}) {
		t.Errorf("second Apply = %+v, %v, %v; want zero result, not applied", res, applied, err)
	}
	if calls.Load() != 1 {
		t.Errorf("fn called %d times, want 1", calls.Load())
	}
	if n := len(scanAll(t, db)); n != 1 {
		t.Errorf("outbox holds %d items, want 1", n)
	}
	if n := stats(t, db)["updates/viber"]; n != 1 {
		t.Errorf("updates/viber = %d, want 1", n)
	}
}

// TestApplyRerunIsIdempotent forces the rollback-and-rerun Batch performs
// when a batch member fails: fn runs twice, the update lands once.
func TestApplyRerunIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	var failed atomic.Bool
	store.SetApplyHook(db, func(bot.ChatKey) error {
		if failed.CompareAndSwap(false, true) {
			return errors.New("injected failure")
		}
		return nil
	})
	chat := bot.NewChatKey(bot.Telegram, "7")
	var calls atomic.Int32
	fn := func(st bot.State, exists bool) bot.Result {
		calls.Add(1)
		return step("n", "reply", "", bot.Effect{Kind: bot.EffectRelay, Text: "hello"}, bot.Effect{Kind: bot.EffectHandoff, Node: "n"})(st, exists)
	}
	res := mustApply(t, db, chat, "tg:1", fn)

	if calls.Load() != 2 {
		t.Fatalf("fn called %d times, want 2 (the hook should force a rerun)", calls.Load())
	}
	if res.State.Node != "n" || len(res.Replies) != 1 {
		t.Errorf("result = %+v", res)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Seq != 1 {
		t.Errorf("outbox = %+v, want one item with seq 1", items)
	}
	tr, err := db.Transcript(ctx, chat)
	if err != nil || len(tr) != 1 || tr[0].Text != "hello" {
		t.Errorf("Transcript = %+v, %v", tr, err)
	}
	want := map[string]uint64{"updates/telegram": 1, "view/n": 1}
	if got := stats(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats = %v, want %v", got, want)
	}
}

// TestApplyBatchRerunOfOthers fails one member of real concurrent batches
// once, so bbolt re-runs the other members' functions in a new transaction.
func TestApplyBatchRerunOfOthers(t *testing.T) {
	db, _, _ := newDB(t)
	failOnce(db, bot.NewChatKey(bot.Telegram, "0"))
	const chats, updates = 16, 20
	var calls atomic.Int64
	runChats(t, chats, func(chat bot.ChatKey, i int) {
		mustApply(t, db, chat, fmt.Sprintf("%s/%d", chat, i), func(st bot.State, exists bool) bot.Result {
			calls.Add(1)
			return step(fmt.Sprint(i), fmt.Sprint(i), "")(st, exists)
		})
	}, updates)
	checkChats(t, db, chats, updates)
	if calls.Load() <= chats*updates {
		t.Logf("no batch member was re-run (calls = %d); the batch held only the victim", calls.Load())
	}
}

// failOnce fails the first run of Apply's function for victim, so the
// other members of its batch run again.
func failOnce(db *store.DB, victim bot.ChatKey) {
	var failed atomic.Bool
	store.SetApplyHook(db, func(chat bot.ChatKey) error {
		if chat == victim && failed.CompareAndSwap(false, true) {
			return errors.New("injected failure")
		}
		return nil
	})
}

// runChats runs n chats concurrently, each doing do(chat, i) for i in [0, updates).
func runChats(t testing.TB, n int, do func(chat bot.ChatKey, i int), updates int) {
	t.Helper()
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			chat := bot.NewChatKey(bot.Telegram, fmt.Sprint(c))
			for i := range updates {
				do(chat, i)
			}
		})
	}
	wg.Wait()
}

// checkChats verifies that every chat's updates landed exactly once and in
// order: its state is the last step and its replies are 0..updates-1 in
// seq order.
func checkChats(t *testing.T, db *store.DB, chats, updates int) {
	t.Helper()
	ctx := context.Background()
	byChat := make(map[bot.ChatKey][]string)
	for _, it := range scanAll(t, db) {
		byChat[it.Reply.Chat] = append(byChat[it.Reply.Chat], it.Reply.Text)
	}
	for c := range chats {
		chat := bot.NewChatKey(bot.Telegram, fmt.Sprint(c))
		st, _, err := db.State(ctx, chat)
		if err != nil || st.Node != fmt.Sprint(updates-1) {
			t.Errorf("%s: state node %q, %v", chat, st.Node, err)
		}
		want := make([]string, updates)
		for i := range want {
			want[i] = fmt.Sprint(i)
		}
		if !reflect.DeepEqual(byChat[chat], want) {
			t.Errorf("%s: replies %v, want %v", chat, byChat[chat], want)
		}
	}
	if got := stats(t, db)["updates/telegram"]; got != uint64(chats*updates) {
		t.Errorf("updates/telegram = %d, want %d", got, chats*updates)
	}
}

func TestApplyConcurrent64(t *testing.T) {
	db, _, _ := newDB(t)
	const chats, updates = 64, 40
	runChats(t, chats, func(chat bot.ChatKey, i int) {
		mustApply(t, db, chat, fmt.Sprintf("%s/%d", chat, i), step(fmt.Sprint(i), fmt.Sprint(i), ""))
	}, updates)
	checkChats(t, db, chats, updates)
}

func TestApplyHonoursContext(t *testing.T) {
	db, _, _ := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, applied, err := db.Apply(ctx, "telegram:1", "k", func(bot.State, bool) bot.Result {
		called = true
		return bot.Result{}
	})
	if !errors.Is(err, context.Canceled) || applied || called {
		t.Errorf("Apply with a done ctx = applied %v, called %v, err %v", applied, called, err)
	}
}

func TestTickets(t *testing.T) {
	ctx := context.Background()
	db, _, clk := newDB(t)
	a, b := bot.ChatKey("telegram:1"), bot.ChatKey("viber:2")
	handoff := func(chat bot.ChatKey, kind bot.EffectKind) {
		mustApply(t, db, chat, "", func(st bot.State, _ bool) bot.Result {
			return bot.Result{State: st, Effects: []bot.Effect{{Kind: kind, Node: "work", Lang: faq.UK}}}
		})
	}
	handoff(a, bot.EffectHandoff)
	handoff(b, bot.EffectHandoff)
	opened := clk.Now()
	clk.Add(time.Minute)
	handoff(b, bot.EffectHandoffCancel)

	got, err := db.Tickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Ticket{
		{Chat: a, Node: "work", Lang: faq.UK, Opened: opened, Updated: opened, Status: store.TicketOpen},
		{Chat: b, Node: "work", Lang: faq.UK, Opened: opened, Updated: clk.Now(), Status: store.TicketCancelled},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tickets =\n%+v\nwant\n%+v", got, want)
	}
}

func TestStatsCounters(t *testing.T) {
	db, _, _ := newDB(t)
	mustApply(t, db, "local:me", "", func(st bot.State, _ bool) bot.Result {
		return bot.Result{State: st, Effects: []bot.Effect{
			{Kind: bot.EffectUnanswered, Lang: faq.RU, Text: "secret question"},
			{Kind: bot.EffectUnanswered, Lang: faq.RU},
			{Kind: bot.EffectView},
		}}
	})
	want := map[string]uint64{"updates/local": 1, "unanswered/ru": 2, "view/": 1}
	if got := stats(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats = %v, want %v", got, want)
	}
	if s, err := db.Stats(context.Background(), "2025-03-15"); err != nil || len(s) != 0 {
		t.Errorf("Stats of another day = %v, %v", s, err)
	}
}

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	sub := func(chat bot.ChatKey, kind bot.EffectKind, cat string) {
		mustApply(t, db, chat, "", func(st bot.State, _ bool) bot.Result {
			return bot.Result{State: st, Effects: []bot.Effect{{Kind: kind, Category: cat}}}
		})
	}
	sub("telegram:1", bot.EffectSubscribe, "jobs")
	sub("telegram:2", bot.EffectSubscribe, "jobs")
	sub("telegram:3", bot.EffectSubscribe, "jobs")
	sub("telegram:2", bot.EffectSubscribe, "jobs-extra")
	sub("telegram:3", bot.EffectUnsubscribe, "jobs")
	if _, err := db.MarkInactive(ctx, "telegram:1"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Subscribers(ctx, "jobs")
	if err != nil || !reflect.DeepEqual(got, []bot.ChatKey{"telegram:2"}) {
		t.Errorf("Subscribers(jobs) = %v, %v; want [telegram:2]", got, err)
	}
}

func TestPruneDedupe(t *testing.T) {
	ctx := context.Background()
	db, _, clk := newDB(t)
	chat := bot.ChatKey("telegram:1")
	mustApply(t, db, chat, "old", step("a", "a", ""))
	clk.Add(47 * time.Hour)
	mustApply(t, db, chat, "new", step("b", "b", ""))
	n, err := db.PruneDedupe(ctx, clk.Now().Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneDedupe = %d, %v; want 1", n, err)
	}
	if _, applied, _ := db.Apply(ctx, chat, "new", step("c", "c", "")); applied {
		t.Error("a key younger than the TTL was pruned")
	}
	if _, applied, _ := db.Apply(ctx, chat, "old", step("c", "c", "")); !applied {
		t.Error("a pruned key still deduplicates")
	}
}

func TestMeta(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	if _, err := db.GetMeta(ctx, "missing"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("GetMeta(missing) error = %v, want ErrNotFound", err)
	}
	if err := db.PutMeta(ctx, "schema_version", []byte("9")); !errors.Is(err, store.ErrReservedKey) {
		t.Errorf("PutMeta(schema_version) error = %v, want ErrReservedKey", err)
	}
	v := []byte("abc")
	if err := db.PutMeta(ctx, "k", v); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	got, err := db.GetMeta(ctx, "k")
	if err != nil || string(got) != "abc" {
		t.Errorf("GetMeta = %q, %v", got, err)
	}
}

func TestMigrateFromV0(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v0.db")
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("telegram/offset"), []byte("77"))
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path, store.Options{NoSync: true})
	ctx := context.Background()
	if v, err := db.GetMeta(ctx, "schema_version"); err != nil || string(v) != fmt.Sprint(store.SchemaVersion) {
		t.Errorf("schema_version = %q, %v; want %d", v, err, store.SchemaVersion)
	}
	if v, err := db.GetMeta(ctx, "telegram/offset"); err != nil || string(v) != "77" {
		t.Errorf("old meta key = %q, %v", v, err)
	}
	mustApply(t, db, "telegram:1", "u", step("a", "a", "k"))
	if _, err := db.Enqueue(ctx, bot.Reply{Chat: "telegram:1", Text: "x"}); err != nil {
		t.Errorf("Enqueue after migration: %v", err)
	}
}

func TestNewerSchemaFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema_version"), []byte(fmt.Sprint(store.SchemaVersion+1)))
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := store.Open(path, store.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, store.ErrNewerSchema) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want ErrNewerSchema naming %s", err, path)
	}
	// The failed Open must release the lock.
	raw, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("file still locked after failed Open: %v", err)
	}
	raw.Close()
}
