package telegram_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

var ctx = context.Background()

func menu() [][]bot.Button {
	return [][]bot.Button{{{Label: "PESEL", Data: "n:pesel"}, {Label: "Site", URL: "https://migrant.info.pl"}}}
}

func TestSendEscapesHTML(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	err := errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:7", Title: "Karta pobytu", Text: "Use <b>& bring photos",
		Links: []bot.Link{{Label: "Urząd", URL: "https://duw.pl/?a=1&b=2"}}, Buttons: menu()}))
	if err != nil {
		t.Fatal(err)
	}
	sent := f.srv.Sent(7)
	if len(sent) != 1 {
		t.Fatalf("%d messages", len(sent))
	}
	m := sent[0]
	if m.Plain != "Karta pobytu\n\nUse <b>& bring photos\n\nUrząd" || m.ParseMode != "HTML" {
		t.Fatalf("plain %q mode %q", m.Plain, m.ParseMode)
	}
	if !strings.Contains(m.Text, "Use &lt;b&gt;&amp; bring") || !strings.Contains(m.Text, `href="https://duw.pl/?a=1&amp;b=2"`) {
		t.Fatalf("html %q", m.Text)
	}
	want := [][]telegramtest.InlineButton{{{Text: "PESEL", CallbackData: "n:pesel"}, {Text: "Site", URL: "https://migrant.info.pl"}}}
	if len(m.Keyboard) != 1 || m.Keyboard[0][0] != want[0][0] || m.Keyboard[0][1] != want[0][1] {
		t.Fatalf("keyboard %+v", m.Keyboard)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	f := newFixture(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}}, nil)
	word := "żółć "
	text := strings.TrimSpace(strings.Repeat(word, 2000)) // 10,000 characters
	if err := errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:8", Text: text, Buttons: menu()})); err != nil {
		t.Fatal(err)
	}
	sent := f.srv.Sent(8)
	if len(sent) != 3 {
		t.Fatalf("%d parts, want 3", len(sent))
	}
	var words []string
	for i, m := range sent {
		if n := len(utf16.Encode([]rune(m.Plain))); n > 4096 {
			t.Errorf("part %d has %d units", i, n)
		}
		if (m.Keyboard != nil) != (i == len(sent)-1) {
			t.Errorf("part %d keyboard %v", i, m.Keyboard)
		}
		words = append(words, strings.Fields(m.Plain)...)
	}
	if strings.Join(words, " ") != text {
		t.Error("words were cut or lost")
	}
}

func TestSendEditInPlace(t *testing.T) {
	f := newFixture(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}}, nil)
	r := bot.Reply{Chat: "telegram:9", Text: "Main menu", Buttons: menu()}
	if err := errOf(f.a.Send(ctx, r)); err != nil {
		t.Fatal(err)
	}
	r.Text, r.EditRef = "PESEL: bring your passport", "1"
	if err := errOf(f.a.Send(ctx, r)); err != nil {
		t.Fatal(err)
	}
	if err := errOf(f.a.Send(ctx, r)); err != nil { // same content: "message is not modified"
		t.Fatalf("not modified: %v", err)
	}
	sent := f.srv.Sent(9)
	if len(sent) != 1 || sent[0].Plain != r.Text || sent[0].Edits != 1 || sent[0].Keyboard == nil {
		t.Fatalf("sent %+v", sent)
	}
	r.EditRef = "999" // gone: falls back to a new message
	if err := errOf(f.a.Send(ctx, r)); err != nil {
		t.Fatal(err)
	}
	f.srv.PushMessage(9, 9, "typed by the user", "") // message 3
	r.EditRef, r.Text = "3", "other"
	if err := errOf(f.a.Send(ctx, r)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Sent(9)); n != 3 {
		t.Fatalf("%d messages after fallbacks, want 3", n)
	}
}

func TestSendToTopic(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	resp, err := httpPostForm(f.srv, "createForumTopic", url.Values{"chat_id": {"-1005"}, "name": {"Ticket 1"}})
	if err != nil || !strings.Contains(resp, `"message_thread_id":1,`) {
		t.Fatalf("createForumTopic: %v %s", err, resp)
	}
	if err := errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:-1005", Thread: "1", Kind: bot.ReplyStaff, Text: "new ticket"})); err != nil {
		t.Fatal(err)
	}
	if s := f.srv.Sent(-1005); len(s) != 1 || s[0].ThreadID != 1 {
		t.Fatalf("sent %+v", s)
	}
	err = errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:-1005", Thread: "555", Text: "x"}))
	assertSendError(t, err, bot.SendPermanent, "tg_400_thread_not_found")
}

