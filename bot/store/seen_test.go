package store_test

import (
	"context"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// TestPruneInactiveUsesSeenIndex: the first PruneInactive builds the seen
// index from the sessions; later ones read it, follow chats that came back
// (their entry moves to the new day) and leave nothing of erased chats.
func TestPruneInactiveUsesSeenIndex(t *testing.T) {
	db, _, clk := newDB(t)
	ctx := context.Background()
	seen := func(fn bot.ApplyFunc) bot.ApplyFunc {
		return func(st bot.State, exists bool) bot.Result {
			res := fn(st, exists)
			res.State.LastSeen = clk.Now()
			return res
		}
	}
	gone, back, fresh := bot.ChatKey("telegram:1"), bot.ChatKey("telegram:2"), bot.ChatKey("telegram:3")
	mustApply(t, db, gone, "", seen(step("legal", "hi", "")))
	mustApply(t, db, back, "", seen(step("legal", "hi", "")))
	if n, err := db.PruneInactive(ctx, clk.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("first PruneInactive = %d, %v", n, err)
	}
	clk.Add(400 * 24 * time.Hour)
	mustApply(t, db, back, "", seen(step("housing", "hi again", "")))
	mustApply(t, db, fresh, "", seen(step("housing", "hi", "")))
	for _, it := range scanAll(t, db) {
		if err := db.Done(ctx, it.Seq, bot.Receipt{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PruneInactive(ctx, clk.Now().Add(-365*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneInactive = %d, %v; want 1", n, err)
	}
	if keys, _ := db.Keys(ctx, gone); len(keys) != 0 {
		t.Errorf("keys of the erased chat remain: %q", keys)
	}
	for _, c := range []bot.ChatKey{back, fresh} {
		if _, ok, _ := db.State(ctx, c); !ok {
			t.Errorf("%s was erased", c)
		}
	}
	var entries []string
	err = db.ViewRaw(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("seen")).ForEach(func(k, _ []byte) error {
			entries = append(entries, string(k))
			return nil
		})
	})
	day := clk.Now().UTC().Format("20060102")
	if err != nil || len(entries) != 2 || entries[0] != day+"\x00"+string(back) || entries[1] != day+"\x00"+string(fresh) {
		t.Errorf("seen index = %q, %v", entries, err)
	}
}
