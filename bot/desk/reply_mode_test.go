package desk_test

import (
	"testing"

	"github.com/infopunkt/infopunkt/bot"
)

// TestReplyModeConversation walks one ticket through the plain staff group:
// card, relay both ways, take, refusal of a second consultant, note, close,
// rating.
func TestReplyModeConversation(t *testing.T) {
	h := newHarness(t, false, "11", "22")
	user := bot.NewChatKey(bot.Telegram, "100")
	h.consent(user)
	h.drain()

	h.user(user, "/consultant")
	h.user(user, "Мені відмовили у карті побуту")
	out := h.drain()
	mustContain(t, "user after opening", texts(to(out, user)), "№ 1", "в черзі")
	card := texts(to(out, staff))
	mustContain(t, "card", card, "1", "uk", "telegram", "Мені відмовили")
	mustNotContain(t, "card", card, "100")
	cardRef := h.staffRef("Мені відмовили")

	h.user(user, "Ще одне питання")
	out = h.drain()
	mustContain(t, "relay to staff", texts(to(out, staff)), "Ще одне питання")

	// A non-member is refused; nothing reaches the user.
	h.staffSays("99", "Hello from outside", cardRef, "")
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("non-member reached the user: %s", texts(out))
	}
	if len(to(out, staff)) != 1 {
		t.Fatalf("non-member should get one reason, got %s", texts(out))
	}

	// Anna names herself and answers: she takes the ticket.
	h.staffSays("11", "/name Anna", "", "")
	h.staffSays("11", "Dzień dobry, pomogę", h.staffRef("Ще одне"), "")
	out = h.drain()
	got := texts(to(out, user))
	mustContain(t, "user sees Anna", got, "Anna", "Dzień dobry, pomogę")
	mustNotContain(t, "user", got, "11")

	// A second consultant is refused.
	h.staffSays("22", "Ja też odpowiem", cardRef, "")
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("second consultant reached the user: %s", texts(out))
	}
	mustContain(t, "refusal", texts(to(out, staff)), "Anna")

	h.staffSays("11", "/note klient ma termin w DUW", cardRef, "")
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("a note reached the user: %s", texts(out))
	}

	h.staffSays("11", "/close", cardRef, "")
	out = h.drain()
	got = texts(to(out, user))
	mustContain(t, "user after close", got, "завершив", "1 — зовсім ні")
	var rating []bot.Button
	for _, r := range to(out, user) {
		for _, row := range r.Buttons {
			if len(row) == 5 {
				rating = row
			}
		}
	}
	if len(rating) != 5 {
		t.Fatalf("no rating buttons in %s", got)
	}
	h.user(user, "!"+rating[4].Data)
	h.drain()

	// A reply to the closed ticket is refused and never reaches the user.
	h.staffSays("11", "One more thing", cardRef, "")
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("closed ticket reached the user: %s", texts(out))
	}
	mustContain(t, "closed reason", texts(to(out, staff)), "1")

	// The user's typed text is a question for the bot again.
	st, _, _ := h.db.State(h.ctx, user)
	if st.Desk {
		t.Fatal("chat still in desk mode after close")
	}
	stats, _ := h.db.Stats(h.ctx, h.now.Format("2006-01-02"))
	if stats["desk/rating/uk/telegram/5"] != 1 {
		t.Errorf("rating not counted: %v", stats)
	}
	for _, r := range h.sent {
		t.Logf("%s thread=%q track=%q: %s", r.Chat, r.Thread, r.Track, texts([]bot.Reply{r}))
	}
}
