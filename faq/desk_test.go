package faq_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	shipped "github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

func shippedDesk(t *testing.T) *faq.Desk {
	t.Helper()
	c, probs, err := faq.Load(shipped.FS(), faq.Options{Name: "content"})
	if err != nil {
		t.Fatalf("%v\n%s", err, probs.Error())
	}
	return c.Desk
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2024: "03-31", 2025: "04-20", 2026: "04-05", 2027: "03-28", 2038: "04-25"} {
		if got := faq.Easter(year).Format("01-02"); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

// TestPolishHolidays2026 checks the shipped list against the statutory
// days of 2026 (ustawa o dniach wolnych od pracy, art. 1, with 24 December
// since 2025) — Sundays aside.
func TestPolishHolidays2026(t *testing.T) {
	d := shippedDesk(t)
	want := map[string]bool{
		"2026-01-01": true, "2026-01-06": true, "2026-04-05": true, "2026-04-06": true, "2026-05-01": true,
		"2026-05-03": true, "2026-05-24": true, "2026-06-04": true, "2026-08-15": true, "2026-11-01": true,
		"2026-11-11": true, "2026-12-24": true, "2026-12-25": true, "2026-12-26": true,
	}
	got := map[string]bool{}
	for day := time.Date(2026, 1, 1, 12, 0, 0, 0, d.Location); day.Year() == 2026; day = day.AddDate(0, 0, 1) {
		if _, closed := d.ClosedDay(day); closed {
			got[day.Format("2006-01-02")] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s is a statutory holiday, not in desk.yaml", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s is closed but is no statutory holiday", k)
		}
	}
	if _, closed := d.ClosedDay(time.Date(2024, 12, 24, 12, 0, 0, 0, d.Location)); closed {
		t.Error("24 December 2024 was a working day (the holiday applies from 2025)")
	}
}

func TestOpeningHours(t *testing.T) {
	d := shippedDesk(t)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, d.Location)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, now, next string
	}{
		{"open", "2026-12-02 10:00", "2026-12-02 10:00"},
		{"before opening", "2026-12-02 07:30", "2026-12-02 09:00"},
		{"evening", "2026-12-02 17:00", "2026-12-03 09:00"},
		{"friday night to monday", "2026-12-04 20:00", "2026-12-07 09:00"},
		{"christmas eve to the 28th", "2026-12-23 18:00", "2026-12-28 09:00"},
		{"easter monday", "2026-04-03 18:00", "2026-04-07 09:00"},
		{"corpus christi", "2026-06-04 10:00", "2026-06-05 09:00"},
		{"spring DST weekend", "2026-03-28 12:00", "2026-03-30 09:00"},
		{"autumn DST weekend", "2026-10-24 12:00", "2026-10-26 09:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := d.NextOpen(at(tc.now))
			if want := at(tc.next); !got.Equal(want) {
				t.Errorf("NextOpen(%s) = %s, want %s", tc.now, got.In(d.Location), want)
			}
		})
	}
	// 09:00 local is 08:00 UTC in winter and 07:00 UTC in summer.
	if got := d.NextOpen(at("2026-03-28 12:00")).UTC().Hour(); got != 7 {
		t.Errorf("opening after the spring change at %d:00 UTC, want 7", got)
	}
	if got := d.NextOpen(at("2026-10-24 12:00")).UTC().Hour(); got != 8 {
		t.Errorf("opening after the autumn change at %d:00 UTC, want 8", got)
	}
}

func TestDeskClosureAndProblems(t *testing.T) {
	base := dirFS(t, "testdata/valid")
	good := `timezone: Europe/Warsaw
hours: {mon: ["09:00-12:00", "13:00-17:00"]}
closures: [{date: "2026-12-07", reason: training}]
office: {name: {uk: a, pl: b, ru: c, en: d}, website: "https://example.org/", phone: "+48 71 000 00 00"}
`
	base["desk.yaml"] = &fstest.MapFile{Data: []byte(good)}
	c, probs, err := faq.Load(base, testOptions())
	if err != nil {
		t.Fatalf("%v\n%s", err, probs.Error())
	}
	d := c.Desk
	mon := time.Date(2026, 12, 7, 10, 0, 0, 0, d.Location)
	if d.IsOpen(mon) {
		t.Error("open on a closure day")
	}
	if next := d.NextOpen(mon); !next.Equal(time.Date(2026, 12, 14, 9, 0, 0, 0, d.Location)) {
		t.Errorf("next after the closure: %s", next)
	}
	if d.IsOpen(time.Date(2026, 12, 14, 12, 30, 0, 0, d.Location)) {
		t.Error("open over lunch")
	}
	if got := d.Fill("{office_phone} / {office_email}", faq.EN); got != "+48 71 000 00 00 / https://example.org/" {
		t.Errorf("Fill = %q", got)
	}

	bad := "timezone: Mars/Olympus\nhours: {mon: [\"17:00-09:00\"], moon: []}\nwait_notice: soon\nholidays: [{name: x}]\noffice: {name: {uk: a}, website: \"http://x\"}\n"
	base["desk.yaml"] = &fstest.MapFile{Data: []byte(bad)}
	_, probs, err = faq.Load(base, testOptions())
	if err == nil {
		t.Fatal("bad desk.yaml accepted")
	}
	text := probs.Error()
	for _, want := range []string{"content/desk.yaml:1:11: timezone", "content/desk.yaml:2:", "ends before it starts", `unknown key "moon"`,
		"content/desk.yaml:3:14: wait_notice", "exactly one of date", "missing languages: pl, ru, en", "https://"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestHoursText(t *testing.T) {
	d := faq.DefaultDesk()
	for i := range d.Week {
		d.Week[i] = nil
	}
	nine := []faq.Interval{{From: 9 * 60, To: 17 * 60}}
	for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday} {
		d.Week[wd] = nine
	}
	d.Week[time.Friday] = []faq.Interval{{From: 9 * 60, To: 12 * 60}, {From: 13 * 60, To: 15*60 + 30}}
	tests := map[faq.Lang]string{
		faq.EN: "Mon–Thu 09:00–17:00; Fri 09:00–12:00, 13:00–15:30",
		faq.PL: "pon.–czw. 09:00–17:00; pt. 09:00–12:00, 13:00–15:30",
		faq.UK: "пн–чт 09:00–17:00; пт 09:00–12:00, 13:00–15:30",
	}
	for l, want := range tests {
		if got := d.HoursText(l); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
	}
	if got := d.Fill("{office_hours}", faq.EN); got != tests[faq.EN] {
		t.Errorf("Fill without an hours text = %q", got)
	}
	d.Office.Hours = faq.Text{faq.EN: "by appointment"}
	if got := d.Fill("{office_hours}", faq.EN); got != "by appointment" {
		t.Errorf("Fill with an hours text = %q", got)
	}
	d.Week = [7][]faq.Interval{}
	d.Office.Hours, d.Office.Website = faq.Text{}, "https://example.org/"
	if got := d.Fill("{office_hours}", faq.EN); got != "https://example.org/" {
		t.Errorf("Fill of a desk never open = %q, want the website", got)
	}
}
