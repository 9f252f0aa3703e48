package viber_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// tokenOf reads message_token from a callback body without float64.
func tokenOf(t *testing.T, body []byte) string {
	t.Helper()
	var cb struct {
		MessageToken json.Number `json:"message_token"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&cb); err != nil {
		t.Fatal(err)
	}
	return cb.MessageToken.String()
}

func wantStatus(t *testing.T, res vibertest.Response, err error, code int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != code {
		t.Fatalf("status %d, want %d (body %q)", res.StatusCode, code, res.Body)
	}
}

func TestWebhookText(t *testing.T) {
	e := newEnv(t, nil)
	res, err := e.fake.SendText(t.Context(), "u1==", secretText)
	wantStatus(t, res, err, http.StatusOK)
	body, _ := e.fake.LastCallback()
	ups := e.h.Updates()
	if len(ups) != 1 {
		t.Fatalf("got %d updates, want 1", len(ups))
	}
	want := bot.Update{Chat: "viber:u1==", Kind: bot.UpdateText, Text: secretText,
		DedupKey: "vb:" + tokenOf(t, body), Time: start}
	if got := ups[0]; got != want {
		t.Errorf("update\n got %+v\nwant %+v", got, want)
	}
	if len(want.DedupKey) < len("vb:")+16 {
		t.Errorf("DedupKey %q lost precision", want.DedupKey)
	}
}

func TestWebhookEvents(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	steps := []struct {
		name string
		do   func() (vibertest.Response, error)
		want bot.Update // zero Kind: no update expected
	}{
		{"subscribed", func() (vibertest.Response, error) { return e.fake.Subscribe(ctx, "u2", "uk") },
			bot.Update{Kind: bot.UpdateUnblocked, LangHint: "uk"}},
		{"button", func() (vibertest.Response, error) { return e.fake.PressButton(ctx, "u2", "btn:topic:work") },
			bot.Update{Kind: bot.UpdateButton, Data: "topic:work", LangHint: "uk"}},
		{"picture", func() (vibertest.Response, error) { return e.fake.SendMedia(ctx, "u2", "picture") },
			bot.Update{Kind: bot.UpdateText, LangHint: "uk"}},
		{"sticker", func() (vibertest.Response, error) { return e.fake.SendMedia(ctx, "u2", "sticker") },
			bot.Update{Kind: bot.UpdateText, LangHint: "uk"}},
		{"location", func() (vibertest.Response, error) { return e.fake.SendMedia(ctx, "u2", "location") },
			bot.Update{Kind: bot.UpdateText, LangHint: "uk"}},
		{"unsubscribed", func() (vibertest.Response, error) { return e.fake.Unsubscribe(ctx, "u2") },
			bot.Update{Kind: bot.UpdateBlocked}},
		{"failed", func() (vibertest.Response, error) { return e.fake.Failed(ctx, "u2", "receiver is offline") },
			bot.Update{}},
	}
	for _, s := range steps {
		before := len(e.h.Updates())
		res, err := s.do()
		wantStatus(t, res, err, http.StatusOK)
		ups := e.h.Updates()[before:]
		if s.want.Kind == 0 {
			if len(ups) != 0 {
				t.Errorf("%s: unexpected updates %+v", s.name, ups)
			}
			continue
		}
		if len(ups) != 1 {
			t.Fatalf("%s: %d updates", s.name, len(ups))
		}
		got := ups[0]
		if got.Kind != s.want.Kind || got.Data != s.want.Data || got.Text != s.want.Text ||
			got.LangHint != s.want.LangHint || got.Chat != "viber:u2" || !strings.HasPrefix(got.DedupKey, "vb:") {
			t.Errorf("%s: got %+v, want %+v", s.name, got, s.want)
		}
	}
	if !strings.Contains(e.logs.String(), "receiver is offline") {
		t.Error("failed callback's desc not logged")
	}
}

func TestWebhookConversationStarted(t *testing.T) {
	e := newEnv(t, nil)
	res, welcome, err := e.fake.ConversationStarted(t.Context(), "u3", "uk")
	wantStatus(t, res, err, http.StatusOK)
	if welcome == nil {
		t.Fatal("no welcome message in the response body")
	}
	if welcome.Receiver != "" || welcome.Type != "text" || welcome.Sender.Name != "Infopunkt" ||
		welcome.Text != "Witamy\n\nWelcome to Infopunkt" || welcome.MinAPIVersion != 7 {
		t.Errorf("welcome = %+v", welcome)
	}
	if welcome.Keyboard == nil || len(welcome.Keyboard.Buttons) != 2 || welcome.Keyboard.Buttons[0].ActionBody != "btn:lang:uk" {
		t.Errorf("welcome keyboard = %+v", welcome.Keyboard)
	}
	if bytes.Contains(welcome.Raw, []byte(`"receiver"`)) {
		t.Errorf("welcome has a receiver: %s", welcome.Raw)
	}
	if len(e.h.welcomes) != 1 || e.h.welcomes[0].Kind != bot.UpdateStarted || e.h.welcomes[0].LangHint != "uk" ||
		e.h.welcomes[0].Chat != "viber:u3" {
		t.Errorf("Welcome got %+v", e.h.welcomes)
	}
	if n := len(e.h.Updates()); n != 0 {
		t.Errorf("Handle called %d times; the welcome must not be queued", n)
	}
	if n := countCalls(e.fake, "send_message"); n != 0 {
		t.Errorf("%d send_message calls; the welcome travels in the response", n)
	}
}

func TestWebhookHandlerFailure(t *testing.T) {
	e := newEnv(t, nil)
	e.h.SetErr(errors.New("disk full"))
	res, err := e.fake.SendText(t.Context(), "u1", "hello")
	wantStatus(t, res, err, http.StatusInternalServerError)
	res, _, err = e.fake.ConversationStarted(t.Context(), "u1", "pl")
	wantStatus(t, res, err, http.StatusInternalServerError)
}

func TestWebhookRejects(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.fake.SendText(t.Context(), "u1", "hello"); err != nil {
		t.Fatal(err)
	}
	body, sig := e.fake.LastCallback()
	tampered := bytes.Replace(body, []byte("hello"), []byte("hellO"), 1)
	otherKey := viber.Sign("another-token", body)
	tests := []struct {
		name string
		body []byte
		sig  string
		want int
	}{
		{"missing signature", body, "", http.StatusForbidden},
		{"forged signature", body, strings.Repeat("ab", 32), http.StatusForbidden},
		{"signed with another token", body, otherKey, http.StatusForbidden},
		{"tampered body", tampered, sig, http.StatusForbidden},
		{"not hex", body, strings.Repeat("zz", 32), http.StatusForbidden},
		{"short signature", body, sig[:10], http.StatusForbidden},
		{"malformed JSON, valid signature", []byte(`{"event":"message",`), e.fake.Sign([]byte(`{"event":"message",`)), http.StatusBadRequest},
		{"message without sender", signedBody(t, e, `{"event":"message","timestamp":%d,"message_token":1}`), "", http.StatusBadRequest},
	}
	before := len(e.h.Updates())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := tt.sig
			if sig == "" && tt.want == http.StatusBadRequest {
				sig = e.fake.Sign(tt.body)
			}
			res, err := e.fake.PostRaw(t.Context(), tt.body, sig)
			wantStatus(t, res, err, tt.want)
		})
	}
	if n := len(e.h.Updates()) - before; n != 0 {
		t.Errorf("Handle called %d times for rejected callbacks", n)
	}
}

func signedBody(t *testing.T, e *env, format string) []byte {
	t.Helper()
	return fmt.Appendf(nil, format, e.clock.Now().UnixMilli())
}

// TestWebhookReplay: a captured callback re-sent within MaxCallbackAge
// reaches Handle again with the same DedupKey (the store drops it); after
// the window it is refused.
func TestWebhookReplay(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.fake.SendText(t.Context(), "u1", "hello"); err != nil {
		t.Fatal(err)
	}
	body, sig := e.fake.LastCallback()
	e.clock.Advance(90 * time.Minute)
	res, err := e.fake.PostRaw(t.Context(), body, sig)
	wantStatus(t, res, err, http.StatusOK)
	ups := e.h.Updates()
	if len(ups) != 2 || ups[0].DedupKey != ups[1].DedupKey || ups[0].DedupKey == "" {
		t.Fatalf("replay inside the window: updates %+v", ups)
	}
	e.clock.Advance(31 * time.Minute)
	res, err = e.fake.PostRaw(t.Context(), body, sig)
	wantStatus(t, res, err, http.StatusForbidden)
	if len(e.h.Updates()) != 2 {
		t.Error("stale replay reached Handle")
	}
	// A timestamp-less body cannot prove freshness.
	noTS := []byte(`{"event":"message","message_token":5,"sender":{"id":"u1"},"message":{"type":"text","text":"x"}}`)
	res, err = e.fake.PostRaw(t.Context(), noTS, e.fake.Sign(noTS))
	wantStatus(t, res, err, http.StatusForbidden)
}

func TestWebhookHTTPLimits(t *testing.T) {
	a, err := viber.New(viber.Config{Token: "t"}, nil, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	h := a.WebhookHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
	big := bytes.Repeat([]byte("x"), viber.MaxCallbackSize+1)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(big))
	req.Header.Set(viber.SignatureHeader, viber.Sign("t", big))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", rec.Code)
	}
}

func TestNewConfigErrors(t *testing.T) {
	h := &recorder{}
	for name, cfg := range map[string]viber.Config{
		"no token":          {},
		"long sender":       {Token: "t", SenderName: strings.Repeat("я", 29)},
		"reminder, no meta": {Token: "t", MonthlyReminderCap: 1},
	} {
		if _, err := viber.New(cfg, nil, h); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := viber.New(viber.Config{Token: "t", SenderName: strings.Repeat("я", 28)}, nil, h); err != nil {
		t.Errorf("28-character sender: %v", err)
	}
}

// discardWriter is a minimal ResponseWriter, so the benchmark measures the
// handler rather than httptest.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// BenchmarkRejectForged measures what a forged callback costs: for a
// well-formed signature, reading the body, one HMAC and a constant-time
// compare; for a missing or malformed one, no body is read at all.
func BenchmarkRejectForged(b *testing.B) {
	a, err := viber.New(viber.Config{Token: "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"}, nil, &recorder{})
	if err != nil {
		b.Fatal(err)
	}
	h := a.WebhookHandler()
	body := []byte(`{"event":"message","timestamp":1773489600000,"chat_hostname":"SN-CHAT-01_",` +
		`"message_token":5406893180055821525,"sender":{"id":"01234567890A=","name":"X","avatar":"",` +
		`"country":"UA","language":"uk","api_version":10},"message":{"type":"text","text":"` +
		strings.Repeat("привіт ", 40) + `"},"silent":false}`)
	for _, bc := range []struct{ name, sig string }{
		{"wellformed", strings.Repeat("0f", 32)},
		{"missing", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, "/viber", nil)
			req.Header.Set(viber.SignatureHeader, bc.sig)
			rd := bytes.NewReader(body)
			w := &discardWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				clear(w.h)
				h.ServeHTTP(w, req)
				if w.code != http.StatusForbidden {
					b.Fatal(w.code)
				}
			}
		})
	}
}

// TestWebhookTimestampBounds: the replay window bounds timestamps both
// ways. A callback from hours in the future (or 2^62 ms, past year 9999,
// whose commit failed with 500 on every redelivery) is refused with 400.
func TestWebhookTimestampBounds(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now().UnixMilli()
	tests := []struct {
		name string
		ts   int64
		want int
	}{
		{"slightly ahead", now + int64(time.Minute/time.Millisecond), http.StatusOK},
		{"three hours ahead", now + int64(3*time.Hour/time.Millisecond), http.StatusBadRequest},
		{"2^62 ms", 1 << 62, http.StatusBadRequest},
		{"three hours old", now - int64(3*time.Hour/time.Millisecond), http.StatusForbidden},
	}
	for i, tt := range tests {
		body := fmt.Appendf(nil, `{"event":"message","timestamp":%d,"message_token":%d,"sender":{"id":"u1"},"message":{"type":"text","text":"x"}}`, tt.ts, 100+i)
		res, err := e.fake.PostRaw(t.Context(), body, e.fake.Sign(body))
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.want)
		}
	}
	if n := len(e.h.Updates()); n != 1 {
		t.Errorf("%d updates reached Handle, want 1", n)
	}
}

