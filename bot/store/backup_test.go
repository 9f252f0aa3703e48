package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// backupFile writes db's backup to a new file and returns its path.
func backupFile(t *testing.T, db *store.DB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
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
	return path
}

// TestCryptoShredding plants a user's text, takes a backup, erases the
// user, takes another backup, and checks that the text can be neither
// found nor opened in the data file or in either backup.
func TestCryptoShredding(t *testing.T) {
	ctx := context.Background()
	db, path, _ := newDB(t)
	chat, other := bot.ChatKey("telegram:42"), bot.ChatKey("telegram:43")
	mustApply(t, db, chat, "", step("x", "ok", "", bot.Effect{Kind: bot.EffectRelay, Text: planted}))
	mustApply(t, db, other, "", step("x", "ok", "", bot.Effect{Kind: bot.EffectRelay, Text: "other text"}))
	before := backupFile(t, db)
	if err := db.Erase(ctx, chat); err != nil {
		t.Fatal(err)
	}
	after := backupFile(t, db)
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"data file": path, "backup before erasure": before, "backup after erasure": after} {
		if fileHas(t, p, planted) || fileHas(t, p, "Kovalenko") {
			t.Errorf("%s holds the planted text", name)
		}
	}
	// The backup before the erasure still has the sealed entry but no key.
	old := open(t, before, store.Options{NoSync: true})
	if _, err := old.Transcript(ctx, chat); !errors.Is(err, store.ErrShredded) {
		t.Errorf("Transcript from the earlier backup: %v, want ErrShredded", err)
	}
	if got, err := db.Transcript(ctx, other); err != nil || len(got) != 1 || got[0].Text != "other text" {
		t.Errorf("the other chat's transcript = %+v, %v", got, err)
	}
	if keys := keysOf(t, db, chat); len(keys) != 0 {
		t.Errorf("erased chat still has keys %q", keys)
	}
}

// TestCompactRemovesFreedBytes plants clear text in a record, erases it,
// and checks that compaction removes the bytes bbolt left in free pages.
func TestCompactRemovesFreedBytes(t *testing.T) {
	ctx := context.Background()
	db, path, _ := newDB(t)
	chat := bot.ChatKey("viber:abc=")
	mustApply(t, db, chat, "", step("x", "ok", ""))
	// An adapter value ending with the chat key (erased by convention).
	if err := db.PutMeta(ctx, "viber/note/"+string(chat), []byte(planted)); err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // churn, so the planted page is freed rather than reused at once
		mustApply(t, db, chat, "", step("y", "ok", "", bot.Effect{Kind: bot.EffectView, Node: string(rune('a' + i%26))}))
	}
	if err := db.Erase(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if !fileHas(t, path, planted) {
		t.Log("bbolt reused the freed page already; the check below still holds")
	}
	if fileHas(t, backupFile(t, db), planted) {
		t.Error("backup copied freed pages")
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if fileHas(t, path, planted) {
		t.Error("compaction left the erased text in the file")
	}
	// The store keeps working on the new file.
	mustApply(t, db, "telegram:1", "after", step("z", "ok", ""))
	if _, ok, err := db.State(ctx, "telegram:1"); !ok || err != nil {
		t.Errorf("State after Compact = %v, %v", ok, err)
	}
}

func TestCompactWhileApplying(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				mustApply(t, db, bot.ChatKey("telegram:"+string(rune('0'+i))), "", step("n", "ok", "", bot.Effect{Kind: bot.EffectView, Node: string(rune('a' + j%26))}))
			}
		}()
	}
	for range 3 {
		if err := db.Compact(ctx); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	for i := range 4 {
		if _, ok, err := db.State(ctx, bot.ChatKey("telegram:"+string(rune('0'+i)))); !ok || err != nil {
			t.Errorf("chat %d lost: %v %v", i, ok, err)
		}
	}
}
