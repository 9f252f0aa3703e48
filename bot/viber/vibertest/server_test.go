package vibertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// post calls the fake's API directly, as any client would.
func post(t *testing.T, s *vibertest.Server, method, token, body string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/"+method, strings.NewReader(body))
	req.Header.Set("X-Viber-Auth-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestFakeValidatesSendMessage(t *testing.T) {
	s := vibertest.New(vibertest.Config{Token: "tok"})
	defer s.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer hook.Close()
	if got := post(t, s, "set_webhook", "tok", `{"url":"`+hook.URL+`"}`); !strings.Contains(got, `"status":0`) {
		t.Fatalf("set_webhook: %s", got)
	}
	s.SetSubscribed("u", true)
	kb := func(b string) string {
		return `{"receiver":"u","type":"text","text":"x","sender":{"name":"n"},"keyboard":{"Type":"keyboard","Buttons":[` + b + `]}}`
	}
	tests := []struct{ name, token, body, want string }{
		{"wrong token", "bad", `{}`, `"status":2`},
		{"no receiver", "tok", `{"type":"text","text":"x","sender":{"name":"n"}}`, `"status":4`},
		{"no sender", "tok", `{"receiver":"u","type":"text","text":"x"}`, `"status":4`},
		{"too long", "tok", `{"receiver":"u","type":"text","sender":{"name":"n"},"text":"` + strings.Repeat("a", 7001) + `"}`, `"status":3`},
		{"over 30 KB", "tok", `{"receiver":"u","type":"url","sender":{"name":"n"},"media":"` + strings.Repeat("a", 31000) + `"}`, `"status":3`},
		{"columns 7", "tok", kb(`{"Columns":7,"Rows":1,"ActionType":"reply","ActionBody":"a"}`), `"status":3`},
		{"rows 3", "tok", kb(`{"Columns":6,"Rows":3,"ActionType":"reply","ActionBody":"a"}`), `"status":3`},
		{"action type", "tok", kb(`{"Columns":6,"Rows":1,"ActionType":"jump","ActionBody":"a"}`), `"status":3`},
		{"not subscribed", "tok", `{"receiver":"v","type":"text","text":"x","sender":{"name":"n"}}`, `"status":6`},
		{"ok", "tok", kb(`{"Columns":6,"Rows":1,"ActionType":"reply","ActionBody":"a"}`), `"status":0`},
	}
	for _, tt := range tests {
		if got := post(t, s, "send_message", tt.token, tt.body); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if n := len(s.Sent("u")); n != 1 {
		t.Errorf("recorded %d messages", n)
	}
}

func TestFakeSetWebhookNeeds200(t *testing.T) {
	s := vibertest.New(vibertest.Config{})
	defer s.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer hook.Close()
	if got := post(t, s, "set_webhook", s.Token(), `{"url":"`+hook.URL+`"}`); !strings.Contains(got, `"status":1`) {
		t.Errorf("set_webhook against a 403: %s", got)
	}
	if _, err := s.SendText(t.Context(), "u", "x"); err != vibertest.ErrNoWebhook {
		t.Errorf("SendText without webhook: %v", err)
	}
}
