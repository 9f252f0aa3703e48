package main

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// TestReminderPacing measures a reminder fan-out's send rate through the
// real run() against telegramtest enforcing Telegram's limits: 30/s overall
// (INFOPUNKT_TELEGRAM_RATE=30, 2,250 subscribers, best 60 s window) and
// paid broadcasts' 1,000/s (10,000 subscribers). Behind INFOPUNKT_SOAK=1:
//
//	INFOPUNKT_SOAK=1 nice go test ./cmd/infopunkt -run TestReminderPacing -v
func TestReminderPacing(t *testing.T) {
	if !soak() {
		t.Skip("takes over a minute; set INFOPUNKT_SOAK=1")
	}
	cases := []struct {
		name        string
		rate, users int
		window      time.Duration
		min         float64
	}{
		{"30 per second", 30, 2250, 60 * time.Second, 29},
		{"1000 per second", 1000, 10000, 8 * time.Second, 900},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			day := time.Now().Add(72 * time.Hour)
			fair := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, bot.EventZone)
			childNow := fair.Add(-24*time.Hour + 5*time.Minute)
			data := filepath.Join(t.TempDir(), "infopunkt.db")
			const base = 800000
			seedSubscribers(t, data, tc.users, base, childNow.Add(-10*time.Minute))
			limits := telegramtest.DefaultLimits()
			limits.Global = []telegramtest.Window{{Max: tc.rate, Per: time.Second}}
			fake := telegramtest.New(t, telegramtest.Options{Limits: limits})
			offset := time.Until(childNow)
			clock := &offsetClock{offset}
			captureServiceFunc(t, clock.Now)
			env := telegramEnv(fake, "INFOPUNKT_DATA", data,
				"INFOPUNKT_CONTENT", contentWithEvents(t, crashEvents(t, fair, childNow.Add(-time.Minute))),
				"INFOPUNKT_TELEGRAM_RATE", strconv.Itoa(tc.rate))
			startRun(t, env, nil)
			var times []time.Time
			eventually(t, "every reminder sent", 10*time.Minute, time.Second, func() bool {
				times = times[:0]
				for i := range tc.users {
					for _, m := range fake.Sent(base + int64(i)) {
						if strings.Contains(m.Plain, "Crash fair") {
							times = append(times, m.Time)
						}
					}
				}
				return len(times) >= tc.users
			})
			slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
			best := 0
			for i, j := 0, 0; i < len(times); i++ {
				for j < len(times) && times[j].Sub(times[i]) < tc.window {
					j++
				}
				best = max(best, j-i)
			}
			rate := float64(best) / tc.window.Seconds()
			total := times[len(times)-1].Sub(times[0])
			t.Logf("%d reminders in %v (%.1f/s overall); best %v window %.1f/s; %d limit violations, %d 429s",
				len(times), total.Round(time.Millisecond), float64(len(times)-1)/total.Seconds(), tc.window, rate, fake.Violations(), count429(fake))
			if rate < tc.min || fake.Violations() != 0 {
				t.Errorf("rate %.1f/s (want >= %.0f), %d violations (want 0)", rate, tc.min, fake.Violations())
			}
		})
	}
}

// offsetClock is the wall clock shifted by a fixed offset.
type offsetClock struct{ off time.Duration }

func (c *offsetClock) Now() time.Time { return time.Now().Add(c.off) }

// captureServiceFunc installs serviceHook with clock for one test.
func captureServiceFunc(t *testing.T, clock func() time.Time) {
	t.Helper()
	serviceHook = func(s *service) { s.now = clock }
	t.Cleanup(func() { serviceHook = nil })
}
