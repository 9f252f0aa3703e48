package telegram_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

func TestPollHandlesInOrderPerChat(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	var last int
	for i := range 5 {
		last = f.srv.PushMessage(1, 1, "a"+strconv.Itoa(i), "uk")
		f.srv.PushMessage(2, 2, "b"+strconv.Itoa(i), "pl")
	}
	last = f.srv.PushCommand(2, 2, "/start@"+f.srv.BotUsername()+" pesel", "pl")
	f.poll(t)
	waitFor(t, "11 updates and offset saved", func() bool {
		return f.rec.count() == 11 && f.meta.get("telegram/offset") == strconv.Itoa(last+1)
	})
	perChat := map[bot.ChatKey][]string{}
	for _, u := range f.rec.updates() {
		perChat[u.Chat] = append(perChat[u.Chat], u.Text)
	}
	if got := strings.Join(perChat["telegram:1"], ","); got != "a0,a1,a2,a3,a4" {
		t.Errorf("chat 1 order: %s", got)
	}
	if got := strings.Join(perChat["telegram:2"], ","); got != "b0,b1,b2,b3,b4,/start pesel" {
		t.Errorf("chat 2 order: %s", got)
	}
	gu := f.srv.Calls("getUpdates")
	if len(gu) == 0 || gu[0].Params["allowed_updates"] != `["message","callback_query","my_chat_member"]` || gu[0].Params["timeout"] != "1" {
		t.Errorf("getUpdates params: %v", gu[0].Params)
	}
	if len(f.srv.Calls("deleteWebhook")) != 1 {
		t.Error("polling did not delete the webhook first")
	}
}

func TestPollOffsetOnlyAfterHandle(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	failed := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	calls := 0
	f.rec.fail = func(bot.Update) error {
		calls++ // one chat: calls are sequential
		switch calls {
		case 1:
			once.Do(func() { close(failed) })
			return errors.New("store unavailable")
		case 2:
			<-release
		}
		return nil
	}
	id := f.srv.PushMessage(1, 1, "hi", "uk")
	f.poll(t)
	<-failed
	// The retry is now blocked in Handle: nothing may be confirmed yet.
	waitFor(t, "redelivery", func() bool { return len(f.srv.Calls("getUpdates")) >= 2 })
	if off := f.meta.get("telegram/offset"); off != "" {
		t.Fatalf("offset advanced to %s before Handle succeeded", off)
	}
	if p := f.srv.Pending(); len(p) != 1 || p[0] != id {
		t.Fatalf("pending %v", p)
	}
	close(release)
	waitFor(t, "offset saved", func() bool { return f.meta.get("telegram/offset") == strconv.Itoa(id+1) })
	waitFor(t, "update confirmed", func() bool { return len(f.srv.Pending()) == 0 })
	if got := f.rec.updates(); len(got) != 1 || got[0].DedupKey != "tg:"+strconv.Itoa(id) {
		t.Fatalf("handled %+v", got)
	}
}

