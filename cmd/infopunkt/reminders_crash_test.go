package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
	"github.com/infopunkt/infopunkt/faq"
)

// clockOffsetEnv, read only by TestMain's child mode, shifts the child's
// reminder clock: the test binary's way into run() in another process.
const clockOffsetEnv = "INFOPUNKT_TEST_CLOCK_OFFSET"

// crashEvents is the shipped categories with a workshop whose day-before
// slot is due and a job fair that has already started (its slot fell due
// while "down").
func crashEvents(t testing.TB, fair, started time.Time) string {
	t.Helper()
	cats, _, _ := strings.Cut(realEvent(t, "x", fair), "\nevents:")
	ev := func(id, cat, title string, start time.Time, remind string) string {
		return `  - id: ` + id + `
    category: ` + cat + `
    title: {uk: "` + title + `", pl: "` + title + `", ru: "` + title + `", en: "` + title + `"}
    place: {online: "https://example.org/x"}
    dates: ["` + start.In(bot.EventZone).Format("2006-01-02 15:04") + `"]
    remind: [` + remind + `]
`
	}
	return cats + "\nevents:\n" + ev("fair", "workshops", "Crash fair", fair, "1d") + ev("begun", "jobfairs", "Already begun", started, "5m")
}

// seedSubscribers writes n consenting Telegram users following workshops
// (every tenth also job fairs) and the last completed pass.
func seedSubscribers(t *testing.T, path string, n int, base int64, lastPass time.Time) {
	t.Helper()
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	work := make(chan int)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				subs := []string{"workshops"}
				if i%10 == 0 {
					subs = append(subs, "jobfairs")
				}
				chat := bot.NewChatKey(bot.Telegram, strconv.FormatInt(base+int64(i), 10))
				_, _, err := db.Apply(context.Background(), chat, "", func(bot.State, bool) bot.Result {
					res := bot.Result{State: bot.State{Mode: bot.ModeBrowse, Consent: true, LangSet: true, Lang: faq.Langs[i%4], Subs: subs, Created: time.Now(), LastSeen: time.Now()}}
					for _, s := range subs {
						res.Effects = append(res.Effects, bot.Effect{Kind: bot.EffectSubscribe, Category: s})
					}
					return res
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := db.PutMeta(context.Background(), "scheduler/last_pass", []byte(lastPass.UTC().Format(time.RFC3339Nano))); err != nil {
		t.Fatal(err)
	}
}

// TestReminderFanOutCrash SIGKILLs the real program at random moments
// while it fans one reminder out to every subscriber and sends them, and
// restarts it on the same file. Afterwards every subscriber has the
// reminder once (only sends in flight at a kill may repeat) and nothing
// went out for the event that had already started. Default 1,000
// subscribers and 3 kills; INFOPUNKT_SOAK=1: 10,000 and 20.
func TestReminderFanOutCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	subscribers, kills := 1000, 3
	if soak() {
		subscribers, kills = 10000, 20
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed))
	day := time.Now().Add(72 * time.Hour)
	fair := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, bot.EventZone)
	childNow := fair.Add(-24*time.Hour + 5*time.Minute)
	data := filepath.Join(t.TempDir(), "infopunkt.db")
	const base = 700000
	seedSubscribers(t, data, subscribers, base, childNow.Add(-10*time.Minute))
	fake := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	env := telegramEnv(fake, "INFOPUNKT_DATA", data, "INFOPUNKT_LISTEN", "127.0.0.1:0",
		"INFOPUNKT_CONTENT", contentWithEvents(t, crashEvents(t, fair, childNow.Add(-time.Minute))),
		"INFOPUNKT_TELEGRAM_RATE", "1000", "INFOPUNKT_ADMIN_LISTEN", "127.0.0.1:0",
		clockOffsetEnv, time.Until(childNow).String())
	t.Logf("seed %d: %d subscribers, %d kills", seed, subscribers, kills)
	proc := startChild(t, env)
	for k := range kills {
		// A random moment of the fan-out (the first kill comes early, while
		// the catch-up pass is still enqueueing) or of the sending.
		wait := 50 + rng.IntN(900)
		if k == 0 {
			wait = 100 + rng.IntN(300)
		}
		time.Sleep(time.Duration(wait) * time.Millisecond)
		proc.alive(t)
		proc.kill(t)
		waitFor(t, "the killed poll to end", 5*time.Second, func() bool { return !fake.Polling() })
		proc = startChild(t, env)
	}
	counts := func() (missing, twice, other int) {
		for i := range subscribers {
			n := 0
			for _, m := range fake.Sent(base + int64(i)) {
				switch {
				case strings.Contains(m.Plain, "Crash fair"):
					n++
				case strings.Contains(m.Plain, "Already begun"):
					other++
				}
			}
			switch {
			case n == 0:
				missing++
			case n > 2:
				t.Errorf("chat %d got the reminder %d times", base+i, n)
				fallthrough
			case n > 1:
				twice += n - 1
			}
		}
		return missing, twice, other
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		proc.alive(t)
		missing, twice, other := counts()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			out := proc.output.String()
			t.Fatalf("timed out: %d subscribers without the reminder (%d twice, %d for the started event)\nchild log tail:\n%s",
				missing, twice, other, out[max(0, len(out)-3000):])
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := proc.stop(t); err != nil {
		t.Errorf("child exited with %v\n%s", err, proc.output.String())
	}
	_, twice, other := counts()
	// What a kill can repeat is what the outbox had in flight: up to 8
	// concurrent sends plus those whose done-mark was not yet committed
	// (one group commit, ~1 ms + an fsync; at 1,000/s allow 50 ms), and
	// never more than one repeat per chat (counted in counts as twice).
	if limit := kills * (8 + 50); twice > limit {
		t.Errorf("%d reminders sent twice after %d kills; at most %d could be in flight", twice, kills, limit)
	}
	if other != 0 {
		t.Errorf("%d reminders sent for the event that had already started", other)
	}
	checkDrained(t, data)
	t.Logf("%d subscribers, %d kills: %d reminders sent twice, 0 lost", subscribers, kills, twice)
}