func TestSendErrors(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) {
		c.HTTPClient.Timeout = 300 * time.Millisecond
	})
	tests := []struct {
		name   string
		fault  telegramtest.FaultKind
		block  bool
		reply  bot.Reply
		kind   bot.SendErrorKind
		reason string
	}{
		{name: "429", fault: telegramtest.Fault429, kind: bot.SendRateLimited, reason: "tg_429"},
		{name: "500", fault: telegramtest.Fault500, kind: bot.SendRetry, reason: "tg_500"},
		{name: "502 html", fault: telegramtest.Fault502, kind: bot.SendRetry},
		{name: "reset", fault: telegramtest.FaultReset, kind: bot.SendRetry, reason: "tg_network"},
		{name: "hang", fault: telegramtest.FaultHang, kind: bot.SendRetry, reason: "tg_timeout"},
		{name: "blocked", block: true, kind: bot.SendBlocked, reason: "tg_403_blocked"},
		{name: "bad chat", reply: bot.Reply{Chat: "viber:abc", Text: "x"}, kind: bot.SendPermanent, reason: "tg_bad_chat"},
		{name: "empty", reply: bot.Reply{Chat: "telegram:11"}, kind: bot.SendPermanent, reason: "tg_empty_text"},
		{name: "400 bad url button", reply: bot.Reply{Chat: "telegram:11", Text: "x",
			Buttons: [][]bot.Button{{{Label: "x", URL: "javascript:alert(1)"}}}}, kind: bot.SendPermanent, reason: "tg_400_button_url_invalid"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.reply
			if r.Chat == "" {
				r = bot.Reply{Chat: bot.NewChatKey(bot.Telegram, itoa(100+i)), Text: "hello"}
			}
			if tt.fault != telegramtest.FaultNone {
				f.srv.InjectNext("sendMessage", telegramtest.Fault{Kind: tt.fault, RetryAfter: 2})
			}
			if tt.block {
				f.srv.BlockUser(int64(100 + i))
			}
			err := errOf(f.a.Send(ctx, r))
			se := assertSendError(t, err, tt.kind, tt.reason)
			if tt.kind == bot.SendRateLimited && (se.RetryAfter != 2*time.Second || se.Global) {
				t.Errorf("retry after %v global %v", se.RetryAfter, se.Global)
			}
		})
	}
}

func TestSendRateLimitRealViolation(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	f := newFixture(t, telegramtest.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}, nil)
	var err error
	for range 4 {
		if err = errOf(f.a.Send(ctx, bot.Reply{Chat: "telegram:12", Text: "x"})); err != nil {
			break
		}
	}
	se := assertSendError(t, err, bot.SendRateLimited, "tg_429")
	if se.RetryAfter != time.Second || f.srv.Violations() != 1 || f.srv.EarlyRetries() != 0 {
		t.Fatalf("retry %v violations %d early %d", se.RetryAfter, f.srv.Violations(), f.srv.EarlyRetries())
	}
}

