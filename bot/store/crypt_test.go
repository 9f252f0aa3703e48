package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

const planted = "Olena Kovalenko +48 601 234 567"

// fileHas reports whether the raw bytes of the file at path contain s.
func fileHas(t *testing.T, path, s string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(raw, []byte(s))
}

func TestTranscriptIsSealed(t *testing.T) {
	ctx := context.Background()
	db, path, _ := newDB(t)
	chat := bot.ChatKey("telegram:7")
	mustApply(t, db, chat, "", step("x", "ok", "", bot.Effect{Kind: bot.EffectRelay, Text: planted}))
	got, err := db.Transcript(ctx, chat)
	if err != nil || len(got) != 1 || got[0].Text != planted {
		t.Fatalf("Transcript = %+v, %v", got, err)
	}
	if fileHas(t, path, planted) || fileHas(t, path, "Kovalenko") {
		t.Error("the transcript text is stored in clear in the data file")
	}
}

func TestEraseShredsTranscripts(t *testing.T) {
	ctx := context.Background()
	db, path, _ := newDB(t)
	chat := bot.ChatKey("viber:abc=")
	mustApply(t, db, chat, "", step("x", "ok", "", bot.Effect{Kind: bot.EffectRelay, Text: planted}))
	if err := db.Erase(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Transcript(ctx, chat); err != nil || len(got) != 0 {
		t.Errorf("Transcript after erase = %+v, %v", got, err)
	}
	if fileHas(t, path, planted) {
		t.Error("planted text in the data file after erasure")
	}
}

// TestMigrationSealsOldTranscripts writes a schema-2 file with a plain
// transcript entry, as older binaries did, and checks that opening seals it.
func TestMigrationSealsOldTranscripts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := binary.BigEndian.AppendUint64([]byte("telegram:5\x00"), 1)
	err = raw.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{"users", "sessions", "dedupe", "outbox", "outbox_keys", "outbox_chat", "tickets", "transcripts", "subscriptions", "stats", "meta", "refs"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("2")); err != nil {
			return err
		}
		return tx.Bucket([]byte("transcripts")).Put(key, []byte(`{"at":"2025-03-14T10:00:00Z","lang":1,"text":"`+planted+`"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db := open(t, path, store.Options{NoSync: true})
	got, err := db.Transcript(context.Background(), "telegram:5")
	if err != nil || len(got) != 1 || got[0].Text != planted {
		t.Fatalf("Transcript after migration = %+v, %v", got, err)
	}
	err = db.ViewRaw(func(tx *bbolt.Tx) error {
		if v := tx.Bucket([]byte("transcripts")).Get(key); bytes.Contains(v, []byte(planted)) {
			t.Error("migration left the entry in clear")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLogKeyIsStable(t *testing.T) {
	db, path, _ := newDB(t)
	k1, err := db.LogKey()
	if err != nil || len(k1) != 32 {
		t.Fatalf("LogKey = %x, %v", k1, err)
	}
	k2, _ := db.LogKey()
	if !bytes.Equal(k1, k2) {
		t.Error("LogKey changed between calls")
	}
	if err := db.PutMeta(context.Background(), "log_hash_key", []byte("x")); err == nil {
		t.Error("PutMeta overwrote the log key")
	}
	_ = path
}

// TestDeskRecordsAreSealed: records the desk stores with PutFor and its
// transcripts hold the user's words, so they are sealed for the chat.
func TestDeskRecordsAreSealed(t *testing.T) {
	ctx := context.Background()
	db, path, _ := newDB(t)
	chat := bot.ChatKey("viber:a/b+c=")
	key := "t/00000001/" + string(chat)
	type rec struct{ Text string }
	_, err := db.UpdateDesk(ctx, "", func(tx bot.DeskTx) error {
		if err := tx.PutFor(chat, key, rec{Text: planted}); err != nil {
			return err
		}
		if err := tx.Put("board", rec{Text: "no personal data"}); err != nil {
			return err
		}
		return tx.AppendTranscript(chat, map[string]string{"text": planted + " again"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got rec
	_, err = db.UpdateDesk(ctx, "", func(tx bot.DeskTx) error {
		found, err := tx.GetFor(chat, key, &got)
		if !found || got.Text != planted {
			t.Errorf("GetFor = %v, %+v, %v", found, got, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if fileHas(t, path, "Kovalenko") {
		t.Error("a desk record holds the planted text in clear")
	}
	if err := db.Erase(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if found, _ := db.DeskRecord(ctx, key, &got); found {
		t.Error("the ticket record survived erasure")
	}
}
