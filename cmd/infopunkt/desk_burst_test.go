package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestDeskBurst opens 50 tickets within one second. The group limit is
// scaled down in time (20 per 3 s on the fake, 18 per 3 s in the bot, the
// same ratio as Telegram's 20/min against our 18/min, and 3 sends/s per
// chat) so the test takes seconds: every card arrives, no send breaks the limit or gets a 429,
// and one user's backlogged messages merge into fewer group messages.
func TestDeskBurst(t *testing.T) {
	t.Parallel()
	lim := telegramtest.DefaultLimits()
	lim.Group = []telegramtest.Window{{Max: 20, Per: 3 * time.Second}}
	d := startDeskRunWith(t, telegramtest.Options{Limits: lim}, false, "INFOPUNKT_TELEGRAM_GROUP_RATE", "18/3s", "INFOPUNKT_TELEGRAM_CHAT_RATE", "3/1s")
	const users = 50
	base := int64(7000)
	for i := int64(0); i < users; i++ {
		d.tg.PushCommand(base+i, base+i, "/start", "en")
	}
	for i := int64(0); i < users; i++ {
		notice := d.nextText(base+i, "What we store")
		d.tg.PushCallback(base+i, base+i, notice.MessageID, "a")
	}
	for i := int64(0); i < users; i++ {
		d.nextText(base+i, "Main menu")
		d.tg.PushCommand(base+i, base+i, "/consultant", "en")
	}
	for i := int64(0); i < users; i++ {
		d.nextText(base+i, "Briefly describe")
	}
	start := time.Now()
	for i := int64(0); i < users; i++ {
		d.tg.PushMessage(base+i, base+i, fmt.Sprintf("question %d", i), "en")
	}
	// The first user keeps writing while the group's lane is backlogged.
	for j := 0; j < 6; j++ {
		d.tg.PushMessage(base, base, fmt.Sprintf("more detail %d", j), "en")
	}
	if pushed := time.Since(start); pushed > time.Second {
		t.Logf("pushing the burst took %v", pushed)
	}
	waitFor(t, "all 50 cards and the relays", 60*time.Second, func() bool {
		cards, details := 0, 0
		for _, m := range d.tg.Sent(deskGroup) {
			if strings.Contains(m.Plain, "Ticket no.") || strings.Contains(m.Plain, "Sprawa nr") {
				cards++
			}
			details += strings.Count(m.Plain, "more detail")
		}
		return cards == users && details == 6
	}, func() string { return d.dump(deskGroup) })
	groupMsgs, merged := 0, 0
	for _, m := range d.tg.Sent(deskGroup) {
		if n := strings.Count(m.Plain, "more detail"); n > 0 {
			groupMsgs++
			merged += n
		}
	}
	if groupMsgs >= 6 {
		t.Errorf("6 backlogged relays of one ticket went out as %d messages; want them merged", groupMsgs)
	}
	t.Logf("50 cards + 6 relays (as %d messages) delivered in %v", groupMsgs, time.Since(start))
	if n := count429(d.tg); n != 0 {
		t.Errorf("%d sends got 429", n)
	}
	if n := d.tg.Violations(); n != 0 {
		t.Errorf("%d sends broke the fake's limits", n)
	}
	for i := int64(0); i < users; i++ {
		if !strings.Contains(d.dumpUser(base+i), "no. ") {
			t.Errorf("user %d was not told their ticket number", i)
		}
	}
}

func (d *deskRun) dumpUser(chat int64) string {
	var b strings.Builder
	for _, m := range d.tg.Sent(chat) {
		b.WriteString(m.Plain + "\n")
	}
	return b.String()
}
