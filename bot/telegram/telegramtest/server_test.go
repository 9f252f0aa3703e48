package telegramtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

type apiResp struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
}

// post calls method form-encoded and returns the status and raw body.
func post(t *testing.T, s *telegramtest.Server, token, method string, v url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(s.URL()+"/bot"+token+"/"+method, v)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postJSON(t *testing.T, s *telegramtest.Server, method, body string) (int, apiResp) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/bot"+s.Token()+"/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r apiResp
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	return resp.StatusCode, r
}

func TestAuth(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	code, body := post(t, s, "wrong", "getMe", nil)
	if code != 401 || body != `{"ok":false,"error_code":401,"description":"Unauthorized"}` {
		t.Fatalf("got %d %s", code, body)
	}
	if code, body := post(t, s, s.Token(), "getMe", nil); code != 200 || !strings.Contains(body, s.BotUsername()) {
		t.Fatalf("getMe: %d %s", code, body)
	}
}

func TestSendMessageValidation(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	long := strings.Repeat("a", 4097)
	tests := []struct {
		name, body string
		code       int
		desc       string
	}{
		{"ok html", `{"chat_id":1,"text":"<b>x</b> &amp; &lt;y&gt; <a href=\"https://e.org\">l</a>","parse_mode":"HTML"}`, 200, ""},
		{"bare amp", `{"chat_id":1,"text":"a & b","parse_mode":"HTML"}`, 400, "can't parse entities"},
		{"bad tag", `{"chat_id":1,"text":"<div>x</div>","parse_mode":"HTML"}`, 400, "can't parse entities"},
		{"unclosed", `{"chat_id":1,"text":"<b>x","parse_mode":"HTML"}`, 400, "can't parse entities"},
		{"empty", `{"chat_id":1,"text":"<b> </b>","parse_mode":"HTML"}`, 400, "message text is empty"},
		{"too long", `{"chat_id":1,"text":"` + long + `"}`, 400, "message is too long"},
		{"4096 after parsing", `{"chat_id":1,"text":"<b>` + long[1:] + `</b>","parse_mode":"HTML"}`, 200, ""},
		{"data too long", `{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"` + long[:65] + `"}]]}}`, 400, "BUTTON_DATA_INVALID"},
		{"data ok", `{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"` + long[:64] + `"}]]}}`, 200, ""},
		{"no chat", `{"text":"x"}`, 400, "chat_id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r := postJSON(t, s, "sendMessage", tt.body)
			if code != tt.code || !strings.Contains(r.Description, tt.desc) {
				t.Fatalf("got %d %q, want %d %q", code, r.Description, tt.code, tt.desc)
			}
		})
	}
}

