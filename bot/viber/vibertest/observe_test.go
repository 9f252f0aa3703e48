package vibertest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// TestObserveAndMessageCallback checks what a load generator relies on:
// MessageCallback builds a signed message callback and subscribes the
// user, and observers see accepted and refused sends, with the records
// kept or not (NoRecord).
func TestObserveAndMessageCallback(t *testing.T) {
	for _, noRecord := range []bool{false, true} {
		s := vibertest.New(vibertest.Config{Token: "tok", NoRecord: noRecord})
		defer s.Close()
		hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer hook.Close()
		if _, _, err := s.MessageCallback("u1", "uk", "hi", false); err != vibertest.ErrNoWebhook {
			t.Errorf("MessageCallback without a webhook: %v", err)
		}
		post(t, s, "set_webhook", "tok", `{"url":"`+hook.URL+`"}`)
		var (
			mu     sync.Mutex
			events []vibertest.Event
		)
		s.Observe(func(ev vibertest.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
		})
		body, sig, err := s.MessageCallback("u1", "uk", "btn:a", true)
		if err != nil || sig != s.Sign(body) {
			t.Fatalf("MessageCallback: %s, %q, %v", body, sig, err)
		}
		var cb struct {
			Event, ChatHostname string
			MessageToken        uint64 `json:"message_token"`
			Sender              struct{ ID, Language string }
			Message             struct{ Type, Text string }
			Silent              bool
		}
		if err := json.Unmarshal(body, &cb); err != nil || cb.Event != "message" || cb.MessageToken == 0 || cb.Sender.ID != "u1" ||
			cb.Sender.Language != "uk" || cb.Message.Type != "text" || cb.Message.Text != "btn:a" || !cb.Silent {
			t.Errorf("callback %s (%v)", body, err)
		}
		if last, lastSig := s.LastCallback(); string(last) != string(body) || lastSig != sig {
			t.Error("MessageCallback is not the last callback")
		}
		msg := `{"receiver":"%s","type":"text","text":"x","sender":{"name":"n"},"keyboard":{"Type":"keyboard","Buttons":[{"Columns":6,"Rows":1,"ActionType":"reply","ActionBody":"btn:n","Text":"N"}]}}`
		if got := post(t, s, "send_message", "tok", strings.ReplaceAll(msg, "%s", "u1")); !strings.Contains(got, `"status":0`) {
			t.Errorf("send to the user who wrote: %s", got)
		}
		post(t, s, "send_message", "tok", strings.ReplaceAll(msg, "%s", "u2"))
		post(t, s, "send_message", "bad", strings.ReplaceAll(msg, "%s", "u1"))
		mu.Lock()
		if len(events) != 2 {
			t.Fatalf("noRecord %v: %d events, want 2", noRecord, len(events))
		}
		if e := events[0]; e.Receiver != "u1" || e.Status != 0 || e.Token == 0 || e.Time.IsZero() ||
			e.Keyboard == nil || len(e.Keyboard.Buttons) != 1 || e.Keyboard.Buttons[0].ActionBody != "btn:n" {
			t.Errorf("noRecord %v: accepted send %+v", noRecord, e)
		}
		if e := events[1]; e.Receiver != "u2" || e.Status != 6 || e.Token != 0 {
			t.Errorf("noRecord %v: refused send %+v", noRecord, e)
		}
		mu.Unlock()
		if sent, calls := len(s.Sent("u1")), len(s.Calls()); noRecord != (sent == 0 && calls == 0) {
			t.Errorf("noRecord %v: %d messages and %d calls recorded", noRecord, sent, calls)
		}
	}
}
