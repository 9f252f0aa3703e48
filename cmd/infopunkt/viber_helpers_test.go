package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
	"github.com/infopunkt/infopunkt/faq"
)

// viberTestToken is the fake bot's auth token; it also keys the signatures.
const viberTestToken = "445566aabbccdd-e2e-viber-token"

// viberWait bounds every wait for an asynchronous effect (a send through
// the outbox, set_webhook). Generous for -race on a loaded machine; a
// passing run waits milliseconds.
const viberWait = 10 * time.Second

// viberBot is one `infopunkt run` with only Viber on, wired to a fake Viber.
type viberBot struct {
	fake *vibertest.Server
	run  *instance
	hook string // the webhook URL run() registered
	http *http.Client
}

// startViberBot starts the fake Viber and the real run() against it, and
// waits until set_webhook has succeeded (the fake verified the URL with a
// signed "webhook" callback). Both stop when the test ends.
func startViberBot(t testing.TB) *viberBot {
	t.Helper()
	fake := vibertest.New(vibertest.Config{Token: viberTestToken})
	t.Cleanup(fake.Close) // registered first, so it runs after run() stopped
	addr := viberFreeAddr(t)
	hook := "http://" + addr + "/viber/hook"
	in := startRun(t, map[string]string{
		"INFOPUNKT_LISTEN":            addr,
		"INFOPUNKT_VIBER_TOKEN":       viberTestToken,
		"INFOPUNKT_VIBER_API_URL":     fake.URL(),
		"INFOPUNKT_VIBER_WEBHOOK_URL": hook,
	}, nil)
	waitFor(t, "set_webhook", viberWait, func() bool { return fake.WebhookURL() == hook })
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return &viberBot{fake: fake, run: in, hook: hook, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// viberFreeAddr returns a loopback address with a port free a moment ago:
// the webhook URL has to be known before run() starts listening.
func viberFreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// viberChat is the store's key for a Viber user.
func viberChat(user string) bot.ChatKey { return bot.NewChatKey(bot.Viber, user) }

// sent is how many messages the fake accepted for user so far.
func (v *viberBot) sent(user string) int { return len(v.fake.Sent(user)) }

// expect waits until user has received n messages in total and returns the
// ones after the first `after`.
func (v *viberBot) expect(t testing.TB, user string, after, n int) []vibertest.Message {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d messages to %s (had %d)", n, user, after), viberWait, func() bool { return v.sent(user) >= n })
	return v.fake.Sent(user)[after:]
}

// act plays one user action through the fake, checks that the webhook
// answered 200, and returns the n replies it caused. Replies of one chat
// arrive in order, so replies that belong to an earlier step would show up
// here, in place of the ones expected.
func (v *viberBot) act(t testing.TB, user string, n int, do func(ctx context.Context) (vibertest.Response, error)) []vibertest.Message {
	t.Helper()
	before := v.sent(user)
	res, err := do(t.Context())
	if err != nil {
		t.Fatalf("callback for %s: %v", user, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("callback for %s: HTTP %d %s", user, res.StatusCode, res.Body)
	}
	return v.expect(t, user, before, before+n)
}

// press taps a reply button whose engine payload is data.
func (v *viberBot) press(t testing.TB, user, data string, n int) []vibertest.Message {
	t.Helper()
	return v.act(t, user, n, func(ctx context.Context) (vibertest.Response, error) {
		return v.fake.PressButton(ctx, user, viber.ButtonPrefix+data)
	})
}

// say types text.
func (v *viberBot) say(t testing.TB, user, text string, n int) []vibertest.Message {
	t.Helper()
	return v.act(t, user, n, func(ctx context.Context) (vibertest.Response, error) {
		return v.fake.SendText(ctx, user, text)
	})
}

// sendCalls counts the send_message requests the fake received and how
// many of them it refused.
func (v *viberBot) sendCalls() (total, refused int) {
	for _, c := range v.fake.Calls() {
		if c.Method == "send_message" {
			total++
			if c.Status != 0 {
				refused++
			}
		}
	}
	return total, refused
}

// counter reads one of today's counters from the admin /metrics; "updates/viber"
// counts the Viber updates committed (duplicates and rejected callbacks
// are not).
func (v *viberBot) counter(t testing.TB, key string) uint64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+v.run.Admin+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	res, err := v.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	want := fmt.Sprintf("infopunkt_today{key=%q} ", key)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), want); ok {
			v, err := strconv.ParseUint(n, 10, 64)
			if err != nil {
				t.Fatalf("metrics line %q: %v", sc.Text(), err)
			}
			return v
		}
	}
	return 0
}