func TestSetCommands(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	cmds := map[string][]telegram.Command{}
	for _, l := range []string{"uk", "pl", "ru", "en"} {
		cmds[l] = []telegram.Command{{Name: "/start", Description: "start " + l}, {Name: "help", Description: "help " + l}}
	}
	if err := f.a.SetCommands(ctx, cmds); err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Calls("setMyCommands")); n != 5 {
		t.Fatalf("%d setMyCommands calls, want 5", n)
	}
	for _, l := range []string{"uk", "pl", "ru", "en", ""} {
		want := "start " + l
		if l == "" {
			want = "start en"
		}
		if got := f.srv.Commands(l); len(got) != 2 || got[0].Command != "start" || got[0].Description != want {
			t.Errorf("lang %q: %+v", l, got)
		}
	}
	err := f.a.SetCommands(ctx, map[string][]telegram.Command{"uk": {{Name: "Bad-Name", Description: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "uk") {
		t.Fatalf("invalid command: %v", err)
	}
}

func assertSendError(t *testing.T, err error, kind bot.SendErrorKind, reason string) *bot.SendError {
	t.Helper()
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *bot.SendError", err, err)
	}
	if se.Kind != kind || (reason != "" && se.Reason != reason) {
		t.Fatalf("got kind %d reason %q, want %d %q (%v)", se.Kind, se.Reason, kind, reason, err)
	}
	return se
}

func TestTopics(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	desk := bot.ChatKey("telegram:-1007")
	thread, err := f.a.CreateTopic(ctx, desk, "Ticket #12 "+strings.Repeat("x", 200))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.srv.Calls("createForumTopic")[0].Params["name"]; len([]rune(got)) != 128 {
		t.Errorf("name of %d runes", len([]rune(got)))
	}
	tid, _ := strconv.Atoi(thread)
	for _, step := range []struct {
		do   func(context.Context, bot.ChatKey, string) error
		open bool
	}{{f.a.CloseTopic, false}, {f.a.CloseTopic, false}, {f.a.ReopenTopic, true}} {
		if err := step.do(ctx, desk, thread); err != nil {
			t.Fatal(err)
		}
		if f.srv.TopicOpen(-1007, tid) != step.open {
			t.Fatalf("topic open = %v", !step.open)
		}
	}
	if _, err := f.a.CreateTopic(ctx, "viber:x", "n"); err == nil {
		t.Error("non-telegram chat accepted")
	}
}

// TestErrorsNeverCarryTheToken: the token is part of every Bot API URL and
// net/http puts the URL into transport errors, which end up in logs.
func TestErrorsNeverCarryTheToken(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	f.srv.InjectNext("sendMessage", telegramtest.Fault{Kind: telegramtest.FaultReset})
	err := errOf(f.a.Send(context.Background(), bot.Reply{Chat: "telegram:5", Text: "hi"}))
	if err == nil {
		t.Fatal("a reset connection did not fail the send")
	}
	if strings.Contains(err.Error(), f.srv.Token()) {
		t.Fatalf("the error leaks the token: %v", err)
	}
}

func TestSendReportsMessageIDs(t *testing.T) {
	f := newFixture(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}}, nil)
	text := strings.TrimSpace(strings.Repeat("słowo ", 1500)) // several parts
	rc, err := f.a.Send(ctx, bot.Reply{Chat: "telegram:9", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.srv.Sent(9)
	if len(sent) < 2 || len(rc.Refs) != len(sent) {
		t.Fatalf("%d messages, refs %v", len(sent), rc.Refs)
	}
	for i, m := range sent {
		if rc.Refs[i] != strconv.Itoa(m.MessageID) {
			t.Errorf("ref %d = %s, message id %d", i, rc.Refs[i], m.MessageID)
		}
	}
}

// TestSendResumesASplitReply: when a later part of a split text fails,
// the outbox's retry of the same reply sends only the missing parts, and
// the receipt still names every message.
func TestSendResumesASplitReply(t *testing.T) {
	f := newFixture(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}}, nil)
	text := strings.TrimSpace(strings.Repeat("żółć ", 2000)) // 3 parts
	r := bot.Reply{Chat: "telegram:8", Text: text, Buttons: menu()}
	f.srv.InjectNext("sendMessage", telegramtest.Fault{})
	f.srv.InjectNext("sendMessage", telegramtest.Fault{Kind: telegramtest.Fault500})
	if _, err := f.a.Send(ctx, r); err == nil {
		t.Fatal("the injected 500 did not fail the send")
	}
	if n := len(f.srv.Sent(8)); n != 1 {
		t.Fatalf("%d parts delivered before the failure, want 1", n)
	}
	rc, err := f.a.Send(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.srv.Sent(8)
	if len(sent) != 3 {
		t.Fatalf("%d messages in all, want the 3 parts once each", len(sent))
	}
	if len(rc.Refs) != 3 || rc.Refs[0] != strconv.Itoa(sent[0].MessageID) || rc.Refs[2] != strconv.Itoa(sent[2].MessageID) {
		t.Errorf("refs %v for messages %d..%d", rc.Refs, sent[0].MessageID, sent[2].MessageID)
	}
	if sent[2].Keyboard == nil || sent[1].Keyboard != nil {
		t.Error("the keyboard is not on the last part only")
	}
	// A new reply with the same text starts from the first part again.
	if _, err := f.a.Send(ctx, r); err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Sent(8)); n != 6 {
		t.Errorf("%d messages after sending the reply again, want 6", n)
	}
}
