package desk_test

import (
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
)

// TestForgetDuringTicketReplyMode: /forget closes the ticket, tells the
// group, deletes the transcript and the relayed copies in the group, and
// drops relays still queued for the group.
func TestForgetDuringTicketReplyMode(t *testing.T) {
	h := newHarness(t, false, "11")
	user := bot.NewChatKey(bot.Telegram, "100")
	h.consent(user)
	h.user(user, "/consultant")
	h.user(user, "Moje dane osobowe")
	h.user(user, "PESEL 12345678901")
	h.drain() // card and relay sent: their ids are tracked
	h.staffSays("11", "Proszę o szczegóły", h.staffRef("PESEL"), "")
	h.drain()
	h.user(user, "jeszcze jedno") // queued, not yet sent
	tr, err := h.db.Transcript(h.ctx, user)
	if err != nil || len(tr) < 3 {
		t.Fatalf("transcript before: %d entries, %v", len(tr), err)
	}
	h.user(user, "/forget")
	h.user(user, "!f:y")
	out := h.drain()
	for _, r := range to(out, staff) {
		if r.Text != "" && (strings.Contains(r.Text, "jeszcze jedno") || strings.Contains(r.Text, "PESEL")) {
			t.Errorf("a relay of the erased user was still sent: %q", r.Text)
		}
	}
	mustContain(t, "group", texts(to(out, staff)), "usunął swoje dane")
	h.runOps()
	if len(h.plat.deleted) < 2 {
		t.Errorf("deleted group messages %v, want the card and the relay", h.plat.deleted)
	}
	if tr, err := h.db.Transcript(h.ctx, user); err != nil || len(tr) != 0 {
		t.Errorf("transcript after erasure: %v %v", tr, err)
	}
	if keys, _ := h.db.Keys(h.ctx, user); len(keys) != 0 {
		t.Errorf("keys after erasure: %q", keys)
	}
	var b struct{ Open []int }
	if _, err := h.db.DeskRecord(h.ctx, "board", &b); err != nil || len(b.Open) != 0 {
		t.Errorf("board still lists open tickets: %+v %v", b, err)
	}
}