func TestPrivateChatLimit(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := telegramtest.New(t, telegramtest.Options{Now: clock})
	send := func() (int, string) {
		return post(t, s, s.Token(), "sendMessage", url.Values{"chat_id": {"5"}, "text": {"hi"}})
	}
	for i := range 3 {
		if code, body := send(); code != 200 {
			t.Fatalf("send %d: %d %s", i, code, body)
		}
	}
	code, body := send()
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`
	if code != 429 || body != want {
		t.Fatalf("4th send: %d %s", code, body)
	}
	if v, e := s.Violations(), s.EarlyRetries(); v != 1 || e != 0 {
		t.Fatalf("violations %d early %d", v, e)
	}
	if code, _ := send(); code != 429 || s.EarlyRetries() != 1 {
		t.Fatalf("early retry: %d, early %d", code, s.EarlyRetries())
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if code, body := send(); code != 200 {
		t.Fatalf("after retry_after: %d %s", code, body)
	}
}

func TestGetUpdatesOffsetAndConflict(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	id1 := s.PushMessage(7, 7, "one", "uk")
	id2 := s.PushCommand(7, 7, "/start x", "uk")
	code, r := postJSON(t, s, "getUpdates", `{"offset":0}`)
	var ups []map[string]any
	_ = json.Unmarshal(r.Result, &ups)
	if code != 200 || len(ups) != 2 {
		t.Fatalf("getUpdates: %d %s", code, r.Result)
	}
	if _, r = postJSON(t, s, "getUpdates", `{"offset":`+itoa(id2)+`}`); !strings.Contains(string(r.Result), `"/start x"`) {
		t.Fatalf("offset %d: %s", id2, r.Result)
	}
	if p := s.Pending(); len(p) != 1 || p[0] != id2 || id1 >= id2 {
		t.Fatalf("pending %v", p)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+s.Token()+"/getUpdates",
			strings.NewReader(`{"offset":`+itoa(id2+1)+`,"timeout":30}`))
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	waitFor(t, s.Polling)
	if code, r := postJSON(t, s, "getUpdates", `{}`); code != 409 || !strings.Contains(r.Description, "terminated by other getUpdates") {
		t.Fatalf("concurrent getUpdates: %d %s", code, r.Description)
	}
	cancel()
	wg.Wait()
}

func TestLongPollWakesOnPush(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	done := make(chan string, 1)
	go func() {
		resp, err := http.Post(s.URL()+"/bot"+s.Token()+"/getUpdates", "application/json", strings.NewReader(`{"timeout":30}`))
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- string(b)
	}()
	waitFor(t, s.Polling)
	s.PushMessage(1, 1, "hello", "")
	select {
	case r := <-done:
		if !strings.Contains(r, "hello") {
			t.Fatalf("result %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long poll did not return")
	}
}

func TestWebhookDeliveryRetries(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	var mu sync.Mutex
	calls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" || calls == 1 {
			w.WriteHeader(500)
		}
	}))
	defer hook.Close()
	if code, r := postJSON(t, s, "setWebhook", `{"url":"`+hook.URL+`","secret_token":"bad secret!"}`); code != 400 {
		t.Fatalf("bad secret accepted: %d %s", code, r.Description)
	}
	if code, r := postJSON(t, s, "setWebhook", `{"url":"`+hook.URL+`","secret_token":"s3cret"}`); code != 200 {
		t.Fatalf("setWebhook: %d %s", code, r.Description)
	}
	if code, _ := postJSON(t, s, "getUpdates", `{}`); code != 409 {
		t.Fatalf("getUpdates with webhook: %d", code)
	}
	s.PushMessage(1, 1, "hi", "")
	waitFor(t, func() bool { return len(s.Pending()) == 0 })
	d := s.Deliveries()
	if len(d) != 2 || d[0].Status != 500 || d[1].Status != 200 {
		t.Fatalf("deliveries %+v", d)
	}
	s.Close() // the delivery goroutine must stop before hook closes
}

func TestInjectedFaults(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	call := func() (int, error) {
		resp, err := c.PostForm(s.URL()+"/bot"+s.Token()+"/getChat", url.Values{"chat_id": {"1"}})
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for _, tt := range []struct {
		f    telegramtest.FaultKind
		code int
	}{{telegramtest.Fault500, 500}, {telegramtest.Fault502, 502}, {telegramtest.FaultReset, 0}, {telegramtest.FaultHang, 0}} {
		s.InjectNext("getChat", telegramtest.Fault{Kind: tt.f})
		code, err := call()
		if code != tt.code || (tt.code == 0) != (err != nil) {
			t.Fatalf("fault %d: code %d err %v", tt.f, code, err)
		}
	}
	if code, err := call(); code != 200 {
		t.Fatalf("after faults: %d %v", code, err)
	}
	s.SetFaults(telegramtest.Faults{Seed: 1, P429: 1})
	if code, _ := call(); code != 429 {
		t.Fatalf("P429=1: %d", code)
	}
}

func TestSetMyCommandsValidation(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	if code, _ := postJSON(t, s, "setMyCommands", `{"commands":[{"command":"Start","description":"x"}]}`); code != 400 {
		t.Fatalf("uppercase command accepted")
	}
	if code, _ := postJSON(t, s, "setMyCommands", `{"commands":[{"command":"start","description":"Почати"}],"language_code":"uk"}`); code != 200 {
		t.Fatalf("valid commands rejected")
	}
	if got := s.Commands("uk"); len(got) != 1 || got[0].Description != "Почати" {
		t.Fatalf("commands %v", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