// post sends body to the webhook with the signature header sig ("" for
// none), as anyone on the network could, and returns the HTTP status.
func (v *viberBot) post(t testing.TB, body []byte, sig string) int {
	t.Helper()
	code, err := viberPost(t.Context(), v.http, v.hook, body, sig)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func viberPost(ctx context.Context, c *http.Client, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(viber.SignatureHeader, sig)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body) // drained, so the connection is reused
	res.Body.Close()
	return res.StatusCode, nil
}

// viberMessage is a "message" callback as Viber sends it. Tokens are uint64
// and go out as exact JSON numbers.
func viberMessage(user, lang, text string, token uint64, at time.Time) []byte {
	type sender struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Avatar     string `json:"avatar"`
		Country    string `json:"country"`
		Language   string `json:"language"`
		APIVersion int    `json:"api_version"`
	}
	type message struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	cb := struct {
		Event        string  `json:"event"`
		Timestamp    int64   `json:"timestamp"`
		ChatHostname string  `json:"chat_hostname"`
		MessageToken uint64  `json:"message_token"`
		Sender       sender  `json:"sender"`
		Message      message `json:"message"`
		Silent       bool    `json:"silent"`
	}{
		Event: "message", Timestamp: at.UnixMilli(), ChatHostname: "SN-CHAT-01_", MessageToken: token,
		Sender:  sender{ID: user, Name: "Test User " + user, Avatar: "https://avatar.example/" + user, Country: "UA", Language: lang, APIVersion: 10},
		Message: message{Type: "text", Text: text},
	}
	b, _ := json.Marshal(cb) // strings and numbers always encode
	return b
}

// viberMustContain fails unless m's text contains every phrase.
func viberMustContain(t testing.TB, what string, m vibertest.Message, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(m.Text, p) {
			t.Errorf("%s: text lacks %q:\n%s", what, p, m.Text)
		}
	}
}

// viberButton returns the keyboard button that sends data back, checking
// the wire shape every reply button must have.
func viberButton(t testing.TB, what string, m vibertest.Message, data string) vibertest.Button {
	t.Helper()
	if m.Keyboard == nil {
		t.Fatalf("%s: no keyboard:\n%s", what, m.Raw)
	}
	if m.Keyboard.Type != "keyboard" {
		t.Errorf("%s: keyboard Type %q", what, m.Keyboard.Type)
	}
	if m.MinAPIVersion < viber.KeyboardAPIVersion {
		t.Errorf("%s: min_api_version %d with a keyboard", what, m.MinAPIVersion)
	}
	for _, b := range m.Keyboard.Buttons {
		if b.ActionBody == viber.ButtonPrefix+data {
			if b.ActionType != "reply" || b.Columns < 1 || b.Columns > 6 || b.Rows < 1 || b.Text == "" {
				t.Errorf("%s: button %q malformed: %+v", what, data, b)
			}
			return b
		}
	}
	var bodies []string
	for _, b := range m.Keyboard.Buttons {
		bodies = append(bodies, b.ActionBody)
	}
	t.Fatalf("%s: no button %q among %q", what, data, bodies)
	return vibertest.Button{}
}

// viberContent loads the content run() serves (the embedded one), so
// expectations follow content/messages.yaml and content/faq.
func viberContent(t testing.TB) *faq.Content {
	t.Helper()
	c, probs, err := loadContent("", defaultConfig().MaxReviewAge)
	if err != nil {
		t.Fatalf("load content: %v\n%s", err, probs.Error())
	}
	return c
}

// viberFirstLine is the first line of a message: a stable phrase to look
// for (later lines may be reflowed by an editor).
func viberFirstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// viberOpenStore opens the data file of a stopped run.
func viberOpenStore(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("open data file after stop: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// viberState is the stored state of user, which must exist.
func viberState(t testing.TB, db *store.DB, user string) bot.State {
	t.Helper()
	st, exists, err := db.State(t.Context(), viberChat(user))
	if err != nil || !exists {
		t.Fatalf("state of %s: exists %v, err %v", user, exists, err)
	}
	return st
}

// viberKeys lists every key in the data file that belongs to user.
func viberKeys(t testing.TB, db *store.DB, user string) []string {
	t.Helper()
	keys, err := db.Keys(t.Context(), viberChat(user))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
