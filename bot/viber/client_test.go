package viber_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// statusServer answers every call with the given Viber status.
func statusServer(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":%d,"status_message":"from test"}`, status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientStatusErrors(t *testing.T) {
	for s := viber.StatusInvalidURL; s <= viber.StatusAPIVersionNotSupported; s++ {
		t.Run(s.String(), func(t *testing.T) {
			c := &viber.Client{BaseURL: statusServer(t, int(s)).URL, Token: "x"}
			_, err := c.GetAccountInfo(t.Context())
			var api *viber.APIError
			if !errors.As(err, &api) || api.Status != s || api.Message != "from test" {
				t.Fatalf("err = %v, want APIError %d", err, s)
			}
			if !viber.IsStatus(err, s) || viber.IsStatus(err, s+1) {
				t.Errorf("IsStatus wrong for %v", err)
			}
			if !errors.Is(fmt.Errorf("wrapped: %w", err), &viber.APIError{Status: s}) {
				t.Errorf("errors.Is does not match the status")
			}
		})
	}
	if got := viber.Status(42).String(); got != "status 42" {
		t.Errorf("unknown status String = %q", got)
	}
}

func TestClientHTTPError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	c := &viber.Client{BaseURL: srv.URL, Token: "x"}
	err := c.RemoveWebhook(t.Context())
	var he *viber.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusBadGateway {
		t.Fatalf("err = %v, want HTTPError 502", err)
	}
}

func TestClientAgainstFake(t *testing.T) {
	fake := vibertest.New(vibertest.Config{Token: "good"})
	defer fake.Close()

	bad := &viber.Client{BaseURL: fake.URL(), Token: "bad"}
	if _, err := bad.GetAccountInfo(t.Context()); !viber.IsStatus(err, viber.StatusInvalidAuthToken) {
		t.Errorf("wrong token: err = %v, want invalidAuthToken", err)
	}
	c := &viber.Client{BaseURL: fake.URL() + "/", Token: "good"}
	info, err := c.GetAccountInfo(t.Context())
	if err != nil || info.ID == "" {
		t.Fatalf("GetAccountInfo = %+v, %v", info, err)
	}
	m := viber.Message{Receiver: "u1", Type: viber.TypeText, Sender: viber.Sender{Name: "Infopunkt"}, Text: "hi"}
	// No webhook yet: Viber refuses to send.
	if _, err := c.SendMessage(t.Context(), m); !viber.IsStatus(err, viber.StatusWebhookNotSet) {
		t.Errorf("without webhook: err = %v", err)
	}
}

func TestSendMessageTokenAbove2p53(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.SetSubscribed("u1", true)
	c := e.a.Client()
	for _, m := range []viber.Message{
		{Type: viber.TypeText, Text: "hello"},
		{Type: viber.TypeURL, Media: "https://infopunkt.example/a"},
		{Type: viber.TypePicture, Media: "https://infopunkt.example/a.jpg", Text: "caption"},
		{Type: viber.TypeFile, Media: "https://infopunkt.example/a.pdf", Size: 1234, FileName: "a.pdf"},
	} {
		m.Receiver, m.Sender = "u1", viber.Sender{Name: "Infopunkt"}
		tok, err := c.SendMessage(t.Context(), m)
		if err != nil {
			t.Fatalf("%s: %v", m.Type, err)
		}
		sent := e.fake.Sent("u1")
		if last := sent[len(sent)-1]; tok != last.Token || tok <= 1<<53 || last.Type != string(m.Type) {
			t.Errorf("%s: token %d, fake recorded %d (%s)", m.Type, tok, last.Token, last.Type)
		}
	}
	if _, err := c.GetUserDetails(t.Context(), "nobody"); !viber.IsStatus(err, viber.StatusReceiverNotRegistered) {
		t.Errorf("GetUserDetails(nobody) err = %v", err)
	}
	if u, err := c.GetUserDetails(t.Context(), "u1"); err != nil || u.ID != "u1" || u.APIVersion == 0 {
		t.Errorf("GetUserDetails(u1) = %+v, %v", u, err)
	}
}

