package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// pollFresh is how recent a channel's last successful API call must be
// for /readyz (Telegram long polls return at least every 30 s).
const pollFresh = 2 * time.Minute

// readiness tracks whether each configured channel is connected: a
// successful poll recently, or a webhook registered.
type readiness struct {
	mu       sync.Mutex
	channels map[bot.Channel]channelState
}

type channelState struct {
	polling bool      // connected means a recent poll; else a webhook was set
	lastOK  time.Time // last successful poll or webhook registration
}

func newReadiness() *readiness {
	return &readiness{channels: map[bot.Channel]channelState{}}
}

// expect declares a configured channel, not yet connected.
func (r *readiness) expect(ch bot.Channel, polling bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.channels[ch] = channelState{polling: polling}
}

// ok records a successful poll or webhook registration.
func (r *readiness) ok(ch bot.Channel, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.channels[ch]
	st.lastOK = now
	r.channels[ch] = st
}

// check returns one problem per channel that is not connected, keyed by
// channel name.
func (r *readiness) check(now time.Time) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for ch, st := range r.channels {
		switch {
		case st.lastOK.IsZero() && st.polling:
			out[string(ch)] = "no successful API call yet"
		case st.lastOK.IsZero():
			out[string(ch)] = "webhook not registered yet"
		case st.polling && now.Sub(st.lastOK) > pollFresh:
			out[string(ch)] = fmt.Sprintf("last successful API call %s ago", now.Sub(st.lastOK).Round(time.Second))
		default:
			out[string(ch)] = "ok"
		}
	}
	return out
}

// readyReport is the /readyz body.
type readyReport struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"` // check name → "ok" or the problem
	Failed []string          `json:"failed,omitempty"`
	// DeadLetters counts updates set aside after failing repeatedly: worth
	// a look (infopunkt logs say why), but no reason to stop traffic.
	DeadLetters int `json:"dead_letters"`
}

// ready runs every check: the store answers, content is loaded, each
// configured channel is connected, the outbox is not stuck and no update
// is dead-lettered.
func (s *service) ready(ctx context.Context) readyReport {
	now := time.Now()
	checks := map[string]string{}
	if _, err := s.db.Stats(ctx, "health"); err != nil {
		checks["store"] = "data file unreadable"
	} else {
		checks["store"] = "ok"
	}
	if c := s.engine.Content(); c == nil || len(c.Nodes) == 0 {
		checks["content"] = "no content loaded"
	} else {
		checks["content"] = "ok"
	}
	for name, problem := range s.readiness.check(now) {
		checks["channel/"+name] = problem
	}
	checks["outbox"] = s.outboxCheck(ctx, now)
	for name, problem := range s.extraReady(ctx) {
		checks[name] = problem
	}
	rep := readyReport{Ready: true, Checks: checks}
	if n, err := s.db.DeadLetters(ctx); err != nil {
		checks["dead_letters"] = "unreadable"
	} else {
		rep.DeadLetters = n
	}
	for name, v := range checks {
		if v != "ok" {
			rep.Ready = false
			rep.Failed = append(rep.Failed, name)
		}
	}
	sort.Strings(rep.Failed)
	return rep
}

// outboxCheck fails when the oldest due item waits longer than
// INFOPUNKT_READY_OUTBOX_AGE.
func (s *service) outboxCheck(ctx context.Context, now time.Time) string {
	st, err := s.db.OutboxStats(ctx, now)
	if err != nil {
		return "outbox unreadable"
	}
	for ch, c := range st {
		if c.Oldest > s.cfg.ReadyOutboxAge {
			return fmt.Sprintf("%s: oldest due item waits %s (limit %s)", ch, c.Oldest.Round(time.Second), s.cfg.ReadyOutboxAge)
		}
	}
	return "ok"
}

func (s *service) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	rep := s.ready(ctx)
	w.Header().Set("Content-Type", "application/json")
	if !rep.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
}

// pollTransport marks a channel connected after every successful call
// to its API (getMe at start, then every getUpdates, which returns at
// least every long-poll timeout), without the adapter knowing: it wraps
// the adapter's HTTP transport.
type pollTransport struct {
	next http.RoundTripper
	mark func()
}

func (t pollTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusOK {
		t.mark()
	}
	return resp, err
}

// readyCheck is a /readyz check other parts add to s.readyExtra before
// serve: it returns "ok" or the problem.
type readyCheck struct {
	name  string
	check func(ctx context.Context) string
}

func (s *service) extraReady(ctx context.Context) map[string]string {
	out := map[string]string{}
	for _, c := range s.readyExtra {
		out[c.name] = c.check(ctx)
	}
	return out
}
