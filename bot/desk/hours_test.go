package desk_test

import (
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

func (h *harness) setNow(t time.Time) {
	h.mu.Lock()
	h.now = t
	h.mu.Unlock()
}

func (h *harness) tick() {
	h.t.Helper()
	if err := h.svc.Tick(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

func TestOfficeHoursNotices(t *testing.T) {
	loc := warsaw(t)
	cases := []struct {
		name string
		now  time.Time
		want []string
	}{
		{"in hours", time.Date(2026, 12, 2, 10, 0, 0, 0, loc), []string{"within 15 minutes", "number 1 in the queue"}},
		{"evening", time.Date(2026, 12, 2, 19, 30, 0, 0, loc), []string{"opens next on Thursday 03.12 at 09:00"}},
		{"weekend", time.Date(2026, 12, 5, 11, 0, 0, 0, loc), []string{"Monday 07.12 at 09:00"}},
		{"christmas eve holiday", time.Date(2026, 12, 24, 10, 0, 0, 0, loc), []string{"Monday 28.12 at 09:00"}},
		{"easter monday", time.Date(2026, 4, 6, 10, 0, 0, 0, loc), []string{"Tuesday 07.04 at 09:00"}},
		{"dst spring weekend", time.Date(2026, 3, 29, 2, 30, 0, 0, loc), []string{"Monday 30.03 at 09:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, false, "11")
			h.setNow(tc.now)
			user := bot.NewChatKey(bot.Telegram, "7")
			h.seq = 0
			h.proc.Handle(h.ctx, bot.Update{Chat: user, Kind: bot.UpdateText, Text: "/start", LangHint: "en", DedupKey: "a"})
			h.user(user, "!a")
			h.user(user, "/consultant")
			h.user(user, "!c:s")
			mustContain(t, tc.name, texts(to(h.drain(), user)), tc.want...)
		})
	}
}

func TestClosureDayFromDeskYAML(t *testing.T) {
	h := newHarness(t, false, "11")
	c := *h.eng.Content()
	d := *c.Desk
	d.Closures = []faq.Closure{{Date: "2026-12-03", Reason: "szkolenie"}}
	c.Desk = &d
	h.eng.SetContent(&c)
	h.setNow(time.Date(2026, 12, 2, 18, 0, 0, 0, warsaw(t)))
	user := bot.NewChatKey(bot.Telegram, "8")
	h.proc.Handle(h.ctx, bot.Update{Chat: user, Kind: bot.UpdateText, Text: "/start", LangHint: "en", DedupKey: "b"})
	h.user(user, "!a")
	h.user(user, "/consultant")
	h.user(user, "!c:s")
	mustContain(t, "closure", texts(to(h.drain(), user)), "Friday 04.12 at 09:00")
}

// TestWaitNoticeAndIdleClose: one kind notice with the queue position and
// one nudge after wait_notice in opening hours; the ticket closes itself
// after idle_close with a notice to both sides.
func TestWaitNoticeAndIdleClose(t *testing.T) {
	h := newHarness(t, false, "11")
	a, b := bot.NewChatKey(bot.Telegram, "1"), bot.NewChatKey(bot.Telegram, "2")
	for _, u := range []bot.ChatKey{a, b} {
		h.consent(u)
		h.user(u, "/consultant")
		h.user(u, "!c:s")
		h.advance(time.Minute)
	}
	h.drain()
	h.advance(5 * time.Minute)
	h.tick()
	if out := h.drain(); len(out) != 0 {
		t.Fatalf("notice too early: %s", texts(out))
	}
	h.advance(5 * time.Minute)
	h.tick()
	out := h.drain()
	mustContain(t, "first user", texts(to(out, a)), "1-і в черзі")
	mustContain(t, "nudges", texts(to(out, staff)), "Nr 1 czeka", "Nr 2 czeka")
	mustContain(t, "second user", texts(to(out, b)), "2-і в черзі")
	h.advance(time.Hour)
	h.tick()
	if out := h.drain(); len(out) != 0 {
		t.Fatalf("second notice: %s", texts(out))
	}
	// After hours nobody is nudged; 72 h without a message closes both.
	h.advance(72 * time.Hour)
	h.tick()
	out = h.drain()
	mustContain(t, "idle user", texts(to(out, a)), "закрито", "1 — зовсім ні")
	mustContain(t, "idle group", texts(to(out, staff)), "zamknięta automatycznie")
	st, _, _ := h.db.State(h.ctx, a)
	if st.Desk {
		t.Error("still in desk mode after idle close")
	}
}

// TestViberBilledReplyNeedsConfirmation: past 24 h since the Viber user's
// last message a reply is held until a consultant confirms; it is counted.
func TestViberBilledReplyNeedsConfirmation(t *testing.T) {
	h := newHarness(t, false, "11")
	user := bot.NewChatKey(bot.Viber, "vb1")
	h.consent(user)
	h.user(user, "/consultant")
	h.user(user, "Pytanie")
	h.drain()
	card := h.staffRef("Pytanie")
	h.staffSays("11", "Szybka odpowiedź", card, "")
	mustContain(t, "free reply", texts(to(h.drain(), user)), "Szybka odpowiedź")
	h.advance(25 * time.Hour)
	h.staffSays("11", "Późna odpowiedź", card, "")
	out := h.drain()
	if len(to(out, user)) != 0 {
		t.Fatalf("billed reply sent without confirmation: %s", texts(out))
	}
	mustContain(t, "confirmation", texts(to(out, staff)), "płatna")
	h.staffSays("11", "!d:send:1", "", "")
	out = h.drain()
	mustContain(t, "after confirm", texts(to(out, user)), "Późna odpowiedź")
	stats, _ := h.db.Stats(h.ctx, h.clock().Format("2006-01-02"))
	if stats["desk/billed/viber"] != 1 {
		t.Errorf("billed replies not counted: %v", stats)
	}
}
