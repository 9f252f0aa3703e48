package viber_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/bot/viber/vibertest"
)

// start is the fixed time every test clock starts at.
var start = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a Handler that records updates.
type recorder struct {
	mu       sync.Mutex
	updates  []bot.Update
	welcomes []bot.Update
	err      error
	welcome  bot.Reply
}

func (r *recorder) Handle(_ context.Context, u bot.Update) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.updates = append(r.updates, u)
	return nil
}

func (r *recorder) Welcome(_ context.Context, u bot.Update) (bot.Reply, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.welcomes = append(r.welcomes, u)
	if r.err != nil {
		return bot.Reply{}, r.err
	}
	w := r.welcome
	w.Chat = u.Chat
	return w, nil
}

func (r *recorder) Updates() []bot.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Update(nil), r.updates...)
}

func (r *recorder) SetErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// memMeta is an in-memory bot.Meta.
type memMeta struct {
	mu  sync.Mutex
	m   map[string][]byte
	err error
}

func (m *memMeta) GetMeta(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	v, ok := m.m[key]
	if !ok {
		return nil, bot.ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (m *memMeta) PutMeta(_ context.Context, key string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[key] = append([]byte(nil), v...)
	return nil
}

func (m *memMeta) Get(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.m[key])
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is an adapter wired to a fake Viber with its webhook registered.
type env struct {
	fake  *vibertest.Server
	a     *viber.Adapter
	h     *recorder
	meta  *memMeta
	clock *clock
	logs  *syncBuffer
}

// secretText is typed by test users; it must never reach the logs.
const secretText = "my passport number is AB123"

func newEnv(t *testing.T, mutate func(*viber.Config)) *env {
	t.Helper()
	e := &env{h: &recorder{}, meta: &memMeta{}, clock: &clock{t: start}, logs: &syncBuffer{}}
	e.fake = vibertest.New(vibertest.Config{Token: "tok-" + t.Name(), Now: e.clock.Now, Seed: 7})
	t.Cleanup(e.fake.Close)
	e.h.welcome = bot.Reply{Title: "Witamy", Text: "Welcome to Infopunkt",
		Buttons: [][]bot.Button{{{Label: "Українська", Data: "lang:uk"}, {Label: "Polski", Data: "lang:pl"}}}}
	var handler lateHandler
	hook := httptest.NewServer(&handler)
	t.Cleanup(hook.Close)
	cfg := viber.Config{
		Token:      e.fake.Token(),
		APIURL:     e.fake.URL(),
		WebhookURL: hook.URL + "/viber",
		Logger:     slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        e.clock.Now,
		WebhookRetry: viber.RetryPolicy{Attempts: 2,
			Wait: func(context.Context, time.Duration) error { return nil }},
		MonthlyReminderCap: 2,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := viber.New(cfg, e.meta, e.h)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	handler.set(a.WebhookHandler())
	if err := a.SetWebhook(t.Context()); err != nil {
		t.Fatalf("set webhook: %v", err)
	}
	t.Cleanup(func() {
		logs := e.logs.String()
		for _, leak := range []string{"Oksana", secretText} {
			if strings.Contains(logs, leak) {
				t.Errorf("logs contain %q:\n%s", leak, logs)
			}
		}
	})
	return e
}

// lateHandler lets the webhook server start before the adapter exists.
type lateHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (l *lateHandler) set(h http.Handler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.h = h
}

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

func mustSendErr(t *testing.T, err error) *bot.SendError {
	t.Helper()
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *bot.SendError", err, err)
	}
	return se
}

func countCalls(fake *vibertest.Server, method string) int {
	n := 0
	for _, c := range fake.Calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

func mustRead(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Error(err)
	}
	return b
}

// errOf drops a Send's receipt, for tests that check only the error.
func errOf(_ bot.Receipt, err error) error { return err }
