package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

func newProcessor(t *testing.T) (*bot.Processor, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "p.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &bot.Processor{Engine: bot.NewEngine(fixtureContent(t)), Store: db, Now: fixedNow}, db
}

func pending(t *testing.T, db *store.DB) []bot.OutboxItem {
	t.Helper()
	items, err := db.Scan(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestProcessorAppliesEachUpdateOnce(t *testing.T) {
	p, db := newProcessor(t)
	ctx := context.Background()
	u := bot.Update{Chat: "telegram:1", Kind: bot.UpdateText, Text: "/start", LangHint: "uk", DedupKey: "tg:100"}
	notified := 0
	p.Notify = func() { notified++ }
	for i := 0; i < 3; i++ {
		if err := p.Handle(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(pending(t, db)); n != 1 {
		t.Fatalf("%d outbox items after a thrice-delivered update, want 1", n)
	}
	if notified != 1 {
		t.Fatalf("outbox notified %d times, want 1", notified)
	}
}

func TestProcessorEraseLeavesNoKey(t *testing.T) {
	p, db := newProcessor(t)
	ctx := context.Background()
	chat := bot.ChatKey("viber:abc")
	steps := []bot.Update{
		{Kind: bot.UpdateText, Text: "/start", LangHint: "pl"},
		{Kind: bot.UpdateButton, Data: "a"},
		{Kind: bot.UpdateText, Text: "/events"},
		{Kind: bot.UpdateButton, Data: "s:workshops"},
		{Kind: bot.UpdateText, Text: "/consultant"},
		{Kind: bot.UpdateText, Text: "Mam pytanie"},
		{Kind: bot.UpdateText, Text: "/forget"},
		{Kind: bot.UpdateButton, Data: "f:y"},
	}
	for i, u := range steps {
		u.Chat, u.DedupKey = chat, fmt.Sprintf("vb:%d", i)
		if err := p.Handle(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	items := pending(t, db)
	if len(items) != 1 {
		t.Fatalf("%d items left in the outbox, want only the erase confirmation", len(items))
	}
	if err := db.Done(ctx, items[0].Seq, bot.Receipt{}); err != nil {
		t.Fatal(err)
	}
	if keys, err := db.Keys(ctx, chat); err != nil || len(keys) != 0 {
		t.Fatalf("keys of an erased chat: %q (%v)", keys, err)
	}
}

// TestProcessorKeepsChatOrder sends many updates to many chats at once:
// each chat must see its updates applied in the order they were handled.
func TestProcessorKeepsChatOrder(t *testing.T) {
	p, db := newProcessor(t)
	ctx := context.Background()
	const chats, steps = 32, 20
	var wg sync.WaitGroup
	for c := 0; c < chats; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chat := bot.ChatKey(fmt.Sprintf("telegram:%d", c))
			p.Handle(ctx, bot.Update{Chat: chat, Kind: bot.UpdateText, Text: "/start", LangHint: "en"})
			p.Handle(ctx, bot.Update{Chat: chat, Kind: bot.UpdateButton, Data: "a"})
			for i := 0; i < steps; i++ {
				p.Handle(ctx, bot.Update{Chat: chat, Kind: bot.UpdateButton, Data: "n:legal-pesel"})
				p.Handle(ctx, bot.Update{Chat: chat, Kind: bot.UpdateButton, Data: "n:housing-deposit"})
			}
		}()
	}
	wg.Wait()
	for c := 0; c < chats; c++ {
		st, ok, err := db.State(ctx, bot.ChatKey(fmt.Sprintf("telegram:%d", c)))
		if err != nil || !ok {
			t.Fatalf("chat %d: %v %v", c, ok, err)
		}
		if st.Node != "housing-deposit" || len(st.Back) != bot.MaxBackStack {
			t.Fatalf("chat %d ended at %q with %d back entries", c, st.Node, len(st.Back))
		}
	}
}

func TestWelcomeStoresNothing(t *testing.T) {
	p, db := newProcessor(t)
	r, err := p.Welcome(context.Background(), bot.Update{Chat: "viber:new", LangHint: "de"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Buttons) == 0 || len(r.Buttons[0]) != 4 {
		t.Fatalf("welcome for an unknown language should be the 4-language picker, got %+v", r.Buttons)
	}
	if _, ok, _ := db.State(context.Background(), "viber:new"); ok {
		t.Fatal("Welcome stored a state")
	}
	if n := len(pending(t, db)); n != 0 {
		t.Fatalf("Welcome queued %d messages", n)
	}
}

// TestWelcomeDeepLinkAndReturningUser: a poster's deep link survives a
// welcome that stores nothing, and a returning user gets the menu, not the
// privacy notice again.
func TestWelcomeDeepLinkAndReturningUser(t *testing.T) {
	p, _ := newProcessor(t)
	ctx := context.Background()
	chat := bot.ChatKey("viber:poster")
	r, err := p.Welcome(ctx, bot.Update{Chat: chat, LangHint: "uk", Text: "housing-deposit"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Buttons[0][0].Data; got != "a:housing-deposit" {
		t.Fatalf("accept button data = %q, want the deep link carried", got)
	}
	res, _, err := p.Process(ctx, bot.Update{Chat: chat, Kind: bot.UpdateButton, Data: "a:housing-deposit", LangHint: "uk"})
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Node != "housing-deposit" || !res.State.Consent {
		t.Fatalf("after accept: node %q consent %v", res.State.Node, res.State.Consent)
	}
	r, err = p.Welcome(ctx, bot.Update{Chat: chat, LangHint: "uk"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Buttons[0][0].Data != "n:legal" {
		t.Fatalf("a returning user got %+v, want the main menu", r.Buttons[0])
	}
}
