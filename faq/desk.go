package faq

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Defaults of the desk settings in desk.yaml.
const (
	DefaultWaitNotice    = 10 * time.Minute
	DefaultIdleClose     = 72 * time.Hour
	DefaultAnswerMinutes = 15
	DefaultReopenWithin  = 7 * 24 * time.Hour
)

// Desk is content/desk.yaml: the consultants' opening hours and the info
// point's own details.
type Desk struct {
	// Location is the zone the hours are in (Europe/Warsaw).
	Location *time.Location
	// Week holds the opening intervals of each weekday (time.Sunday = 0).
	Week [7][]Interval
	// Holidays are the statutory public holidays: fixed dates and
	// Easter-relative days; the desk is closed on them.
	Holidays []Holiday
	// Closures are extra days the desk is closed (YYYY-MM-DD, local).
	Closures []Closure
	// WaitNotice is how long a ticket may wait untaken in opening hours
	// before the user gets a notice and the group a nudge.
	WaitNotice time.Duration
	// IdleClose closes a ticket when the user wrote nothing for this long.
	IdleClose time.Duration
	// AnswerMinutes is the usual answer time promised in opening hours.
	AnswerMinutes int
	// StaffLang is the language of the desk's messages to consultants.
	StaffLang Lang
	// Office is the info point's own details.
	Office Office
}

// Interval is an opening interval within one day, in minutes after midnight.
type Interval struct{ From, To int }

// Holiday is a public holiday: a fixed month and day, or (Month 0) a day
// Easter plus Offset days; Since, if set, is the first year it applies.
type Holiday struct {
	Name   string
	Month  time.Month
	Day    int
	Easter bool
	Offset int
	Since  int
}

// Closure is one extra closed day.
type Closure struct {
	Date   string // YYYY-MM-DD
	Reason string
}

// Office is the info point's contact details, used by the {office_*}
// placeholders. Empty fields are allowed (not yet verified); Hours is a
// free text per language.
type Office struct {
	Name                                Text
	Website, Address, Map, Phone, Email string
	Hours                               Text // optional; else generated from the weekly hours
}

// DefaultDesk is used when content has no desk.yaml: always open.
func DefaultDesk() *Desk {
	d := &Desk{Location: time.UTC, WaitNotice: DefaultWaitNotice, IdleClose: DefaultIdleClose,
		AnswerMinutes: DefaultAnswerMinutes, StaffLang: PL}
	for i := range d.Week {
		d.Week[i] = []Interval{{0, 24 * 60}}
	}
	return d
}

// Easter returns Easter Sunday of year (Gregorian; anonymous algorithm).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// ClosedDay reports whether the local date of t is a holiday or a closure,
// and its name.
func (d *Desk) ClosedDay(t time.Time) (string, bool) {
	t = t.In(d.Location)
	y, m, day := t.Date()
	date := t.Format("2006-01-02")
	for _, c := range d.Closures {
		if c.Date == date {
			return c.Reason, true
		}
	}
	for _, h := range d.Holidays {
		if h.Since != 0 && y < h.Since {
			continue
		}
		if h.Easter {
			e := Easter(y).AddDate(0, 0, h.Offset)
			if e.Month() == m && e.Day() == day {
				return h.Name, true
			}
			continue
		}
		if h.Month == m && h.Day == day {
			return h.Name, true
		}
	}
	return "", false
}

// IsOpen reports whether the desk is open at t.
func (d *Desk) IsOpen(t time.Time) bool {
	t = t.In(d.Location)
	if _, closed := d.ClosedDay(t); closed {
		return false
	}
	mins := t.Hour()*60 + t.Minute()
	return slices.ContainsFunc(d.Week[t.Weekday()], func(iv Interval) bool { return mins >= iv.From && mins < iv.To })
}

// NextOpen returns the next moment at or after t when the desk opens (t
// itself when open), searching up to 60 days; zero if never.
func (d *Desk) NextOpen(t time.Time) time.Time {
	if d.IsOpen(t) {
		return t
	}
	local := t.In(d.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, d.Location)
	for i := 0; i < 60; i++ {
		date := day.AddDate(0, 0, i)
		if _, closed := d.ClosedDay(date.Add(12 * time.Hour)); closed {
			continue
		}
		for _, iv := range d.Week[date.Weekday()] {
			start := time.Date(date.Year(), date.Month(), date.Day(), iv.From/60, iv.From%60, 0, 0, d.Location)
			if start.After(t) {
				return start
			}
		}
	}
	return time.Time{}
}

// OpenSince returns the start of the opening interval containing t, or the
// zero time when the desk is closed at t.
func (d *Desk) OpenSince(t time.Time) time.Time {
	if !d.IsOpen(t) {
		return time.Time{}
	}
	local := t.In(d.Location)
	mins := local.Hour()*60 + local.Minute()
	for _, iv := range d.Week[local.Weekday()] {
		if mins >= iv.From && mins < iv.To {
			return time.Date(local.Year(), local.Month(), local.Day(), iv.From/60, iv.From%60, 0, 0, d.Location)
		}
	}
	return time.Time{}
}

// OfficePlaceholders are the placeholders any node text or message may use;
// Fill replaces them with the info point's details from desk.yaml.
var OfficePlaceholders = []string{"{office_name}", "{office_address}", "{office_map}", "{office_phone}",
	"{office_email}", "{office_hours}", "{office_website}"}

// Fill replaces the {office_*} placeholders in s with the details in l. A
// detail not filled in yet (a staff TODO) shows the website instead, so
// nothing is ever invented.
func (d *Desk) Fill(s string, l Lang) string {
	if d == nil || !strings.Contains(s, "{office_") {
		return s
	}
	o := d.Office
	or := func(v string) string {
		if v != "" {
			return v
		}
		return o.Website
	}
	return strings.NewReplacer(
		"{office_name}", or(o.Name.In(l)),
		"{office_address}", or(o.Address),
		"{office_map}", or(o.Map),
		"{office_phone}", or(o.Phone),
		"{office_email}", or(o.Email),
		"{office_hours}", or(cmp.Or(o.Hours.In(l), d.HoursText(l))),
		"{office_website}", o.Website,
	).Replace(s)
}

var placeholderRe = regexp.MustCompile(`\{office_[a-z_]*\}`)

// checkPlaceholders reports {office_…} placeholders in node texts that
// Fill does not know (a typo would reach users verbatim).
func (l *loader) checkPlaceholders() {
	for _, n := range l.c.Nodes {
		for _, t := range [...]Text{n.Title, n.Text} {
			for _, s := range t {
				for _, p := range placeholderRe.FindAllString(s, -1) {
					if !slices.Contains(OfficePlaceholders, p) {
						l.probs.add(n.Pos, false, "node %q: unknown placeholder %s; known: %s", n.ID, p, strings.Join(OfficePlaceholders, " "))
					}
				}
			}
		}
	}
}