// TestWebhookReplayWithoutToken: a callback without message_token, replayed
// inside the window, carries the same DedupKey (a hash of the signed body),
// so the store applies it once; a different callback gets another key.
func TestWebhookReplayWithoutToken(t *testing.T) {
	e := newEnv(t, nil)
	body := signedBody(t, e, `{"event":"subscribed","timestamp":%d,"user":{"id":"u7","language":"uk"}}`)
	for range 2 {
		res, err := e.fake.PostRaw(t.Context(), body, e.fake.Sign(body))
		wantStatus(t, res, err, http.StatusOK)
	}
	e.clock.Advance(time.Second)
	other := signedBody(t, e, `{"event":"subscribed","timestamp":%d,"user":{"id":"u7","language":"uk"}}`)
	res, err := e.fake.PostRaw(t.Context(), other, e.fake.Sign(other))
	wantStatus(t, res, err, http.StatusOK)
	ups := e.h.Updates()
	if len(ups) != 3 {
		t.Fatalf("%d updates, want 3", len(ups))
	}
	if ups[0].DedupKey == "" || ups[0].DedupKey != ups[1].DedupKey || !strings.HasPrefix(ups[0].DedupKey, "vb:") {
		t.Errorf("replayed callback keys %q, %q: want the same non-empty key", ups[0].DedupKey, ups[1].DedupKey)
	}
	if ups[2].DedupKey == ups[0].DedupKey {
		t.Errorf("a different callback got the replay's key %q", ups[2].DedupKey)
	}
}
