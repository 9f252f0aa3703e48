package viber_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber"
)

// checker is a Handler that fails the fuzz target on an ill-formed update.
type checker struct{ t *testing.T }

func (c checker) Handle(_ context.Context, u bot.Update) error {
	if u.Chat.Channel() != bot.Viber || u.Chat.ID() == "" || u.Kind < bot.UpdateText || u.Kind > bot.UpdateUnblocked {
		c.t.Errorf("ill-formed update %+v", u)
	}
	if u.DedupKey != "" && !strings.HasPrefix(u.DedupKey, "vb:") {
		c.t.Errorf("DedupKey %q", u.DedupKey)
	}
	return nil
}

func (c checker) Welcome(_ context.Context, u bot.Update) (bot.Reply, error) {
	c.Handle(context.Background(), u)
	return bot.Reply{Chat: u.Chat, Text: "hi", Buttons: [][]bot.Button{{{Label: "<x>", Data: "d"}}}}, nil
}

// FuzzWebhook posts arbitrary bodies with either a correct signature or the
// given one; the handler must never panic and must answer one of its
// documented codes.
func FuzzWebhook(f *testing.F) {
	ts := start.UnixMilli()
	for _, s := range []string{
		`{"event":"message","timestamp":%d,"message_token":5406893180055821525,"sender":{"id":"a=="},"message":{"type":"text","text":"btn:x"}}`,
		`{"event":"message","timestamp":%d,"message_token":"18446744073709551615","sender":{"id":"a"},"message":{"type":"sticker"}}`,
		`{"event":"conversation_started","timestamp":%d,"message_token":1,"user":{"id":"b","language":"uk"}}`,
		`{"event":"subscribed","timestamp":%d,"user":{"id":"b"}}`,
		`{"event":"unsubscribed","timestamp":%d,"user_id":"b","message_token":null}`,
		`{"event":"failed","timestamp":%d,"desc":"x"}`,
		`{"event":"message","timestamp":%d,"message_token":-1}`,
		`{"event":"message","timestamp":%d,"message_token":1e30,"sender":null}`,
		`{"timestamp":%d}`,
		`[%d]`,
	} {
		f.Add([]byte(fmt.Sprintf(s, ts)), "", true)
	}
	f.Add([]byte("not json"), strings.Repeat("a", 64), false)
	f.Add([]byte{}, "", false)

	f.Fuzz(func(t *testing.T, body []byte, sig string, valid bool) {
		a, err := viber.New(viber.Config{Token: "fuzz-token", Now: func() time.Time { return start }}, nil, checker{t})
		if err != nil {
			t.Fatal(err)
		}
		if valid {
			sig = viber.Sign("fuzz-token", body)
		}
		req := httptest.NewRequest(http.MethodPost, "/viber", bytes.NewReader(body))
		req.Header.Set(viber.SignatureHeader, sig)
		rec := httptest.NewRecorder()
		a.WebhookHandler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Errorf("status %d", rec.Code)
		}
		if !valid && rec.Code != http.StatusForbidden && sig != viber.Sign("fuzz-token", body) {
			t.Errorf("unsigned body got %d", rec.Code)
		}
	})
}
