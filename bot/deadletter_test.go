package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// damagedProcessor returns a processor over a store whose session record
// of chat is not JSON, as a torn or hand-edited file could leave it.
func damagedProcessor(t *testing.T, chat bot.ChatKey) (*bot.Processor, *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("sessions")).Put([]byte(chat), []byte("{not json"))
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &bot.Processor{Engine: bot.NewEngine(fixtureContent(t)), Store: db, Now: fixedNow}, db
}

func TestProcessorSetsPoisonUpdateAside(t *testing.T) {
	const bad = bot.ChatKey("telegram:66")
	p, db := damagedProcessor(t, bad)
	ctx := context.Background()
	u := bot.Update{Chat: bad, Kind: bot.UpdateText, Text: "my secret question", DedupKey: "tg:500"}
	for i := 1; i < bot.DefaultMaxAttempts; i++ {
		err := p.Handle(ctx, u)
		if !errors.Is(err, bot.ErrUnprocessable) {
			t.Fatalf("attempt %d: err %v, want ErrUnprocessable", i, err)
		}
	}
	if err := p.Handle(ctx, u); err != nil {
		t.Fatalf("attempt %d: %v, want the update set aside", bot.DefaultMaxAttempts, err)
	}
	n, err := db.DeadLetters(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeadLetters = %d, %v; want 1", n, err)
	}
	list, err := db.DeadLetterList(ctx, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("DeadLetterList = %v, %v", list, err)
	}
	l := list[0]
	if l.Key != "tg:500" || l.Channel != bot.Telegram || l.Kind != bot.UpdateText || l.Attempts != bot.DefaultMaxAttempts || l.Reason == "" {
		t.Errorf("dead letter %+v", l)
	}
	if strings.Contains(l.Reason, "secret") || strings.Contains(l.Reason, "66") {
		t.Errorf("reason %q holds text or the chat id", l.Reason)
	}
	// A redelivery is now a duplicate, and other chats were never blocked.
	if _, applied, err := p.Process(ctx, u); err != nil || applied {
		t.Fatalf("redelivery: applied %v, err %v", applied, err)
	}
	ok := bot.Update{Chat: "telegram:67", Kind: bot.UpdateText, Text: "/start", DedupKey: "tg:501"}
	if _, applied, err := p.Process(ctx, ok); err != nil || !applied {
		t.Fatalf("healthy chat: applied %v, err %v", applied, err)
	}
	if n, _ := db.DeadLetters(ctx); n != 1 {
		t.Fatalf("DeadLetters = %d after a healthy update", n)
	}
}

func TestProcessorStoresUpdateDatedBeyondYear9999(t *testing.T) {
	p, db := newProcessor(t)
	ctx := context.Background()
	u := bot.Update{Chat: "telegram:1", Kind: bot.UpdateText, Text: "/start", DedupKey: "tg:1",
		Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := p.Handle(ctx, u); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if n := len(pending(t, db)); n == 0 {
		t.Fatal("no reply queued")
	}
}
