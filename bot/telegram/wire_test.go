package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// noMeta is a bot.Meta that holds nothing.
type noMeta struct{}

func (noMeta) GetMeta(context.Context, string) ([]byte, error) { return nil, bot.ErrNotFound }
func (noMeta) PutMeta(context.Context, string, []byte) error   { return nil }

func newWireAdapter(t testing.TB, srv *telegramtest.Server) *Adapter {
	t.Helper()
	a, err := New(context.Background(), Config{Token: srv.Token(), APIURL: srv.URL(),
		HTTPClient: NewHTTPClient(10 * time.Second)}, noMeta{},
		HandlerFunc(func(context.Context, bot.Update) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func textParams(chat int64, text string, m *inlineMarkup) params {
	o := out{chat: chat, markup: m}
	p := o.params(true, len(text))
	p.str("text", text)
	p.str("parse_mode", "HTML")
	return p
}

// TestSendCallAnswers: what a caller of send gets for each way a Bot API
// call ends, and how sendError classifies it.
func TestSendCallAnswers(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.Options{})
	a := newWireAdapter(t, srv)
	srv.BlockUser(403)
	srv.AddGroup(telegramtest.Group{ID: -400, Basic: true})
	super := srv.MigrateToSupergroup(-400, false)
	tests := []struct {
		name    string
		chat    int64
		fault   telegramtest.FaultKind
		timeout time.Duration // a deadline on the call's context
		check   func(t *testing.T, err error)
		kind    bot.SendErrorKind
		reason  string
	}{
		{name: "429", chat: 1, fault: telegramtest.Fault429, kind: bot.SendRateLimited, reason: "tg_429",
			check: wantAPIError(429, "Too Many Requests: retry after 7", 7, 0)},
		{name: "migrated", chat: -400, kind: bot.SendPermanent, reason: "tg_400_migrated",
			check: wantAPIError(400, "Bad Request: group chat was upgraded to a supergroup chat", 0, super)},
		{name: "blocked", chat: 403, kind: bot.SendBlocked, reason: "tg_403_blocked",
			check: wantAPIError(403, "Forbidden: bot was blocked by the user", 0, 0)},
		{name: "500", chat: 2, fault: telegramtest.Fault500, kind: bot.SendRetry, reason: "tg_500",
			check: wantAPIError(500, "Internal Server Error", 0, 0)},
		{name: "502 html", chat: 3, fault: telegramtest.Fault502, kind: bot.SendRetry, reason: "tg_bad_answer",
			check: wantBadAnswer("HTTP 502")},
		{name: "truncated", chat: 4, fault: telegramtest.FaultTruncated, kind: bot.SendRetry, reason: "tg_bad_answer",
			check: wantBadAnswer("HTTP 200")},
		{name: "oversized", chat: 5, fault: telegramtest.FaultOversized, kind: bot.SendRetry, reason: "tg_bad_answer",
			check: wantBadAnswer("over 4194304 bytes")},
		{name: "hang", chat: 6, fault: telegramtest.FaultHang, timeout: 50 * time.Millisecond, kind: bot.SendRetry, reason: "tg_timeout",
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v is not the context's deadline", err)
				}
			}},
		{name: "reset", chat: 7, fault: telegramtest.FaultReset, kind: bot.SendRetry, reason: "tg_network",
			check: func(t *testing.T, err error) {
				var ne net.Error
				if _, api := apiError(err); api || errors.Is(err, errBadAnswer) || !errors.As(err, &ne) {
					t.Errorf("error %v (%T) is not a network error", err, err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != telegramtest.FaultNone {
				srv.InjectNext("sendMessage", telegramtest.Fault{Kind: tt.fault, RetryAfter: 7})
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			p := textParams(tt.chat, "hello", nil)
			id, err := a.send(ctx, "sendMessage", &p)
			if err == nil || id != "" {
				t.Fatalf("send = %q, %v; want an error", id, err)
			}
			if strings.Contains(err.Error(), srv.Token()) {
				t.Fatalf("the error carries the token: %v", err)
			}
			tt.check(t, err)
			var se *bot.SendError
			if !errors.As(a.sendError(tt.chat, err), &se) || se.Kind != tt.kind || se.Reason != tt.reason {
				t.Errorf("classified as %+v, want kind %d reason %s", se, tt.kind, tt.reason)
			}
		})
	}
}

func wantAPIError(code int, msg string, retryAfter int, migrateTo int64) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		te, ok := apiError(err)
		if !ok {
			t.Fatalf("error %v (%T) is not a *tgbotapi.Error", err, err)
		}
		want := tgbotapi.Error{Code: code, Message: msg,
			ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: retryAfter, MigrateToChatID: migrateTo}}
		if *te != want {
			t.Errorf("got %+v, want %+v", *te, want)
		}
	}
}

