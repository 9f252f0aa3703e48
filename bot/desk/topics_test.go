package desk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// TestTopicsMode: one topic per ticket, named without identity; messages in
// the topic reach the user; closing closes it; the same user coming back
// within a week gets it reopened; erasure deletes it.
func TestTopicsMode(t *testing.T) {
	h := newHarness(t, true, "11")
	user := bot.NewChatKey(bot.Telegram, "100")
	h.consent(user)
	h.user(user, "/consultant")
	h.user(user, "Питання про PESEL")
	h.user(user, "ще деталі") // written before the topic exists
	out := h.drain()
	if len(to(out, staff)) != 0 {
		t.Fatalf("staff messages before the topic exists: %s", texts(to(out, staff)))
	}
	h.runOps()
	if len(h.plat.topics) != 1 {
		t.Fatalf("topics: %v", h.plat.topics)
	}
	thread := "101"
	if name := h.plat.names[thread]; !strings.Contains(name, "#1") || !strings.Contains(name, "🇺🇦") || !strings.Contains(name, "Klient") || strings.Contains(name, "100") {
		t.Errorf("topic name %q", name)
	}
	out = h.drain()
	staffOut := to(out, staff)
	if len(staffOut) != 2 || staffOut[0].Thread != thread || staffOut[1].Thread != thread {
		t.Fatalf("card and pending relay in the topic: %+v", staffOut)
	}
	mustContain(t, "topic", texts(staffOut), "Питання про PESEL", "ще деталі")

	// A consultant writes in the topic without replying to anything.
	h.staffSays("11", "Dzień dobry", "", thread)
	out = h.drain()
	mustContain(t, "user", texts(to(out, user)), "Dzień dobry")
	h.staffSays("11", "/close", "", thread)
	h.drain()
	h.runOps()
	if h.plat.topics[thread] != "closed" {
		t.Fatalf("topic after close: %v", h.plat.topics)
	}

	// Back within a week: the same topic reopens.
	h.advance(3 * 24 * time.Hour)
	h.user(user, "/consultant")
	h.user(user, "!c:s")
	out = h.drain()
	h.runOps()
	if h.plat.topics[thread] != "open" || len(h.plat.topics) != 1 {
		t.Fatalf("topic not reopened: %v", h.plat.topics)
	}
	mustContain(t, "card in the old topic", texts(to(out, staff)), "2")
	for _, r := range to(out, staff) {
		if r.Thread != thread {
			t.Errorf("ticket 2 message outside its topic: %+v", r)
		}
	}

	// /forget while the ticket is open: the group is told, the topic deleted.
	h.user(user, "/forget")
	h.user(user, "!f:y")
	out = h.drain()
	mustContain(t, "group after erasure", texts(to(out, staff)), "usunął swoje dane")
	h.runOps()
	if h.plat.topics[thread] != "deleted" {
		t.Fatalf("topic after erasure: %v", h.plat.topics)
	}
	keys, err := h.db.Keys(h.ctx, user)
	if err != nil || len(keys) != 0 {
		t.Errorf("keys left after erasure: %q %v", keys, err)
	}
	// A consultant's late message in the deleted topic goes nowhere.
	h.staffSays("11", "Halo?", "", thread)
	out = h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("message to an erased user: %s", texts(out))
	}
	// Back after more than a week: a new topic.
	h.advance(8 * 24 * time.Hour)
	h.consent(user)
	h.user(user, "/consultant")
	h.user(user, "!c:s")
	h.drain()
	h.runOps()
	if len(h.plat.topics) != 2 {
		t.Fatalf("want a new topic, topics: %v", h.plat.topics)
	}
}
