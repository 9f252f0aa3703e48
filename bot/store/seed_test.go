package store_test

import (
	"context"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

func TestPutStates(t *testing.T) {
	db, _, clk := newDB(t)
	ctx := context.Background()
	states := map[bot.ChatKey]bot.State{
		"telegram:1": {Mode: bot.ModeBrowse, Lang: faq.UK, Consent: true, Created: clk.Now(), LastSeen: clk.Now(), Subs: []string{"workshops"}},
		"telegram:2": {Mode: bot.ModeBrowse, Lang: faq.PL, Consent: true, Created: clk.Now(), LastSeen: clk.Now()},
	}
	if err := db.PutStates(ctx, states); err != nil {
		t.Fatal(err)
	}
	for chat, want := range states {
		st, ok, err := db.State(ctx, chat)
		if err != nil || !ok || st.Lang != want.Lang || len(st.Subs) != len(want.Subs) {
			t.Errorf("%s: %+v, %v, %v", chat, st, ok, err)
		}
	}
	subs, err := db.Subscribers(ctx, "workshops")
	if err != nil || len(subs) != 1 || subs[0] != "telegram:1" {
		t.Errorf("Subscribers = %v, %v", subs, err)
	}
}