func TestPollConflict(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) { c.ConflictGrace = 50 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { // another process, long polling the same token
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			f.srv.URL()+"/bot"+f.srv.Token()+"/getUpdates?timeout=60", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	waitFor(t, "the other poller", f.srv.Polling)
	select {
	case err := <-f.poll(t):
		if !errors.Is(err, telegram.ErrConflict) {
			t.Fatalf("Poll = %v, want ErrConflict", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not stop on 409")
	}
}

func TestPollCallbackAnsweredAndResolved(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	long := strings.Repeat("node/", 20) // 100 bytes: over callback_data's limit
	if err := errOf(f.a.Send(context.Background(), bot.Reply{Chat: "telegram:3", Text: "menu",
		Buttons: [][]bot.Button{{{Label: "Go", Data: long}}}})); err != nil {
		t.Fatal(err)
	}
	key := f.srv.Sent(3)[0].Keyboard[0][0].CallbackData
	if !strings.HasPrefix(key, "k:") || len(key) > 64 {
		t.Fatalf("callback_data %q", key)
	}
	id := f.srv.PushCallback(3, 3, 1, key)
	f.srv.PushCallback(3, 3, 1, "k:unknown")
	f.poll(t)
	waitFor(t, "both callbacks", func() bool { return f.rec.count() == 2 })
	got := f.rec.updates()
	want := bot.Update{Chat: "telegram:3", Kind: bot.UpdateButton, Data: long, DedupKey: "tg:" + strconv.Itoa(id), MessageRef: "1", From: "3"}
	if got[0] != want {
		t.Fatalf("got %+v\nwant %+v", got[0], want)
	}
	if got[1].Data != "" {
		t.Fatalf("unknown key resolved to %q", got[1].Data)
	}
	waitFor(t, "answers", func() bool {
		return f.srv.CallbackAnswered("cq"+strconv.Itoa(id)) && f.srv.CallbackAnswered("cq"+strconv.Itoa(id+1))
	})
}

// webhookFixture serves the adapter's webhook handler on loopback and
// registers it with the fake.
func webhookFixture(t *testing.T, secret string) (*fixture, *httptest.Server) {
	t.Helper()
	hook := httptest.NewUnstartedServer(nil)
	f := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) {
		c.WebhookURL = "http://" + hook.Listener.Addr().String() + "/telegram"
		c.WebhookSecret = secret
	})
	hook.Config.Handler = f.a.WebhookHandler()
	hook.Start()
	t.Cleanup(func() {
		f.srv.Close() // stop deliveries before the hook goes away
		hook.Close()
	})
	if err := f.a.SetWebhook(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f, hook
}

func TestWebhook(t *testing.T) {
	f, hook := webhookFixture(t, "")
	secret := f.meta.get("telegram/webhook_secret")
	if len(secret) != 43 {
		t.Fatalf("generated secret %q", secret)
	}
	sw := f.srv.Calls("setWebhook")[0].Params
	if sw["secret_token"] != secret || sw["allowed_updates"] != `["message","callback_query","my_chat_member"]` {
		t.Fatalf("setWebhook params %v", sw)
	}

	id := f.srv.PushMessage(5, 5, "Привіт", "uk")
	waitFor(t, "delivery", func() bool { return f.rec.count() == 1 && len(f.srv.Pending()) == 0 })
	if u := f.rec.updates()[0]; u.Text != "Привіт" || u.DedupKey != "tg:"+strconv.Itoa(id) {
		t.Fatalf("update %+v", u)
	}

	post := func(secret, body string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hook.URL+"/telegram", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	msg := `{"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},"text":"forged"}}`
	tests := []struct {
		name, secret, body string
		code, handled      int
	}{
		{"forged secret", "nope", msg, 401, 1},
		{"missing secret", "", msg, 401, 1},
		{"too large", secret, `{"update_id":2,"x":"` + strings.Repeat("a", 1<<20) + `"}`, 413, 1},
		{"malformed", secret, `{"update_id":`, 200, 1},
		{"ignored group", secret, `{"update_id":3,"message":{"message_id":1,"chat":{"id":-9,"type":"group"},"text":"x"}}`, 200, 1},
		{"valid", secret, msg, 200, 2},
	}
	for _, tt := range tests {
		if code := post(tt.secret, tt.body); code != tt.code || f.rec.count() != tt.handled {
			t.Errorf("%s: status %d handled %d, want %d %d", tt.name, code, f.rec.count(), tt.code, tt.handled)
		}
	}
	// Without a Content-Length (chunked) the bound holds while reading.
	big := `{"update_id":4,"x":"` + strings.Repeat("a", 1<<20) + `"}`
	req, _ := http.NewRequest(http.MethodPost, hook.URL+"/telegram", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 || f.rec.count() != 2 {
		t.Errorf("chunked too large: status %d (length %d), handled %d", resp.StatusCode, req.ContentLength, f.rec.count())
	}
	resp, err = http.Get(hook.URL + "/telegram")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

func TestWebhookHandleErrorIsRedelivered(t *testing.T) {
	f, _ := webhookFixture(t, "configured_secret-1")
	failures := 0
	f.rec.fail = func(bot.Update) error {
		if failures < 2 {
			failures++ // deliveries are sequential
			return errors.New("not committed")
		}
		return nil
	}
	f.srv.PushCallback(5, 5, 9, "lang:uk")
	waitFor(t, "delivery", func() bool { return f.rec.count() == 1 && len(f.srv.Pending()) == 0 })
	d := f.srv.Deliveries()
	if len(d) != 3 || d[0].Status != 500 || d[1].Status != 500 || d[2].Status != 200 {
		t.Fatalf("deliveries %+v", d)
	}
	waitFor(t, "answer", func() bool { return len(f.srv.Calls("answerCallbackQuery")) > 0 })
	if n := len(f.srv.Calls("answerCallbackQuery")); n != 1 {
		t.Fatalf("%d answers, want 1 after the successful handling", n)
	}
}

func TestWebhookSecretKept(t *testing.T) {
	f, _ := webhookFixture(t, "")
	first := f.meta.get("telegram/webhook_secret")
	a2, err := telegram.New(context.Background(), telegram.Config{
		Token: f.srv.Token(), APIURL: f.srv.URL(), WebhookURL: "http://127.0.0.1:1/x",
	}, f.meta, f.rec)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if got := f.meta.get("telegram/webhook_secret"); got != first {
		t.Fatalf("secret regenerated: %q → %q", first, got)
	}
	if _, err := telegram.New(context.Background(), telegram.Config{
		Token: f.srv.Token(), APIURL: f.srv.URL(), WebhookURL: "http://x", WebhookSecret: "bad secret",
	}, f.meta, f.rec); err == nil {
		t.Fatal("invalid secret accepted")
	}
	if _, err := telegram.New(context.Background(), telegram.Config{Token: "1:wrong", APIURL: f.srv.URL()},
		f.meta, f.rec); !errors.Is(err, telegram.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestPollSkipsUndecodableUpdate(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	bad := f.srv.PostRaw([]byte(`{"message":"not an object"}`))
	good := f.srv.PushMessage(1, 1, "after", "")
	f.poll(t)
	waitFor(t, "offset past both", func() bool { return f.meta.get("telegram/offset") == strconv.Itoa(good+1) })
	if got := f.rec.updates(); len(got) != 1 || got[0].Text != "after" || bad >= good {
		t.Fatalf("handled %+v", got)
	}
}

func TestCloseStopsPoll(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, nil)
	done := f.poll(t)
	waitFor(t, "long poll", f.srv.Polling)
	if err := f.a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Poll after Close = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop Poll")
	}
	if err := f.a.Poll(context.Background()); !errors.Is(err, telegram.ErrClosed) {
		t.Fatalf("Poll on a closed adapter = %v", err)
	}
}

// TestPollConflictRightAfterRestart: a predecessor's lingering long poll
// answers 409 for a while; Poll waits it out instead of stopping the bot.
func TestPollConflictRightAfterRestart(t *testing.T) {
	f := newFixture(t, telegramtest.Options{}, func(c *telegram.Config) { c.ConflictGrace = 10 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lingering := make(chan struct{})
	go func() { // the killed process's last poll, ending after ~1.5 s
		defer close(lingering)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			f.srv.URL()+"/bot"+f.srv.Token()+"/getUpdates?timeout=1", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the lingering poll", f.srv.Polling)
	errc := f.poll(t)
	waitFor(t, "a 409 for the new poller", func() bool {
		for _, c := range f.srv.Calls("getUpdates") {
			if c.Status == http.StatusConflict {
				return true
			}
		}
		return false
	})
	<-lingering
	f.srv.PushMessage(7, 7, "/start", "uk")
	waitFor(t, "the update after the conflict cleared", func() bool { return f.rec.count() == 1 })
	select {
	case err := <-errc:
		t.Fatalf("Poll stopped with %v during the grace period", err)
	default:
	}
}

// TestWebhookAnswersCallbackInReply: a button press is acknowledged with
// answerCallbackQuery in the webhook response, which Telegram (here the
// fake) performs; the adapter makes no call of its own for it.
func TestWebhookAnswersCallbackInReply(t *testing.T) {
	f, _ := webhookFixture(t, "s3cret")
	id := f.srv.PushCallback(5, 5, 1, "n:legal")
	qid := "cq" + strconv.Itoa(id)
	waitFor(t, "the callback answered", func() bool { return f.srv.CallbackAnswered(qid) })
	if u := f.rec.updates(); len(u) != 1 || u[0].Data != "n:legal" {
		t.Fatalf("updates %+v", u)
	}
	calls := f.srv.Calls("answerCallbackQuery")
	if len(calls) != 1 || calls[0].Params["callback_query_id"] != qid || calls[0].Status != http.StatusOK {
		t.Errorf("answerCallbackQuery calls %+v", calls)
	}
}
