package desk_test

import (
	"testing"

	"github.com/infopunkt/infopunkt/bot"
)

// TestAuthorization: only members of the staff group (and, with an
// allowlist, only listed ones) can act; forged updates change nothing.
func TestAuthorization(t *testing.T) {
	h := newHarness(t, false, "11", "22", "33")
	h.svc.Consultants = []string{"11", "22"}
	user := bot.NewChatKey(bot.Telegram, "100")
	h.consent(user)
	h.user(user, "/consultant")
	h.user(user, "Pomocy")
	h.drain()
	card := h.staffRef("Pomocy")

	deny := func(what, from, text, reply string) {
		t.Helper()
		h.staffSays(from, text, reply, "")
		out := h.drain()
		if len(to(out, user)) != 0 {
			t.Fatalf("%s reached the user: %s", what, texts(out))
		}
		mustContain(t, what, texts(to(out, staff)), "Nic nie zmieniono")
	}
	deny("member not on the allowlist", "33", "Odpowiadam", card)
	deny("allowlist button", "33", "!d:take:1", "")
	deny("stranger's command", "44", "/close", card)
	deny("update without a sender", "", "/take", card)

	// A forged staff button pressed in a private chat is only a stale
	// button to the engine.
	h.user(user, "!d:close:1")
	out := h.drain()
	if len(to(out, staff)) != 0 {
		t.Fatalf("a private chat's button acted on the desk: %s", texts(out))
	}
	// An update that is not from the staff group is refused by the desk.
	if err := h.svc.HandleStaff(h.ctx, bot.Update{Chat: bot.NewChatKey(bot.Telegram, "100"), From: "11", Text: "/close"}); err == nil {
		t.Fatal("HandleStaff accepted an update from a private chat")
	}
	// A member leaving the group loses access (after the cache expires).
	h.plat.mu.Lock()
	delete(h.plat.members, "22")
	h.plat.mu.Unlock()
	h.staffSays("22", "/take", card, "")
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("a removed member acted: %s", texts(out))
	}
	// Talk among consultants that is about no ticket is left alone.
	h.staffSays("11", "Kto ma dziś dyżur?", "", "")
	if out := h.drain(); len(out) != 0 {
		t.Fatalf("chatter answered: %s", texts(out))
	}
	// The ticket is still open and waiting: nothing above changed it.
	h.staffSays("11", "/take", card, "")
	mustContain(t, "take", texts(to(h.drain(), user)), "займається")
}
