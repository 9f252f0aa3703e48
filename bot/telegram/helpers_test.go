package telegram_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// memMeta is an in-memory bot.Meta.
type memMeta struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMeta() *memMeta { return &memMeta{m: map[string][]byte{}} }

func (m *memMeta) GetMeta(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return nil, bot.ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (m *memMeta) PutMeta(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key] = append([]byte(nil), value...)
	return nil
}

func (m *memMeta) get(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.m[key])
}

func (m *memMeta) snapshot() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.m)
}

// recorder is a Handler that records updates and can fail on demand.
type recorder struct {
	mu   sync.Mutex
	got  []bot.Update
	fail func(bot.Update) error // nil: succeed
}

func (r *recorder) Handle(_ context.Context, u bot.Update) error {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(u); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, u)
	return nil
}

func (r *recorder) updates() []bot.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Update(nil), r.got...)
}

func (r *recorder) count() int { return len(r.updates()) }

type fixture struct {
	srv  *telegramtest.Server
	meta *memMeta
	rec  *recorder
	a    *telegram.Adapter
}

// newFixture starts a fake server and an adapter; change cfg with edit.
func newFixture(t *testing.T, opts telegramtest.Options, edit func(*telegram.Config)) *fixture {
	t.Helper()
	f := &fixture{srv: telegramtest.New(t, opts), meta: newMeta(), rec: &recorder{}}
	cfg := telegram.Config{
		Token:       f.srv.Token(),
		APIURL:      f.srv.URL(),
		PollTimeout: time.Second,
		RetryMin:    5 * time.Millisecond,
		RetryMax:    20 * time.Millisecond,
		HTTPClient:  &http.Client{Timeout: 2 * time.Second},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := telegram.New(context.Background(), cfg, f.meta, f.rec)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	f.a = a
	return f
}

// poll runs Poll until the test ends and returns its result channel.
func (f *fixture) poll(t *testing.T) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		done <- f.a.Poll(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Error("Poll did not stop")
		}
	})
	return done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// httpPostForm calls a Bot API method on the fake directly.
func httpPostForm(s *telegramtest.Server, method string, v url.Values) (string, error) {
	resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/"+method, v)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// errOf drops a Send's receipt, for tests that check only the error.
func errOf(_ bot.Receipt, err error) error { return err }
