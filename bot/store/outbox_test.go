package store_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

func seqsOf(items []bot.OutboxItem) []uint64 {
	seqs := make([]uint64, len(items))
	for i, it := range items {
		seqs[i] = it.Seq
	}
	return seqs
}

func TestEnqueueIdempotentByKey(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	r := func(key string) bot.Reply {
		return bot.Reply{Chat: "telegram:1", Kind: bot.ReplyReminder, Text: key, Key: key}
	}

	seqs, err := db.Enqueue(ctx, r("slot-1"), r("slot-1"), r(""), r("slot-2"))
	if err != nil || !reflect.DeepEqual(seqs, []uint64{1, 0, 2, 3}) {
		t.Fatalf("Enqueue = %v, %v; want [1 0 2 3]", seqs, err)
	}
	if seqs, _ = db.Enqueue(ctx, r("slot-1")); !reflect.DeepEqual(seqs, []uint64{0}) {
		t.Errorf("re-Enqueue of a pending key = %v, want [0]", seqs)
	}
	// An Apply reply with a pending key is skipped too.
	mustApply(t, db, "telegram:1", "", step("n", "dup", "slot-2"))
	if got := seqsOf(scanAll(t, db)); !reflect.DeepEqual(got, []uint64{1, 2, 3}) {
		t.Errorf("outbox seqs = %v, want [1 2 3]", got)
	}
	if err := db.Done(ctx, 1, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	if seqs, _ = db.Enqueue(ctx, r("slot-1")); !reflect.DeepEqual(seqs, []uint64{4}) {
		t.Errorf("Enqueue after Done = %v, want [4]", seqs)
	}
	if _, err := db.Enqueue(ctx, bot.Reply{Text: "nowhere"}); err == nil {
		t.Error("Enqueue of a reply without chat succeeded")
	}
}

func TestScanOrder(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	for i := range 10 {
		if _, err := db.Enqueue(ctx, bot.Reply{Chat: bot.ChatKey("telegram:" + string(rune('a'+i%3))), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Done(ctx, 5, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		after, limit int
		want         []uint64
	}{
		{"first page", 0, 4, []uint64{1, 2, 3, 4}},
		{"skips done", 4, 2, []uint64{6, 7}},
		{"rest", 7, 100, []uint64{8, 9, 10}},
		{"past end", 10, 5, []uint64{}},
		{"zero limit", 0, 0, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := db.Scan(ctx, uint64(tt.after), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := seqsOf(items); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Scan(%d, %d) = %v, want %v", tt.after, tt.limit, got, tt.want)
			}
		})
	}
	if items, err := db.Scan(ctx, math.MaxUint64, 10); err != nil || len(items) != 0 {
		t.Errorf("Scan(MaxUint64) = %v, %v", items, err)
	}
}

func TestRetryAndDrop(t *testing.T) {
	ctx := context.Background()
	db, _, clk := newDB(t)
	seqs, err := db.Enqueue(ctx, bot.Reply{Chat: "viber:1", Text: "a"}, bot.Reply{Chat: "viber:1", Text: "b", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	later := clk.Now().Add(time.Minute)
	if err := db.Retry(ctx, seqs[0], 3, later); err != nil {
		t.Fatal(err)
	}
	if err := db.Drop(ctx, seqs[1], "bad_request"); err != nil {
		t.Fatal(err)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Attempts != 3 || !items[0].NotBefore.Equal(later) {
		t.Errorf("outbox = %+v, want item 1 with 3 attempts", items)
	}
	for _, op := range []func() error{
		func() error { return db.Done(ctx, 99, bot.Receipt{}) },
		func() error { return db.Retry(ctx, 99, 1, later) },
		func() error { return db.Drop(ctx, 99, "bad_request") },
	} {
		if err := op(); err != nil {
			t.Errorf("op on a missing item: %v", err)
		}
	}
	if n := stats(t, db)["dropped/bad_request"]; n != 1 {
		t.Errorf("dropped/bad_request = %d, want 1", n)
	}
	if seqs, _ := db.Enqueue(ctx, bot.Reply{Chat: "viber:1", Key: "k"}); seqs[0] == 0 {
		t.Error("the key of a dropped item still blocks Enqueue")
	}
}

func TestMarkInactive(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	blocked, other := bot.ChatKey("telegram:5"), bot.ChatKey("telegram:55")
	mustApply(t, db, blocked, "", step("a", "one", ""))
	mustApply(t, db, other, "", step("a", "keep", ""))
	if _, err := db.Enqueue(ctx, bot.Reply{Chat: blocked, Text: "two", Key: "r1"}, bot.Reply{Chat: blocked, Text: "three"}); err != nil {
		t.Fatal(err)
	}
	n, err := db.MarkInactive(ctx, blocked)
	if err != nil || n != 3 {
		t.Fatalf("MarkInactive = %d, %v; want 3", n, err)
	}
	if st, _, _ := db.State(ctx, blocked); !st.Inactive || st.Node != "a" {
		t.Errorf("state after MarkInactive = %+v", st)
	}
	items := scanAll(t, db)
	if len(items) != 1 || items[0].Reply.Chat != other {
		t.Errorf("outbox = %+v, want only %s's item", items, other)
	}
	if got := stats(t, db)["dropped/inactive"]; got != 3 {
		t.Errorf("dropped/inactive = %d, want 3", got)
	}
	if n, err := db.MarkInactive(ctx, "telegram:unknown"); err != nil || n != 0 {
		t.Errorf("MarkInactive(unknown) = %d, %v", n, err)
	}
	if _, exists, _ := db.State(ctx, "telegram:unknown"); exists {
		t.Error("MarkInactive created a state for an unknown chat")
	}
	if keys, _ := db.Keys(ctx, blocked); len(keys) != 3 { // users, sessions and the seen index only
		t.Errorf("Keys after MarkInactive = %q", keys)
	}
}

func TestPausesPersist(t *testing.T) {
	ctx := context.Background()
	db, path, clk := newDB(t)
	now := clk.Now()
	set := map[string]time.Time{
		"telegram":   now.Add(time.Hour),
		"telegram:9": now.Add(10 * time.Minute),
		"viber:3":    now.Add(-time.Minute),
	}
	for lane, until := range set {
		if err := db.SetPause(ctx, lane, until); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = open(t, path, store.Options{Now: clk.Now})

	got, err := db.Pauses(ctx, now)
	want := map[string]time.Time{"telegram": set["telegram"], "telegram:9": set["telegram:9"]}
	if err != nil || !equalTimes(got, want) {
		t.Errorf("Pauses(now) = %v, %v; want %v", got, err, want)
	}
	got, _ = db.Pauses(ctx, now.Add(30*time.Minute))
	if !equalTimes(got, map[string]time.Time{"telegram": set["telegram"]}) {
		t.Errorf("Pauses(now+30m) = %v", got)
	}
	// Clearing a pause with a past time.
	if err := db.SetPause(ctx, "telegram", now); err != nil {
		t.Fatal(err)
	}
	if got, _ = db.Pauses(ctx, now); len(got) != 1 {
		t.Errorf("Pauses after clearing = %v", got)
	}
}

func equalTimes(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !v.Equal(b[k]) {
			return false
		}
	}
	return true
}

func TestDoneRecordsTrackedRefs(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	seqs, err := db.Enqueue(ctx,
		bot.Reply{Chat: "telegram:-100", Text: "relay", Track: "ticket-7"},
		bot.Reply{Chat: "telegram:-100", Text: "untracked"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, seqs[0], bot.Receipt{Refs: []string{"41", "42"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, seqs[1], bot.Receipt{Refs: []string{"43"}}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"41", "42"} {
		if got, err := db.Tracked(ctx, "telegram:-100", ref); err != nil || got != "ticket-7" {
			t.Errorf("Tracked(%s) = %q, %v; want ticket-7", ref, got, err)
		}
	}
	if _, err := db.Tracked(ctx, "telegram:-100", "43"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("untracked ref: err %v, want ErrNotFound", err)
	}
	if _, err := db.Tracked(ctx, "telegram:-200", "41"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("ref of another chat: err %v, want ErrNotFound", err)
	}
}
