package faq_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

var warsaw = mustZone()

func mustZone() *time.Location {
	loc, err := time.LoadLocation(faq.EventZone)
	if err != nil {
		panic(err)
	}
	return loc
}

const eventsHead = `categories:
  - id: workshops
    title: {uk: Майстер-класи, pl: Warsztaty, ru: Мастер-классы, en: Workshops}
events:
`

const titles = `    title: {uk: Курс, pl: Kurs, ru: Курс, en: Course}
`

// loadEvents loads the valid fixture with events.yaml replaced.
func loadEvents(t *testing.T, events string) (*faq.Content, faq.Problems, error) {
	t.Helper()
	m := overlay(t, "")
	m["events.yaml"] = &fstest.MapFile{Data: []byte(eventsHead + events)}
	return faq.Load(m, testOptions())
}

func TestEventsLoad(t *testing.T) {
	c, _, err := loadEvents(t, `  - id: course
    category: workshops
`+titles+`    place: {online: "https://example.org/x"}
    schedule: {cron: "0 18 * * TUE", from: 2026-06-01, until: 2026-06-30, except: [2026-06-16]}
    duration: 90m
  - id: fair
    category: workshops
`+titles+`    place: {address: "Rynek 1, Wrocław", map: "https://example.org/map"}
    dates: ["2026-07-01 10:00"]
    remind: [2h, 3d]
`)
	if err != nil {
		t.Fatal(err)
	}
	course, fair := c.Event("course"), c.Event("fair")
	if course == nil || fair == nil {
		t.Fatalf("events not loaded: %+v", c.Events)
	}
	if course.Duration != 90*time.Minute || len(course.Remind) != 2 || course.Remind[0] != 24*time.Hour {
		t.Errorf("course timing: %v %v", course.Duration, course.Remind)
	}
	if fair.Remind[0] != 72*time.Hour || fair.Remind[1] != 2*time.Hour {
		t.Errorf("remind not sorted longest first: %v", fair.Remind)
	}
	got := course.Occurrences(time.Date(2026, 5, 1, 0, 0, 0, 0, warsaw), time.Date(2026, 8, 1, 0, 0, 0, 0, warsaw), warsaw)
	var days []string
	for _, o := range got {
		days = append(days, o.Format("01-02 15:04"))
	}
	if want := "06-02 18:00,06-09 18:00,06-23 18:00,06-30 18:00"; strings.Join(days, ",") != want {
		t.Errorf("occurrences %v, want %s (from, until, except applied)", days, want)
	}
}

func TestEventsErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"no timing", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n",
			"events.yaml:5:5: event: give a recurring schedule or one-off dates"},
		{"bad cron", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    schedule: {cron: \"0 25 * * *\"}\n",
			"events.yaml:9:22: schedule.cron"},
		{"zone in cron", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    schedule: {cron: \"CRON_TZ=UTC 0 8 * * *\"}\n",
			"without a zone"},
		{"unknown category", "  - id: a\n    category: nope\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"2026-07-01 10:00\"]\n",
			"events.yaml:6:15: category: no category \"nope\""},
		{"DST gap", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"2027-03-28 02:30\"]\n",
			"does not exist in Europe/Warsaw"},
		{"bad date", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"1.07.2026 10:00\"]\n",
			"events.yaml:9:13: dates"},
		{"two places", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\", address: x}\n    dates: [\"2026-07-01 10:00\"]\n",
			"not both"},
		{"bad offset", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"2026-07-01 10:00\"]\n    remind: [1m]\n",
			"remind: 1m is not between"},
		{"until before from", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    schedule: {cron: \"0 8 * * *\", from: 2026-07-01, until: 2026-06-01}\n",
			"before schedule.from"},
		{"duplicate id", "  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"2026-07-01 10:00\"]\n  - id: a\n    category: workshops\n" + titles + "    place: {online: \"https://example.org\"}\n    dates: [\"2026-07-01 10:00\"]\n",
			"duplicate event id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, probs, err := loadEvents(t, tc.yaml)
			if err == nil {
				t.Fatalf("no error; problems: %v", probs)
			}
			if !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems:\n%v\nwant one containing %q", probs, tc.want)
			}
		})
	}
}

func TestEventWarnings(t *testing.T) {
	_, probs, err := loadEvents(t, "  - id: a\n    category: workshops\n"+titles+"    place: {online: \"https://example.org\"}\n    dates: [\"2020-07-01 10:00\"]\n")
	if err != nil || !strings.Contains(probs.Error(), "no date in the coming year") {
		t.Errorf("want a warning for a past event; err %v, problems %v", err, probs)
	}
}

// TestOccurrencesAcrossDST: a daily 02:30 event happens once on each day
// around both changes of 2026 in Warsaw (29 March, 25 October).
func TestOccurrencesAcrossDST(t *testing.T) {
	e := &faq.Event{Cron: "30 2 * * *"}
	for _, day := range []time.Time{time.Date(2026, 3, 29, 0, 0, 0, 0, warsaw), time.Date(2026, 10, 25, 0, 0, 0, 0, warsaw)} {
		got := e.Occurrences(day.AddDate(0, 0, -1), day.AddDate(0, 0, 2), warsaw)
		if len(got) != 3 {
			t.Fatalf("around %s: %d occurrences %v, want 3", day.Format("2006-01-02"), len(got), got)
		}
		for i, o := range got {
			if o.Day() != day.AddDate(0, 0, i-1).Day() {
				t.Errorf("occurrence %d on %v", i, o)
			}
		}
	}
	hourly := &faq.Event{Cron: "0 * * * *"}
	oct := hourly.Occurrences(time.Date(2026, 10, 25, 0, 0, 0, 0, warsaw), time.Date(2026, 10, 26, 0, 0, 0, 0, warsaw), warsaw)
	if len(oct) != 24 {
		t.Errorf("hourly on 25 October: %d occurrences, want 24 (wall-clock hours, the repeated 02:00 once)", len(oct))
	}
}
