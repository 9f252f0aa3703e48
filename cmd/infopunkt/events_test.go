package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

func TestEventsCommand(t *testing.T) {
	env := map[string]string{"INFOPUNKT_DATA": filepath.Join(t.TempDir(), "d.db")}
	out, errs, err := runCmd(t, "", env, "events", "--examples", "--days", "14", "--json")
	if err != nil {
		t.Fatalf("events: %v\n%s", err, errs)
	}
	var got []eventsReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got) < 2 {
		t.Fatalf("want the example events' occurrences in 14 days, got %+v", got)
	}
	for _, r := range got {
		if r.Subscribers == nil || *r.Subscribers != 0 || len(r.Slots) == 0 || !r.Example {
			t.Errorf("occurrence %+v: want 0 subscribers, slots, example", r)
		}
		for _, s := range r.Slots {
			if !s.At.Before(r.Start) {
				t.Errorf("slot %v not before the start %v", s.At, r.Start)
			}
		}
	}
	// Without --examples the shipped file has nothing real to list.
	out, _, err = runCmd(t, "", env, "events")
	if err != nil || !strings.Contains(out, "no upcoming events") {
		t.Errorf("events without examples: %q, %v", out, err)
	}
}

func TestICS(t *testing.T) {
	start := time.Date(2026, 12, 8, 18, 0, 0, 0, bot.EventZone)
	e := &faq.Event{ID: "course", Duration: 90 * time.Minute,
		Title:       faq.Text{"Курс; польська, рівень A1", "", "", ""},
		Description: faq.Text{strings.Repeat("Довгий опис. ", 20), "", "", ""},
		Place:       faq.Place{Address: "Rynek 1, Wrocław"}}
	ics := icsEvent(e, start, faq.UK, start.Add(-time.Hour))
	for _, want := range []string{"UID:course-" + "1796749200@infopunkt\r\n", "DTSTART:20261208T170000Z\r\n",
		"DTEND:20261208T183000Z\r\n", `SUMMARY:Курс\; польська\, рівень A1`, `LOCATION:Rynek 1\, Wrocław`} {
		if !strings.Contains(ics, want) {
			t.Errorf("ics lacks %q:\n%s", want, ics)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
}
