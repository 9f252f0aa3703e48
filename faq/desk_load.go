package faq

import (
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// weekdayKeys are desk.yaml's hours keys, indexed by time.Weekday.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var (
	intervalRe = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$`)
	monthDayRe = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)
)

// officeRule checks the info point's name and hours note.
var officeRule = textRule{what: "office", all: true, max: 300, length: utf16Len}

// loadDesk decodes desk.yaml; without it the desk is always open.
func (l *loader) loadDesk(fsys fs.FS) {
	l.c.Desk = DefaultDesk()
	f := l.file("desk.yaml")
	root := f.load(fsys, "desk.yaml", false)
	if root == nil {
		return
	}
	top := f.fields(root, "desk.yaml", []string{"timezone", "staff_language", "answer_minutes", "wait_notice",
		"idle_close", "hours", "holidays", "closures", "office"})
	if top == nil || !f.require(root, top, "timezone", "hours", "office") {
		return
	}
	d := &Desk{Location: time.UTC, WaitNotice: DefaultWaitNotice, IdleClose: DefaultIdleClose,
		AnswerMinutes: DefaultAnswerMinutes, StaffLang: PL}
	l.deskSettings(f, top, d)
	l.deskHours(f, top.val("hours"), d)
	if v := top.val("holidays"); v != nil {
		for _, item := range f.list(v, "holidays") {
			if h, ok := deskHoliday(f, item); ok {
				d.Holidays = append(d.Holidays, h)
			}
		}
	}
	if v := top.val("closures"); v != nil {
		for _, item := range f.list(v, "closures") {
			if c, ok := deskClosure(f, item); ok {
				d.Closures = append(d.Closures, c)
			}
		}
	}
	d.Office = deskOffice(f, top.val("office"))
	l.c.Desk = d
}

func (l *loader) deskSettings(f *file, top fieldSet, d *Desk) {
	if v := top.val("timezone"); v != nil {
		name := f.str(v, "timezone")
		loc, err := time.LoadLocation(name)
		if err != nil || name == "" {
			f.errorf(v, "timezone: unknown time zone %q (use e.g. Europe/Warsaw)", name)
		} else {
			d.Location = loc
		}
	}
	if v := top.val("staff_language"); v != nil {
		s := f.str(v, "staff_language")
		if lang, ok := ParseLang(s); ok && lang.String() == s {
			d.StaffLang = lang
		} else {
			f.errorf(v, "staff_language: unknown language %q; use uk, pl, ru, en", s)
		}
	}
	if v := top.val("answer_minutes"); v != nil {
		if n := f.integer(v, "answer_minutes"); n < 1 || n > 24*60 {
			f.errorf(v, "answer_minutes: %d is out of range 1–1440", n)
		} else {
			d.AnswerMinutes = n
		}
	}
	d.WaitNotice = deskDuration(f, top.val("wait_notice"), "wait_notice", d.WaitNotice)
	d.IdleClose = deskDuration(f, top.val("idle_close"), "idle_close", d.IdleClose)
}

func deskDuration(f *file, v *yaml.Node, what string, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	s := f.str(v, what)
	dur, err := time.ParseDuration(s)
	if err != nil || dur < time.Minute {
		f.errorf(v, "%s: %q is not a duration of at least 1m (write e.g. 10m, 72h)", what, s)
		return def
	}
	return dur
}

// deskHours decodes the weekly hours: a key per weekday with a list of
// "HH:MM-HH:MM" intervals; a missing day is closed.
func (l *loader) deskHours(f *file, v *yaml.Node, d *Desk) {
	if v == nil {
		return
	}
	allowed := weekdayKeys[:]
	fs := f.fields(v, "hours", allowed)
	for day, key := range weekdayKeys {
		p, ok := fs[key]
		if !ok {
			continue
		}
		for _, item := range f.list(p.val, "hours."+key) {
			if iv, ok := deskInterval(f, item, "hours."+key); ok {
				d.Week[day] = append(d.Week[day], iv)
			}
		}
	}
}

func deskInterval(f *file, n *yaml.Node, what string) (Interval, bool) {
	s := f.str(n, what)
	m := intervalRe.FindStringSubmatch(s)
	if m == nil {
		f.errorf(n, "%s: %q is not an interval like 09:00-17:00", what, s)
		return Interval{}, false
	}
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	iv := Interval{From: atoi(m[1])*60 + atoi(m[2]), To: atoi(m[3])*60 + atoi(m[4])}
	if iv.To <= iv.From || iv.To > 24*60 {
		f.errorf(n, "%s: %q ends before it starts", what, s)
		return Interval{}, false
	}
	return iv, true
}

// deskHoliday decodes {name, date: MM-DD} or {name, easter: offset} with
// an optional since: year.
func deskHoliday(f *file, item *yaml.Node) (Holiday, bool) {
	fs := f.fields(item, "holiday", []string{"name", "date", "easter", "since"})
	if fs == nil || !f.require(item, fs, "name") {
		return Holiday{}, false
	}
	h := Holiday{Name: f.str(fs.val("name"), "name")}
	date, easter := fs.val("date"), fs.val("easter")
	switch {
	case (date == nil) == (easter == nil):
		f.errorf(item, "holiday %q: give exactly one of date (MM-DD) or easter (days after Easter Sunday)", h.Name)
		return Holiday{}, false
	case date != nil:
		s := f.str(date, "date")
		m := monthDayRe.FindStringSubmatch(s)
		if m == nil {
			f.errorf(date, "date: %q is not MM-DD", s)
			return Holiday{}, false
		}
		month, _ := strconv.Atoi(m[1])
		h.Month, h.Day = time.Month(month), mustAtoi(m[2])
	default:
		h.Easter, h.Offset = true, f.integer(easter, "easter")
		if h.Offset < -60 || h.Offset > 70 {
			f.errorf(easter, "easter: %d days is out of range", h.Offset)
			return Holiday{}, false
		}
	}
	if v := fs.val("since"); v != nil {
		h.Since = f.integer(v, "since")
	}
	return h, true
}

func mustAtoi(s string) int { v, _ := strconv.Atoi(s); return v }

func deskClosure(f *file, item *yaml.Node) (Closure, bool) {
	fs := f.fields(item, "closure", []string{"date", "reason"})
	if fs == nil || !f.require(item, fs, "date") {
		return Closure{}, false
	}
	c := Closure{Date: f.str(fs.val("date"), "date")}
	if _, err := time.Parse("2006-01-02", c.Date); err != nil {
		f.errorf(fs.val("date"), "date: %q is not YYYY-MM-DD", c.Date)
		return Closure{}, false
	}
	if v := fs.val("reason"); v != nil {
		c.Reason = f.str(v, "reason")
	}
	return c, true
}

// deskOffice decodes the info point's details. Unverified details stay
// empty ("") and are reported as warnings, so nobody invents them.
func deskOffice(f *file, v *yaml.Node) Office {
	var o Office
	if v == nil {
		return o
	}
	keys := []string{"name", "website", "address", "map", "phone", "email", "hours"}
	fs := f.fields(v, "office", keys)
	if fs == nil || !f.require(v, fs, "name", "website") {
		return o
	}
	r := officeRule
	r.what = "office.name"
	o.Name = f.text(fs.val("name"), r)
	if h := fs.val("hours"); h != nil {
		r.what = "office.hours"
		o.Hours = f.text(h, r)
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"website", &o.Website}, {"address", &o.Address}, {"map", &o.Map}, {"phone", &o.Phone}, {"email", &o.Email}} {
		n := fs.val(k.key)
		if n == nil {
			continue
		}
		// An empty value is a staff TODO (not yet checked): {office_…}
		// then shows the website instead.
		*k.dst = f.str(n, "office."+k.key)
	}
	if o.Website != "" && !strings.HasPrefix(o.Website, "https://") {
		f.errorf(fs.val("website"), "office.website must start with https://")
	}
	return o
}
