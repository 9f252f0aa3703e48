package viber_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

func TestSendKeyboardShape(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	r := bot.Reply{Chat: "viber:u1", Title: "Praca", Text: "Jak znaleźć pracę?",
		Links: []bot.Link{{Label: "Urząd", URL: "https://up.wroclaw.pl"}},
		Buttons: [][]bot.Button{
			{{Label: "Umowa <B2B> & ZUS", Data: "n:work/b2b"}},
			{{Label: "◀ Back", Data: "back"}, {Label: "☰ Menu", Data: "menu"}},
			{{Label: "1", Data: "1"}, {Label: "2", Data: "2"}, {Label: "3", Data: "3"}},
			{{Label: "a", Data: "a"}, {Label: "b", Data: "b"}, {Label: "c", Data: "c"}, {Label: "d", Data: "d"}},
			{{Label: "Strona", URL: "https://infopunkt.example/praca"}, {Label: "nothing"}},
		}}
	if err := errOf(e.a.Send(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent("u1")
	if len(sent) != 1 {
		t.Fatalf("%d messages", len(sent))
	}
	m := sent[0]
	if m.Text != "Praca\n\nJak znaleźć pracę?\n\nUrząd: https://up.wroclaw.pl" || m.MinAPIVersion != 7 || m.Sender.Name != "Infopunkt" {
		t.Errorf("message = %+v", m)
	}
	var raw struct {
		Keyboard map[string]json.RawMessage `json:"keyboard"`
	}
	if err := json.Unmarshal(m.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw.Keyboard["Type"]) != `"keyboard"` || string(raw.Keyboard["DefaultHeight"]) != "false" ||
		string(raw.Keyboard["BgColor"]) != `"#FFFFFF"` {
		t.Errorf("keyboard header = %v", raw.Keyboard)
	}
	var cols []string
	for _, b := range m.Keyboard.Buttons {
		cols = append(cols, fmt.Sprint(b.Columns))
		if b.Rows != 1 || b.TextSize != "regular" || b.BgColor == "" {
			t.Errorf("button %+v", b)
		}
	}
	if got := strings.Join(cols, ","); got != "6,3,3,2,2,2,3,3,3,3,6" {
		t.Errorf("columns = %s", got)
	}
	b := m.Keyboard.Buttons
	if b[0].ActionType != "reply" || b[0].ActionBody != "btn:n:work/b2b" || b[0].Text != "Umowa &lt;B2B&gt; &amp; ZUS" || !b[0].Silent {
		t.Errorf("reply button = %+v", b[0])
	}
	if last := b[len(b)-1]; last.ActionType != "open-url" || last.ActionBody != "https://infopunkt.example/praca" {
		t.Errorf("url button = %+v", last)
	}
}

func TestSendSplits(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	para := strings.TrimSpace(strings.Repeat("Słowo ", 199)) // 1193 characters
	var paras []string
	for range 15 {
		paras = append(paras, para)
	}
	text := strings.Join(paras, "\n\n")
	r := bot.Reply{Chat: "viber:u1", Text: text, Buttons: [][]bot.Button{{{Label: "Menu", Data: "menu"}}}}
	if err := errOf(e.a.Send(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent("u1")
	if len(sent) != 3 {
		t.Fatalf("%d parts, want 3", len(sent))
	}
	var got []string
	for i, m := range sent {
		if n := len([]rune(m.Text)); n > viber.MaxTextLength {
			t.Errorf("part %d has %d characters", i, n)
		}
		if (m.Keyboard != nil) != (i == len(sent)-1) {
			t.Errorf("part %d: keyboard %v", i, m.Keyboard != nil)
		}
		got = append(got, m.Text)
	}
	if strings.Join(got, "\n\n") != text {
		t.Error("parts do not join back to the text at paragraph breaks")
	}

	// Emoji count twice in UTF-16: 6000 runes are 12000 code units.
	e.fake.SetSubscribed("u2", true)
	if err := errOf(e.a.Send(t.Context(), bot.Reply{Chat: "viber:u2", Text: strings.Repeat("🙂 ", 3000)})); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Sent("u2")); n < 2 {
		t.Errorf("emoji text sent in %d parts", n)
	}
}

// TestSendResumesPartial: part 2 of 3 fails; the outbox's retry of the same
// reply sends parts 2 and 3 only.
func TestSendResumesPartial(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	var words []string
	for i := range 2000 {
		words = append(words, fmt.Sprintf("word%04d", i))
	}
	r := bot.Reply{Chat: "viber:u1", Text: strings.Join(words, " ")}
	e.fake.InjectFaultAfter("send_message", 1, vibertest.FaultHTTP500)
	if se := mustSendErr(t, errOf(e.a.Send(t.Context(), r))); se.Kind != bot.SendRetry {
		t.Fatalf("kind %d", se.Kind)
	}
	if err := errOf(e.a.Send(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent("u1")
	var got []string
	for _, m := range sent {
		got = append(got, m.Text)
	}
	if len(sent) != 3 || strings.Join(got, " ") != r.Text {
		t.Errorf("sent %d parts, want 3 that join back to the text", len(sent))
	}
}

func TestSendErrorsFromFake(t *testing.T) {
	e := newEnv(t, func(c *viber.Config) { c.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} })
	e.fake.SetSubscribed("u1", true)
	r := bot.Reply{Chat: "viber:u1", Text: "hello"}
	tests := []struct {
		fault      vibertest.Fault
		kind       bot.SendErrorKind
		retryAfter time.Duration
	}{
		{vibertest.FaultTooManyRequests, bot.SendRateLimited, time.Minute},
		{vibertest.FaultTooManyRequests, bot.SendRateLimited, 2 * time.Minute},
		{vibertest.FaultTooManyRequests, bot.SendRateLimited, 4 * time.Minute},
		{vibertest.FaultHTTP500, bot.SendRetry, 0},
		{vibertest.FaultReset, bot.SendRetry, 0},
		{vibertest.FaultHang, bot.SendRetry, 0},
	}
	for i, tt := range tests {
		e.fake.InjectFault("send_message", tt.fault, 1)
		se := mustSendErr(t, errOf(e.a.Send(t.Context(), r)))
		if se.Kind != tt.kind || se.RetryAfter != tt.retryAfter || se.Global {
			t.Errorf("%d (fault %d): %+v", i, tt.fault, se)
		}
	}
	if err := errOf(e.a.Send(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	// Success resets the back-off.
	e.fake.InjectFault("send_message", vibertest.FaultTooManyRequests, 1)
	if se := mustSendErr(t, errOf(e.a.Send(t.Context(), r))); se.RetryAfter != time.Minute {
		t.Errorf("after success: RetryAfter %v", se.RetryAfter)
	}
	e.fake.SetSubscribed("u1", false)
	if se := mustSendErr(t, errOf(e.a.Send(t.Context(), r))); se.Kind != bot.SendBlocked {
		t.Errorf("unsubscribed: %+v", se)
	}
	if se := mustSendErr(t, errOf(e.a.Send(t.Context(), bot.Reply{Chat: "telegram:1", Text: "x"}))); se.Kind != bot.SendPermanent {
		t.Errorf("wrong channel: %+v", se)
	}
}

func TestSendStatusMapping(t *testing.T) {
	want := map[viber.Status]bot.SendErrorKind{
		viber.StatusInvalidURL:               bot.SendPermanent,
		viber.StatusInvalidAuthToken:         bot.SendRateLimited, // Global
		viber.StatusBadData:                  bot.SendPermanent,
		viber.StatusMissingData:              bot.SendPermanent,
		viber.StatusReceiverNotRegistered:    bot.SendBlocked,
		viber.StatusReceiverNotSubscribed:    bot.SendBlocked,
		viber.StatusPublicAccountBlocked:     bot.SendRateLimited, // Global
		viber.StatusPublicAccountNotFound:    bot.SendRateLimited, // Global
		viber.StatusPublicAccountSuspended:   bot.SendRateLimited, // Global
		viber.StatusWebhookNotSet:            bot.SendRateLimited, // Global
		viber.StatusReceiverNoSuitableDevice: bot.SendBlocked,
		viber.StatusTooManyRequests:          bot.SendRateLimited,
		viber.StatusAPIVersionNotSupported:   bot.SendPermanent,
		viber.Status(99):                     bot.SendRetry,
	}
	for s, kind := range want {
		t.Run(s.String(), func(t *testing.T) {
			a, err := viber.New(viber.Config{Token: "t", APIURL: statusServer(t, int(s)).URL}, nil, &recorder{})
			if err != nil {
				t.Fatal(err)
			}
			se := mustSendErr(t, errOf(a.Send(t.Context(), bot.Reply{Chat: "viber:u", Text: "x"})))
			global := kind == bot.SendRateLimited && s != viber.StatusTooManyRequests
			if se.Kind != kind || se.Global != global || se.Reason != "viber_"+s.String() || !viber.IsStatus(se, s) {
				t.Errorf("got %+v", se)
			}
			if kind == bot.SendRateLimited && se.RetryAfter <= 0 {
				t.Errorf("no RetryAfter: %+v", se)
			}
		})
	}
}

// TestSendOldClientFallback: apiVersionNotSupported for a keyboard message
// resends the text without it.
func TestSendOldClientFallback(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
		if m["keyboard"] != nil {
			fmt.Fprint(w, `{"status":13,"status_message":"apiVersionNotSupported"}`)
			return
		}
		fmt.Fprint(w, `{"status":0,"message_token":9007199254740993}`)
	}))
	defer srv.Close()
	a, _ := viber.New(viber.Config{Token: "t", APIURL: srv.URL}, nil, &recorder{})
	r := bot.Reply{Chat: "viber:u", Text: "x", Buttons: [][]bot.Button{{{Label: "Menu", Data: "menu"}}}}
	if err := errOf(a.Send(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[1]["min_api_version"] != nil {
		t.Errorf("requests: %v", bodies)
	}
}

// TestSendUserHourlyCap: after 100 messages without a reply the adapter
// stops before Viber would refuse; the user writing resets the count.
func TestSendUserHourlyCap(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	if _, err := e.fake.SendText(ctx, "u1", "hi"); err != nil {
		t.Fatal(err)
	}
	r := bot.Reply{Chat: "viber:u1", Text: "answer"}
	for i := range 100 {
		if err := errOf(e.a.Send(ctx, r)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		e.clock.Advance(time.Second)
	}
	calls := countCalls(e.fake, "send_message")
	se := mustSendErr(t, errOf(e.a.Send(ctx, r)))
	if se.Kind != bot.SendRateLimited || se.Global || se.Reason != "viber_user_hourly_cap" ||
		se.RetryAfter != time.Hour-100*time.Second {
		t.Errorf("101st: %+v", se)
	}
	if countCalls(e.fake, "send_message") != calls {
		t.Error("the 101st message reached Viber")
	}
	e.clock.Advance(time.Hour - 100*time.Second)
	if err := errOf(e.a.Send(ctx, r)); err != nil {
		t.Errorf("after the window freed: %v", err)
	}
	if err := errOf(e.a.Send(ctx, r)); err == nil {
		t.Error("the window should hold one slot only")
	}
	if _, err := e.fake.SendText(ctx, "u1", "thanks"); err != nil {
		t.Fatal(err)
	}
	if err := errOf(e.a.Send(ctx, r)); err != nil {
		t.Errorf("after the user wrote: %v", err)
	}
}

// TestFakeEnforcesHourlyCap: with the adapter's own cap set higher, Viber's
// status 12 comes back as SendRateLimited.
func TestFakeEnforcesHourlyCap(t *testing.T) {
	e := newEnv(t, func(c *viber.Config) { c.UserHourlyCap = 1000 })
	e.fake.SetSubscribed("u1", true)
	r := bot.Reply{Chat: "viber:u1", Text: "x"}
	for range vibertest.UserHourlyCap {
		if err := errOf(e.a.Send(t.Context(), r)); err != nil {
			t.Fatal(err)
		}
	}
	if se := mustSendErr(t, errOf(e.a.Send(t.Context(), r))); se.Kind != bot.SendRateLimited || se.Reason != "viber_tooManyRequests" {
		t.Errorf("got %+v", se)
	}
}

func TestSendReminderCap(t *testing.T) {
	e := newEnv(t, nil) // MonthlyReminderCap 2
	e.fake.SetSubscribed("u1", true)
	ctx := t.Context()
	r := bot.Reply{Chat: "viber:u1", Kind: bot.ReplyReminder, Text: "Konsultacje jutro o 10:00"}
	key := "viber/reminders/2026-03/viber:u1"

	e.fake.InjectFault("send_message", vibertest.FaultHTTP500, 1)
	if se := mustSendErr(t, errOf(e.a.Send(ctx, r))); se.Kind != bot.SendRetry || e.meta.Get(key) != "0" {
		t.Errorf("failed reminder: %+v, count %q (want refunded)", se, e.meta.Get(key))
	}
	for i := range 2 {
		if err := errOf(e.a.Send(ctx, r)); err != nil {
			t.Fatalf("reminder %d: %v", i, err)
		}
	}
	calls := countCalls(e.fake, "send_message")
	se := mustSendErr(t, errOf(e.a.Send(ctx, r)))
	if se.Kind != bot.SendPermanent || se.Reason != "viber_reminder_cap" || countCalls(e.fake, "send_message") != calls {
		t.Errorf("third reminder: %+v", se)
	}
	if got := e.meta.Get(key); got != "2" {
		t.Errorf("count = %q", got)
	}
	// Answers are not capped; a new month starts over.
	if err := errOf(e.a.Send(ctx, bot.Reply{Chat: "viber:u1", Text: "answer"})); err != nil {
		t.Error(err)
	}
	e.clock.Advance(18 * 24 * time.Hour)
	if err := errOf(e.a.Send(ctx, r)); err != nil {
		t.Errorf("April: %v", err)
	}

	// Cap 0: reminders are off on Viber.
	off := newEnv(t, func(c *viber.Config) { c.MonthlyReminderCap = 0 })
	off.fake.SetSubscribed("u1", true)
	if se := mustSendErr(t, errOf(off.a.Send(ctx, r))); se.Kind != bot.SendPermanent || se.Reason != "viber_reminder_cap" {
		t.Errorf("cap 0: %+v", se)
	}
	// A broken meta store retries rather than over-sending.
	e.meta.err = errors.New("disk")
	if se := mustSendErr(t, errOf(e.a.Send(ctx, r))); se.Kind != bot.SendRetry {
		t.Errorf("meta error: %+v", se)
	}
}

// TestSendConcurrentChats runs many chats at once under -race, with random
// faults from a seeded fake.
func TestSendConcurrentChats(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.RandomFaults(0.2, vibertest.FaultTooManyRequests, vibertest.FaultHTTP500, vibertest.FaultReset)
	var wg sync.WaitGroup
	for i := range 20 {
		id := fmt.Sprintf("c%d", i)
		e.fake.SetSubscribed(id, true)
		wg.Go(func() {
			for range 10 {
				err := errOf(e.a.Send(t.Context(), bot.Reply{Chat: bot.NewChatKey(bot.Viber, id), Text: "x"}))
				var se *bot.SendError
				if err != nil && (!errors.As(err, &se) || (se.Kind != bot.SendRetry && se.Kind != bot.SendRateLimited)) {
					t.Errorf("%s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestUserActivityLiftsTheHold: when a user the adapter was holding back
// writes again, OnUserActive tells the outbox to lift the chat's pause;
// ordinary users writing do not trigger it.
func TestUserActivityLiftsTheHold(t *testing.T) {
	var mu sync.Mutex
	var resumed []bot.ChatKey
	e := newEnv(t, func(c *viber.Config) {
		c.UserHourlyCap = 2
		c.OnUserActive = func(k bot.ChatKey) { mu.Lock(); resumed = append(resumed, k); mu.Unlock() }
	})
	ctx := t.Context()
	for _, u := range []string{"u1", "u2"} {
		if _, err := e.fake.SendText(ctx, u, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	r := bot.Reply{Chat: "viber:u1", Text: "answer"}
	for range 2 {
		if err := errOf(e.a.Send(ctx, r)); err != nil {
			t.Fatal(err)
		}
	}
	if se := mustSendErr(t, errOf(e.a.Send(ctx, r))); se.Kind != bot.SendRateLimited {
		t.Fatalf("third send: %+v, want rate limited", se)
	}
	for _, u := range []string{"u1", "u2"} {
		if _, err := e.fake.SendText(ctx, u, "still there?"); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(resumed) != 1 || resumed[0] != "viber:u1" {
		t.Fatalf("OnUserActive for %q, want only viber:u1", resumed)
	}
}