func wantBadAnswer(detail string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if _, api := apiError(err); api || !errors.Is(err, errBadAnswer) || !strings.Contains(err.Error(), detail) {
			t.Errorf("error %v (%T) is not a bad answer with %q", err, err, detail)
		}
	}
}

// TestSendCallDelivers: a successful send reports the new message's id,
// and the fake reads every parameter of the JSON body as sent.
func TestSendCallDelivers(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.Options{})
	a := newWireAdapter(t, srv)
	kb := &inlineMarkup{InlineKeyboard: [][]inlineButton{
		{{Text: "Karta \"pobytu\"", CallbackData: "n:legal"}, {Text: "Site", URL: "https://example.org/a?b=c&d"}},
		{{Text: "Назад\t<", CallbackData: "back"}},
	}}
	text := "<b>Де</b> отримати PESEL?\nLinia 2 \\ \"x\""
	for range 2 { // the second call reuses the connection and a pooled buffer
		p := textParams(1, text, kb)
		p.intNonZero("message_thread_id", 0)
		id, err := a.send(context.Background(), "sendMessage", &p)
		if err != nil {
			t.Fatal(err)
		}
		sent := srv.Sent(1)
		last := sent[len(sent)-1]
		if id != strconv.Itoa(last.MessageID) || last.Text != text || last.ParseMode != "HTML" {
			t.Fatalf("id %q, sent %+v", id, last)
		}
		kbs := last.Keyboard
		if len(kbs) != 2 || len(kbs[0]) != 2 || kbs[0][0].Text != `Karta "pobytu"` || kbs[0][0].CallbackData != "n:legal" ||
			kbs[0][1].URL != "https://example.org/a?b=c&d" || kbs[1][0].Text != "Назад\t<" {
			t.Fatalf("keyboard %+v", kbs)
		}
	}
	if n := len(srv.Calls("sendMessage")); n != 2 {
		t.Fatalf("%d sendMessage calls, want 2", n)
	}
	// A result that is not a message has no id, and no error.
	srv.ExpectCallback("q1")
	var p params
	p.str("callback_query_id", "q1")
	if id, err := a.send(context.Background(), "answerCallbackQuery", &p); id != "" || err != nil {
		t.Fatalf("answerCallbackQuery: %q, %v", id, err)
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		body   string
		ok     bool
		result string
		id     int64
		err    bool
	}{
		{body: `{"ok":true,"result":{"message_id":42,"chat":{"id":1,"message_id":7},"text":"}\"{"}}`, ok: true,
			result: `{"message_id":42,"chat":{"id":1,"message_id":7},"text":"}\"{"}`, id: 42},
		{body: " {\"result\" : [1, {\"a\":null}], \"ok\" : true }\n", ok: true, result: `[1, {"a":null}]`},
		{body: `{"ok":true,"result":true}`, ok: true, result: `true`},
		{body: `{"ok":true,"result":{"message_id":1.5}}`, ok: true, result: `{"message_id":1.5}`},
		{body: `{"ok":true,"result":{"message_id":"3"}}`, ok: true, result: `{"message_id":"3"}`},
		{body: `{"ok":true,"result":{"message_id":3,"message_id":null}}`, ok: true, result: `{"message_id":3,"message_id":null}`, id: 3},
		{body: `{"ok":true,"result":{"message_i\u0064":9}}`, ok: true, result: `{"message_i\u0064":9}`, id: 9},
		{body: `{"ok":false,"error_code":400,"description":"Bad Request: x"}`},
		{body: `{}`},
		{body: `{"ok":"yes"}`, err: true},
		{body: `{"ok":true,"error_code":"x"}`, err: true},
		{body: `{"ok":true,"result":{"message_id":1}} x`, err: true},
		{body: `{"ok":true,"result":{"message_id":1}`, err: true},
		{body: `{"ok":true,"result":"a` + "\x01" + `"}`, err: true},
		{body: `{"ok":tru}`, err: true},
		{body: `{"ok":true,"result":01}`, err: true},
		{body: `<html>502</html>`, err: true},
		{body: ``, err: true},
		{body: `[]`, err: true},
	}
	for _, tt := range tests {
		ans, err := parseAnswer([]byte(tt.body))
		if (err != nil) != tt.err {
			t.Errorf("%s: error %v", tt.body, err)
			continue
		}
		if err == nil && (ans.ok != tt.ok || string(ans.result) != tt.result || ans.messageID != tt.id) {
			t.Errorf("%s: ok %v result %s id %d", tt.body, ans.ok, ans.result, ans.messageID)
		}
	}
}

