package scheduler_test

import (
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
	"github.com/infopunkt/infopunkt/scheduler"
)

var (
	warsaw = bot.EventZone
	plan   = scheduler.Plan{Loc: warsaw, Quiet: scheduler.DefaultQuietHours}
)

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, warsaw)
}

func oneOff(id string, starts ...time.Time) *faq.Event {
	return &faq.Event{ID: id, Category: "workshops", Dates: starts, Duration: time.Hour, Remind: faq.DefaultRemind}
}

func TestSlotsQuietHours(t *testing.T) {
	cases := []struct {
		name  string
		start time.Time
		want  []time.Time // slot times, soonest first
	}{
		{"daytime", at(2026, 6, 10, 18, 0), []time.Time{at(2026, 6, 9, 18, 0), at(2026, 6, 10, 16, 0)}},
		{"day before falls in quiet hours: to the morning", at(2026, 6, 10, 22, 30), []time.Time{at(2026, 6, 10, 8, 0), at(2026, 6, 10, 20, 30)}},
		{"morning event: the 2 h slot goes the evening before", at(2026, 6, 10, 7, 30), []time.Time{at(2026, 6, 9, 8, 0), at(2026, 6, 9, 20, 59)}},
		{"quiet hours end just before the start", at(2026, 6, 10, 8, 30), []time.Time{at(2026, 6, 9, 8, 30), at(2026, 6, 10, 8, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slots := plan.Slots(scheduler.Occurrence{Event: oneOff("x", tc.start), Start: tc.start})
			if len(slots) != len(tc.want) {
				t.Fatalf("%d slots %v, want %v", len(slots), slots, tc.want)
			}
			for i, s := range slots {
				if !s.At.Equal(tc.want[i]) {
					t.Errorf("slot %d at %v, want %v", i, s.At, tc.want[i])
				}
			}
		})
	}
}

func TestParseQuietHours(t *testing.T) {
	q, err := scheduler.ParseQuietHours("22:30-07:00")
	if err != nil || q.String() != "22:30-07:00" {
		t.Fatalf("got %v %v", q, err)
	}
	if _, err := scheduler.ParseQuietHours("25:00-07:00"); err == nil {
		t.Error("25:00 accepted")
	}
	if q, _ := scheduler.ParseQuietHours("off"); q.Start != q.End {
		t.Error("off is not empty")
	}
	if q, _ := scheduler.ParseQuietHours(""); q != scheduler.DefaultQuietHours {
		t.Error("empty is not the default")
	}
}

// dueByMinute walks a clock in steps and collects every slot Due returns,
// as the per-minute passes do.
func dueByMinute(events []*faq.Event, from, to time.Time, step time.Duration) map[string]int {
	seen := map[string]int{}
	for t := from; t.Before(to); t = t.Add(step) {
		for _, s := range plan.Due(events, t, t.Add(step)) {
			seen[s.Key()]++
		}
	}
	return seen
}

// TestDueAcrossDST: a daily event at 02:30 and an hourly one, walked in
// ten-minute passes across both 2026 changes: every occurrence's slots come
// due exactly once, none twice, none dropped.
func TestDueAcrossDST(t *testing.T) {
	daily := &faq.Event{ID: "daily", Category: "c", Cron: "30 2 * * *", Remind: []time.Duration{2 * time.Hour}}
	hourly := &faq.Event{ID: "hourly", Category: "c", Cron: "0 * * * *", Remind: []time.Duration{30 * time.Minute}}
	noQuiet := scheduler.Plan{Loc: warsaw}
	for _, day := range []time.Time{at(2026, 3, 29, 0, 0), at(2026, 10, 25, 0, 0)} {
		from, to := day.AddDate(0, 0, -1), day.AddDate(0, 0, 2)
		seen := map[string]int{}
		for t := from; t.Before(to); t = t.Add(10 * time.Minute) {
			for _, s := range noQuiet.Due([]*faq.Event{daily, hourly}, t, t.Add(10*time.Minute)) {
				seen[s.Key()]++
			}
		}
		var want int
		for _, e := range []*faq.Event{daily, hourly} {
			for _, o := range noQuiet.Occurrences([]*faq.Event{e}, from.Add(time.Hour), to) {
				want += len(noQuiet.Slots(o))
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s: slot %s due %d times", day.Format("01-02"), k, n)
			}
		}
		dailyOcc := noQuiet.Occurrences([]*faq.Event{daily}, day, day.AddDate(0, 0, 1))
		if len(dailyOcc) != 1 {
			t.Errorf("%s: daily 02:30 has %d occurrences on the day", day.Format("01-02"), len(dailyOcc))
		}
		if len(seen) < want-2 { // the first hour's slots fell before from
			t.Errorf("%s: %d slots due, want about %d", day.Format("01-02"), len(seen), want)
		}
	}
}

func TestDueExceptAndUntil(t *testing.T) {
	e := &faq.Event{ID: "course", Category: "c", Cron: "0 18 * * TUE", Remind: []time.Duration{2 * time.Hour},
		Until: at(2026, 6, 30, 0, 0), Except: []time.Time{at(2026, 6, 16, 0, 0)}}
	seen := dueByMinute([]*faq.Event{e}, at(2026, 6, 1, 0, 0), at(2026, 7, 31, 0, 0), time.Hour)
	var days []string
	for k := range seen {
		days = append(days, k)
	}
	if len(seen) != 4 { // 2, 9, 23, 30 June
		t.Errorf("slots %v, want 4 (16 June excepted, nothing after 30 June)", days)
	}
}
