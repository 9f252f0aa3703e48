package main

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
	"github.com/infopunkt/infopunkt/content"
)

// testClock is an injected clock the test moves by hand.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time       { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Set(t time.Time)      { c.ns.Store(t.UnixNano()) }
func newTestClock(t time.Time) *testClock { c := &testClock{}; c.Set(t); return c }

// captureService installs serviceHook for one test: the service gets clock
// and is handed to the test once run() built it.
func captureService(t *testing.T, clock *testClock) <-chan *service {
	t.Helper()
	got := make(chan *service, 1)
	serviceHook = func(s *service) {
		s.now = clock.Now
		got <- s
	}
	t.Cleanup(func() { serviceHook = nil })
	return got
}

// contentWithEvents copies the shipped content to a directory with
// events.yaml replaced.
func contentWithEvents(t testing.TB, events string) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(content.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.FS(), name)
		if err != nil {
			return err
		}
		if name == "events.yaml" {
			data = []byte(events)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// realEvent is the shipped events.yaml (its categories) with one real
// (non-example) event at start instead of the examples.
func realEvent(t testing.TB, id string, start time.Time) string {
	t.Helper()
	shipped, err := fs.ReadFile(content.FS(), "events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cats, _, _ := strings.Cut(string(shipped), "\nevents:")
	return cats + `
events:
  - id: ` + id + `
    category: workshops
    title: {uk: Семінар про оренду, pl: Warsztat o najmie, ru: Семинар об аренде, en: Renting workshop}
    description: {uk: Опис, pl: Opis, ru: Описание, en: About renting}
    place: {address: "Rynek 1, Wrocław"}
    register: https://example.org/register
    dates: ["` + start.In(bot.EventZone).Format("2006-01-02 15:04") + `"]
    duration: 90m
`
}

// reminders counts the reminders (title starting with ⏰) in texts.
func countReminders(texts []string) int {
	n := 0
	for _, s := range texts {
		if strings.Contains(s, "⏰") {
			n++
		}
	}
	return n
}

func tgTexts(fake *telegramtest.Server, chat int64) []string {
	var out []string
	for _, m := range fake.Sent(chat) {
		out = append(out, m.Plain)
	}
	return out
}

func viberTexts(fake *vibertest.Server, user string) []string {
	var out []string
	for _, m := range fake.Sent(user) {
		out = append(out, m.Text)
	}
	return out
}

// TestRemindersEndToEnd runs the real run() with Telegram and Viber fakes:
// two Telegram users subscribe (menu, deep link) and a Viber user through
// the menu; the injected clock reaches each slot; everyone gets exactly one
// reminder per slot in their language, with a working stop button and a
// calendar link.
func TestRemindersEndToEnd(t *testing.T) {
	const id = "renting-workshop"
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	start = time.Date(start.Year(), start.Month(), start.Day(), 12, 0, 0, 0, bot.EventZone)
	clock := newTestClock(time.Now())
	services := captureService(t, clock)
	tg := telegramtest.New(t, telegramtest.Options{})
	vb := vibertest.New(vibertest.Config{Token: viberTestToken})
	t.Cleanup(vb.Close)
	addr := viberFreeAddr(t)
	env := telegramEnv(tg,
		"INFOPUNKT_LISTEN", addr,
		"INFOPUNKT_CONTENT", contentWithEvents(t, realEvent(t, id, start)),
		"INFOPUNKT_VIBER_TOKEN", viberTestToken,
		"INFOPUNKT_VIBER_REMINDER_CAP", "4",
		"INFOPUNKT_VIBER_API_URL", vb.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL", "http://"+addr+"/viber/hook")
	startRun(t, env, nil)
	s := <-services
	waitFor(t, "set_webhook", viberWait, func() bool { return vb.WebhookURL() != "" })
	ctx := t.Context()
	subscribed := func(chat bot.ChatKey) bool {
		st, _, err := s.db.State(ctx, chat)
		return err == nil && slices.Contains(st.Subs, bot.EventTarget(id))
	}
	tgPress := func(chat int64, data string) {
		sent := tg.Sent(chat)
		tg.PushCallback(chat, chat, sent[len(sent)-1].MessageID, data)
	}
	tgWait := func(chat int64, n int) {
		waitFor(t, "telegram replies", viberWait, func() bool { return len(tg.Sent(chat)) >= n })
	}

	// Telegram, Ukrainian: the main menu's Events button, then Remind me.
	ua, en := int64(501), int64(502)
	tg.PushCommand(ua, ua, "/start", "uk")
	tgWait(ua, 1)
	tgPress(ua, "a")
	tgWait(ua, 2)
	tgPress(ua, "ev")
	waitFor(t, "events list", viberWait, func() bool {
		m := tg.Sent(ua)
		return strings.Contains(m[len(m)-1].Plain, "Семінар про оренду")
	})
	tgPress(ua, "er:"+id)
	waitFor(t, "uk subscribed", viberWait, func() bool { return subscribed(bot.NewChatKey(bot.Telegram, "501")) })

	// Telegram, English: a poster's deep link, through the privacy notice.
	tg.PushCommand(en, en, "/start event_"+id, "en")
	tgWait(en, 1)
	tgPress(en, "a:event_"+id)
	waitFor(t, "en subscribed", viberWait, func() bool { return subscribed(bot.NewChatKey(bot.Telegram, "502")) })

	// Viber, Polish: the menu; the subscribe step says reminders are opt-in.
	pl := "vPL0user=="
	if _, _, err := vb.ConversationStarted(ctx, pl, "pl"); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{"a", "ev", "er:" + id} {
		if _, err := vb.PressButton(ctx, pl, viber.ButtonPrefix+data); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "pl subscribed", viberWait, func() bool { return subscribed(bot.NewChatKey(bot.Viber, pl)) })
	waitFor(t, "viber opt-in note", viberWait, func() bool {
		return slices.ContainsFunc(viberTexts(vb, pl), func(s string) bool { return strings.Contains(s, "W Viberze przypomnienia") })
	})

	// The day-before slot.
	clock.Set(start.Add(-24*time.Hour + 30*time.Second))
	res, err := s.reminders.Pass(ctx)
	if err != nil || res.Queued != 3 {
		t.Fatalf("first slot: %+v, %v; want 3 queued", res, err)
	}
	for range 2 { // a repeated pass, and one a minute later, queue nothing
		if res, err := s.reminders.Pass(ctx); err != nil || res.Queued != 0 {
			t.Fatalf("repeated pass: %+v, %v", res, err)
		}
		clock.Set(clock.Now().Add(time.Minute))
	}
	waitFor(t, "first reminders", viberWait, func() bool {
		return countReminders(tgTexts(tg, ua)) == 1 && countReminders(tgTexts(tg, en)) == 1 && countReminders(viberTexts(vb, pl)) == 1
	}, func() string {
		return strings.Join(tgTexts(tg, ua), "\n---\n") + "\n===\n" + strings.Join(tgTexts(tg, en), "\n---\n") + "\n===\n" + strings.Join(viberTexts(vb, pl), "\n---\n")
	})
	checkTelegramReminder(t, tg, ua, "Нагадування", id)
	cal := checkTelegramReminder(t, tg, en, "Reminder", id)
	checkViberReminder(t, vb, pl, "Przypomnienie", id)
	checkCalendar(t, cal, id)

	// Ukrainian stops; the two-hour slot reaches the other two only.
	tgPress(ua, "ex:"+id)
	waitFor(t, "uk unsubscribed", viberWait, func() bool { return !subscribed(bot.NewChatKey(bot.Telegram, "501")) })
	clock.Set(start.Add(-2*time.Hour + 30*time.Second))
	if res, err := s.reminders.Pass(ctx); err != nil || res.Queued != 2 {
		t.Fatalf("second slot: %+v, %v; want 2 queued", res, err)
	}
	waitFor(t, "second reminders", viberWait, func() bool {
		return countReminders(tgTexts(tg, en)) == 2 && countReminders(viberTexts(vb, pl)) == 2
	})
	if n := countReminders(tgTexts(tg, ua)); n != 1 {
		t.Errorf("the user who stopped got %d reminders, want 1", n)
	}
	day := time.Now().In(s.loc).Format("2006-01-02") // the store counts by its own (real) clock
	counts, err := reminderCounts(ctx, s.db, day)
	if err != nil || counts.Unsubscribed != 1 || counts.Queued != 5 || counts.Sent < 3 {
		t.Errorf("counts %+v, %v; want 1 unsubscribe, 5 queued, at least 3 sent", counts, err)
	}
}

// checkTelegramReminder finds chat's latest reminder, checks its language,
// the stop button and the calendar link, and returns the link.
func checkTelegramReminder(t *testing.T, fake *telegramtest.Server, chat int64, word, id string) string {
	t.Helper()
	for _, m := range slices.Backward(fake.Sent(chat)) {
		if !strings.Contains(m.Plain, "⏰") {
			continue
		}
		if !strings.Contains(m.Plain, word) {
			t.Errorf("chat %d reminder not in its language: %q", chat, m.Plain)
		}
		var stop bool
		var cal string
		for _, row := range m.Keyboard {
			for _, b := range row {
				stop = stop || b.CallbackData == "ex:"+id
				if strings.Contains(b.URL, "/calendar/") {
					cal = b.URL
				}
			}
		}
		if !stop || cal == "" {
			t.Errorf("chat %d reminder lacks the stop button or calendar link: %+v", chat, m.Keyboard)
		}
		return cal
	}
	t.Fatalf("chat %d: no reminder", chat)
	return ""
}

func checkViberReminder(t *testing.T, fake *vibertest.Server, user, word, id string) {
	t.Helper()
	for _, m := range slices.Backward(fake.Sent(user)) {
		if !strings.Contains(m.Text, "⏰") {
			continue
		}
		if !strings.Contains(m.Text, word) || m.Keyboard == nil {
			t.Fatalf("viber reminder: %q", m.Text)
		}
		var stop, cal bool
		for _, b := range m.Keyboard.Buttons {
			stop = stop || b.ActionBody == viber.ButtonPrefix+"ex:"+id
			cal = cal || strings.Contains(b.ActionBody, "/calendar/")
		}
		if !stop || !cal {
			t.Errorf("viber reminder lacks the stop button or calendar link: %+v", m.Keyboard.Buttons)
		}
		return
	}
	t.Fatal("viber: no reminder")
}

// checkCalendar fetches the .ics link and checks it is one RFC 5545 event
// with a stable UID.
func checkCalendar(t *testing.T, link, id string) {
	t.Helper()
	get := func() string {
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("GET %s: %d %s", link, res.StatusCode, res.Header.Get("Content-Type"))
		}
		return string(body)
	}
	a, b := get(), get()
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "BEGIN:VEVENT\r\n", "UID:" + id + "-", "DTSTART:", "END:VCALENDAR\r\n"} {
		if !strings.Contains(a, want) {
			t.Errorf("calendar lacks %q:\n%s", want, a)
		}
	}
	uid := func(s string) string {
		_, rest, _ := strings.Cut(s, "UID:")
		u, _, _ := strings.Cut(rest, "\r\n")
		return u
	}
	if uid(a) != uid(b) {
		t.Errorf("UID changed between downloads: %q, %q", uid(a), uid(b))
	}
}