// FuzzParseAnswer checks parseAnswer against tgbotapi's decoding with
// encoding/json and the message_id read of a result it replaced.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{
		`{"ok":true,"result":{"message_id":42,"from":{"id":1,"is_bot":true},"chat":{"id":5,"type":"private"},"date":1,"text":"x\u00e9\n"}}`,
		`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`,
		`{"ok":false,"error_code":400,"description":"Bad Request","parameters":{"migrate_to_chat_id":-1001}}`,
		`{"ok":true,"result":[{"update_id":1},{"update_id":2}]}`,
		`{"ok":true,"result":true,"description":"Webhook was set"}`,
		`{"ok":true,"result":{"message_id":-9223372036854775808}}`, `{"ok":true,"result":{"message_id":9223372036854775808}}`,
		`{"ok":true,"result":{"message_id":1e2}}`, `[[[[]]]]`, `{"a":[1,-0.5e+3,"\ud800",{}]}`, `null`, `{"ok":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ans, err := parseAnswer(b)
		var ref tgbotapi.APIResponse
		refErr := json.Unmarshal(b, &ref)
		if err == nil && !json.Valid(b) {
			t.Fatalf("accepted invalid JSON")
		}
		if !comparable(b) {
			return
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("error %v, encoding/json: %v", err, refErr)
		}
		if err != nil {
			return
		}
		if ans.ok != ref.Ok || string(ans.result) != string(ref.Result) || ans.code != ref.ErrorCode || ans.desc != ref.Description ||
			(ans.params == nil) != (ref.Parameters == nil) || (ans.params != nil && *ans.params != *ref.Parameters) {
			t.Fatalf("got %+v, encoding/json %+v", ans, ref)
		}
		var m struct {
			ID int64 `json:"message_id"`
		}
		if json.Unmarshal(ref.Result, &m) != nil {
			m.ID = 0
		}
		if ans.messageID != m.ID {
			t.Fatalf("message id %d, encoding/json %d", ans.messageID, m.ID)
		}
	})
}

// comparable reports whether encoding/json reads b as parseAnswer does:
// it matches keys ignoring case (and escapes), and accepts a top-level
// null.
func comparable(b []byte) bool {
	if strings.TrimSpace(string(b)) == "null" {
		return false
	}
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "Де \"x\"\n\t\\", "\x00\x1f\x7f", "bad \xff\xfe utf8", "\u2028<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		var got, want string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, enc, err)
		}
		ref, _ := json.Marshal(s)
		_ = json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("%q decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}

// TestParamsFields: an upload's form fields are what the JSON body says.
func TestParamsFields(t *testing.T) {
	p := textParams(-5, "a \"b\"", &inlineMarkup{InlineKeyboard: [][]inlineButton{{{Text: "x", CallbackData: "y"}}}})
	p.float("latitude", 52.25)
	got, err := p.fields()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"chat_id": "-5", "text": `a "b"`, "parse_mode": "HTML", "latitude": "52.25",
		"reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"y"}]]}`}
	if len(got) != len(want) {
		t.Fatalf("fields %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestReadAll(t *testing.T) {
	body := strings.Repeat("x", 10000)
	for _, tt := range []struct {
		size  int64
		limit int
		buf   []byte
		err   error
	}{
		{size: -1, limit: 10000},
		{size: 10000, limit: 10000, buf: make([]byte, 0, 16)},
		{size: -1, limit: 9999, err: errTooLarge},
		{size: 10000, limit: 9999, err: errTooLarge},
	} {
		got, err := readAll(strings.NewReader(body), tt.buf, tt.size, tt.limit)
		if err != tt.err || (err == nil && string(got) != body) {
			t.Errorf("size %d limit %d: %d bytes, %v", tt.size, tt.limit, len(got), err)
		}
	}
}