func TestClientRejectsBeforeSending(t *testing.T) {
	fake := vibertest.New(vibertest.Config{Token: "good"})
	defer fake.Close()
	c := &viber.Client{BaseURL: fake.URL(), Token: "good"}
	tests := []struct {
		name string
		m    viber.Message
		want error
	}{
		{"over 30 KB", viber.Message{Type: viber.TypeURL, Media: "https://x.example/" + strings.Repeat("a", 31*1024)}, viber.ErrTooLarge},
		{"no receiver", viber.Message{Type: viber.TypeText, Text: "x"}, viber.ErrInvalidMessage},
		{"empty text", viber.Message{Type: viber.TypeText}, viber.ErrInvalidMessage},
		{"text over 7000", viber.Message{Type: viber.TypeText, Text: strings.Repeat("😀", 3501)}, viber.ErrInvalidMessage},
		{"file without size", viber.Message{Type: viber.TypeFile, Media: "https://x.example/a", FileName: "a"}, viber.ErrInvalidMessage},
		{"long sender", viber.Message{Type: viber.TypeText, Text: "x", Sender: viber.Sender{Name: strings.Repeat("n", 29)}}, viber.ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.m.Sender.Name == "" {
				tt.m.Sender.Name = "Infopunkt"
			}
			if tt.name != "no receiver" {
				tt.m.Receiver = "u1"
			}
			if _, err := c.SendMessage(t.Context(), tt.m); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if n := len(fake.Calls()); n != 0 {
		t.Errorf("fake received %d calls, want none", n)
	}
}

// TestSetWebhookRetry: the webhook is not ready for the first two
// verification callbacks; set_webhook is retried with growing waits until
// Viber's callback gets 200.
func TestSetWebhookRetry(t *testing.T) {
	fake := vibertest.New(vibertest.Config{Token: "good"})
	defer fake.Close()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		if viber.Sign("good", mustRead(t, r)) != r.Header.Get(viber.SignatureHeader) {
			t.Error("verification callback not signed")
		}
	}))
	defer hook.Close()

	var waits []time.Duration
	p := viber.RetryPolicy{Attempts: 5, Wait: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	c := &viber.Client{BaseURL: fake.URL(), Token: "good"}
	if err := c.SetWebhookWithRetry(t.Context(), hook.URL, viber.DefaultEventTypes, p); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(waits) != "[1s 2s]" || hits.Load() != 3 || fake.WebhookURL() != hook.URL {
		t.Errorf("waits %v, callbacks %d, webhook %q", waits, hits.Load(), fake.WebhookURL())
	}

	// Bounded: a webhook that never answers 200 fails after Attempts.
	hits.Store(-100)
	waits = nil
	p.Attempts = 3
	err := c.SetWebhookWithRetry(t.Context(), hook.URL, nil, p)
	if !viber.IsStatus(err, viber.StatusInvalidURL) || len(waits) != 2 {
		t.Errorf("never ready: err = %v after %d waits", err, len(waits))
	}

	// A wrong token is not retried.
	waits = nil
	bad := &viber.Client{BaseURL: fake.URL(), Token: "bad"}
	if err := bad.SetWebhookWithRetry(t.Context(), hook.URL, nil, p); !viber.IsStatus(err, viber.StatusInvalidAuthToken) || len(waits) != 0 {
		t.Errorf("bad token: err = %v after %d waits", err, len(waits))
	}

	// Transport faults are retried; a cancelled wait stops at once.
	fake.InjectFault("set_webhook", vibertest.FaultReset, 1)
	ctx, cancel := context.WithCancel(t.Context())
	p.Wait = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if err := c.SetWebhookWithRetry(ctx, hook.URL, nil, p); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}
