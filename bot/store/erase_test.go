package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// populate gives chat a state, two subscriptions, a ticket, a transcript,
// pending replies (one keyed) and a lane pause.
func populate(t *testing.T, db *store.DB, chat bot.ChatKey) {
	t.Helper()
	ctx := context.Background()
	mustApply(t, db, chat, "", step("work", "hello", "", bot.Effect{Kind: bot.EffectSubscribe, Category: "jobs"}, bot.Effect{Kind: bot.EffectSubscribe, Category: "fairs"}))
	mustApply(t, db, chat, "", step("work-permit", "handoff", "", bot.Effect{Kind: bot.EffectHandoff, Node: "work-permit"}))
	mustApply(t, db, chat, "", step("work-permit", "relayed", "", bot.Effect{Kind: bot.EffectRelay, Text: "my passport number is 123"}))
	if _, err := db.Enqueue(ctx, bot.Reply{Chat: chat, Kind: bot.ReplyReminder, Key: "remind/jobs/" + string(chat)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPause(ctx, string(chat), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// rawMentions opens a backup of db with bbolt itself and lists every key
// whose key or value contains chat's bytes, independent of DB.Keys.
func rawMentions(t *testing.T, db *store.DB, chat bot.ChatKey) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var found []string
	err = raw.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(chat)) || bytes.Contains(v, []byte(chat)) {
					found = append(found, fmt.Sprintf("%s/%q", name, k))
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func keysOf(t *testing.T, db *store.DB, chat bot.ChatKey) []string {
	t.Helper()
	keys, err := db.Keys(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestEraseEffectLeavesNoKey(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	gone, kept := bot.ChatKey("telegram:100"), bot.ChatKey("viber:Zm9v+/=")
	populate(t, db, gone)
	populate(t, db, kept)
	keptBefore := keysOf(t, db, kept)
	if n := len(keysOf(t, db, gone)); n < 10 {
		t.Fatalf("populate left only %d keys; the test would prove little", n)
	}

	mustApply(t, db, gone, "", func(bot.State, bool) bot.Result {
		return bot.Result{
			Replies: []bot.Reply{{Text: "your data is deleted"}},
			Effects: []bot.Effect{{Kind: bot.EffectErase}},
		}
	})
	// Only the confirmation remains, until it is delivered.
	items := scanAll(t, db)
	var confirm uint64
	for _, it := range items {
		if it.Reply.Chat == gone {
			if confirm != 0 || it.Reply.Text != "your data is deleted" {
				t.Fatalf("pending after erase: %+v", it)
			}
			confirm = it.Seq
		}
	}
	if confirm == 0 {
		t.Fatal("the erase confirmation was not queued")
	}
	if keys := keysOf(t, db, gone); len(keys) != 2 {
		t.Errorf("keys before delivery = %q, want the confirmation's outbox and outbox_chat entries", keys)
	}
	if err := db.Done(ctx, confirm, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(t, db, gone); len(keys) != 0 {
		t.Errorf("Keys after erasure = %q", keys)
	}
	if found := rawMentions(t, db, gone); len(found) != 0 {
		t.Errorf("raw scan after erasure found %q", found)
	}
	if _, exists, _ := db.State(ctx, gone); exists {
		t.Error("erased chat still has a state")
	}
	if got := keysOf(t, db, kept); !reflect.DeepEqual(got, keptBefore) {
		t.Errorf("other chat's keys changed:\n%q\nwant\n%q", got, keptBefore)
	}
	if subs, _ := db.Subscribers(ctx, "jobs"); !reflect.DeepEqual(subs, []bot.ChatKey{kept}) {
		t.Errorf("Subscribers(jobs) = %v", subs)
	}
}

func TestEraseStandalone(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	gone, kept := bot.ChatKey("telegram:1"), bot.ChatKey("telegram:12")
	populate(t, db, gone)
	populate(t, db, kept)
	keptBefore := keysOf(t, db, kept)
	if err := db.Erase(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(t, db, gone); len(keys) != 0 {
		t.Errorf("Keys after Erase = %q", keys)
	}
	if got := keysOf(t, db, kept); !reflect.DeepEqual(got, keptBefore) {
		t.Errorf("telegram:12 lost keys:\n%q\nwant\n%q", got, keptBefore)
	}
	if err := db.Erase(ctx, "telegram:never"); err != nil {
		t.Errorf("Erase of an unknown chat: %v", err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	mustApply(t, db, "telegram:1", "", step("before", "x", ""))
	if err := db.PutMeta(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mustApply(t, db, bot.ChatKey(fmt.Sprintf("viber:%d", i%8)), "", step("n", "w", ""))
		}
	})
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Backup(ctx, f)
	close(stop)
	wg.Wait()
	if err != nil || n == 0 {
		t.Fatalf("Backup = %d, %v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	copyDB := open(t, path, store.Options{})
	if st, exists, err := copyDB.State(ctx, "telegram:1"); err != nil || !exists || st.Node != "before" {
		t.Errorf("backup state = %+v, %v, %v", st, exists, err)
	}
	if v, err := copyDB.GetMeta(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("backup meta = %q, %v", v, err)
	}
}

func TestPruneInactiveErasesOnlyStaleChats(t *testing.T) {
	db, _, clk := newDB(t)
	ctx := context.Background()
	old, fresh := bot.ChatKey("viber:old"), bot.ChatKey("viber:fresh")
	seen := func(fn bot.ApplyFunc) bot.ApplyFunc {
		return func(st bot.State, exists bool) bot.Result {
			res := fn(st, exists)
			res.State.LastSeen = clk.Now()
			return res
		}
	}
	mustApply(t, db, old, "", seen(step("legal", "hi", "")))
	if err := db.PutMeta(ctx, "viber/reminders/2025-03/"+string(old), []byte("1")); err != nil {
		t.Fatal(err)
	}
	clk.Add(400 * 24 * time.Hour)
	mustApply(t, db, fresh, "", seen(step("housing", "hi", "")))
	for _, it := range scanAll(t, db) {
		if err := db.Done(ctx, it.Seq, bot.Receipt{}); err != nil {
			t.Fatal(err)
		}
	}

	n, err := db.PruneInactive(ctx, clk.Now().Add(-365*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneInactive = %d, %v; want 1, nil", n, err)
	}
	if keys, _ := db.Keys(ctx, old); len(keys) != 0 {
		t.Errorf("keys of the stale chat remain: %q", keys)
	}
	if _, ok, _ := db.State(ctx, fresh); !ok {
		t.Error("the active chat was erased")
	}
}
