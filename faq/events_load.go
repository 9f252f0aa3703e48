package faq

import (
	"cmp"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// The keys of events.yaml and its entries.
var (
	eventsFileKeys = []string{"categories", "events"}
	eventKeys      = []string{"id", "example", "category", "title", "description", "place", "register", "capacity", "schedule", "dates", "duration", "remind"}
	placeKeys      = []string{"address", "map", "online"}
	scheduleKeys   = []string{"cron", "from", "until", "except"}
	descRule       = textRule{what: "description", all: true, max: 1000, length: utf16Len}
	capacityRule   = textRule{what: "capacity", all: true, max: 200, length: utf8.RuneCountInString}
)

// Limits on an event's timing.
const (
	maxRemind    = 4
	minOffset    = 5 * time.Minute
	maxOffset    = 14 * 24 * time.Hour
	maxDuration  = 7 * 24 * time.Hour
	maxDates     = 100
	dateLayout   = "2006-01-02"
	minuteLayout = "2006-01-02 15:04"
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseCron parses an event's cron spec as wall-clock time: the zone is
// applied by the caller to each occurrence, which keeps DST changes from
// dropping or doubling one. Specs naming a zone (CRON_TZ=, TZ=) or using
// descriptors (@daily) are rejected: events are always in EventZone.
func ParseCron(spec string) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "CRON_TZ=") || strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "@") {
		return nil, fmt.Errorf("write five fields (minute hour day month weekday) in %s, without a zone or @ descriptor", EventZone)
	}
	sched, err := cronParser.Parse("CRON_TZ=UTC " + s)
	if err != nil {
		return nil, err
	}
	return sched, nil
}

func eventZone() *time.Location {
	loc, err := time.LoadLocation(EventZone)
	if err != nil { // time/tzdata is linked in; this does not happen
		return time.UTC
	}
	return loc
}

// loadEvents decodes events.yaml; without the file there are no
// categories and no events.
func (l *loader) loadEvents(fsys fs.FS) {
	f := l.file("events.yaml")
	root := f.load(fsys, "events.yaml", false)
	if root == nil {
		return
	}
	top := f.fields(root, "events.yaml", eventsFileKeys)
	if top == nil || !f.require(root, top, "categories") {
		return
	}
	for _, item := range f.list(top.val("categories"), "categories") {
		l.category(f, item)
	}
	if v := top.val("events"); v != nil {
		seen := map[string]Pos{}
		for _, item := range f.list(v, "events") {
			if e := l.event(f, item, seen); e != nil {
				l.c.Events = append(l.c.Events, e)
			}
		}
	}
}

// category decodes one event category.
func (l *loader) category(f *file, item *yaml.Node) {
	fs := f.fields(item, "category", []string{"id", "title"})
	if fs == nil {
		return
	}
	f.require(item, fs, "id", "title")
	c := &Category{}
	if v := fs.val("id"); v != nil {
		c.ID = f.id(v, "id")
		if first, dup := l.cats[c.ID]; dup && c.ID != "" {
			f.errorf(v, "duplicate category id %q (first defined at %s)", c.ID, first)
		} else if c.ID != "" {
			l.cats[c.ID] = f.pos(v)
		}
	}
	if v := fs.val("title"); v != nil {
		c.Title = f.text(v, titleRule)
	}
	l.c.Categories = append(l.c.Categories, c)
}

// event decodes one event; seen maps event ids to where they are defined.
func (l *loader) event(f *file, item *yaml.Node, seen map[string]Pos) *Event {
	start := f.count
	fs := f.fields(item, "event", eventKeys)
	if fs == nil {
		return nil
	}
	f.require(item, fs, "id", "category", "title", "place")
	e := &Event{Pos: f.pos(item), Duration: DefaultDuration, Remind: DefaultRemind}
	if v := fs.val("id"); v != nil {
		e.ID = f.id(v, "id")
		if first, dup := seen[e.ID]; dup && e.ID != "" {
			f.errorf(v, "duplicate event id %q (first defined at %s)", e.ID, first)
		} else if e.ID != "" {
			seen[e.ID] = f.pos(v)
		}
	}
	if v := fs.val("example"); v != nil {
		e.Example = f.boolean(v, "example")
	}
	if v := fs.val("category"); v != nil {
		e.Category = f.str(v, "category")
		if _, ok := l.cats[e.Category]; !ok && e.Category != "" {
			f.errorf(v, "category: no category %q above in events.yaml", e.Category)
		}
	}
	l.eventTexts(f, fs, e)
	l.eventTiming(f, item, fs, e)
	if !f.failedSince(start) {
		l.checkFuture(f, item, e)
	}
	return e
}

// checkFuture warns about a real event with no date ahead (it is never
// listed) and an exception date the schedule does not fall on (a typo).
func (l *loader) checkFuture(f *file, item *yaml.Node, e *Event) {
	now := l.opts.Now()
	if _, ok := e.Next(now, l.opts.Location); !ok && !e.Example {
		f.warnf(item, "event %q has no date in the coming year; remove it or add dates", e.ID)
	}
	for _, x := range e.Except {
		if len(e.occurrences(x, x.AddDate(0, 0, 1), l.opts.Location, false)) == 0 {
			f.warnf(item, "event %q: except %s is not a day the schedule falls on", e.ID, x.Format(dateLayout))
		}
	}
}

func (l *loader) eventTexts(f *file, fs fieldSet, e *Event) {
	if v := fs.val("title"); v != nil {
		e.Title = f.text(v, titleRule)
	}
	if v := fs.val("description"); v != nil {
		e.Description = f.text(v, descRule)
	}
	if v := fs.val("capacity"); v != nil {
		e.Capacity = f.text(v, capacityRule)
	}
	if v := fs.val("register"); v != nil {
		e.Register = l.url(f, v, "register")
	}
	if v := fs.val("place"); v != nil {
		e.Place = l.place(f, v)
	}
}

// place decodes where an event is: an address (and map) or online.
func (l *loader) place(f *file, v *yaml.Node) Place {
	fs := f.fields(v, "place", placeKeys)
	var p Place
	if fs == nil {
		return p
	}
	if a := fs.val("address"); a != nil {
		p.Address = f.str(a, "place.address")
		if n := utf8.RuneCountInString(p.Address); n > 200 {
			f.errorf(a, "place.address is %d characters long, max 200", n)
		}
	}
	if m := fs.val("map"); m != nil {
		p.Map = l.url(f, m, "place.map")
	}
	if o := fs.val("online"); o != nil {
		p.Online = l.url(f, o, "place.online")
	}
	switch {
	case p.Address == "" && p.Online == "":
		f.errorf(v, "place: give an address or an online link")
	case p.Address != "" && p.Online != "":
		f.errorf(v, "place: give an address or an online link, not both")
	case p.Map != "" && p.Address == "":
		f.errorf(v, "place: a map link needs an address")
	}
	return p
}

// eventTiming decodes when an event takes place and when to remind of it.
func (l *loader) eventTiming(f *file, item *yaml.Node, fs fieldSet, e *Event) {
	sched, dates := fs.val("schedule"), fs.val("dates")
	switch {
	case sched == nil && dates == nil:
		f.errorf(item, "event: give a recurring schedule or one-off dates")
	case sched != nil && dates != nil:
		f.errorf(dates, "dates: an event has a schedule or dates, not both")
	case sched != nil:
		l.schedule(f, sched, e)
	default:
		l.dates(f, dates, e)
	}
	if v := fs.val("duration"); v != nil {
		if d, ok := f.duration(v, "duration"); ok {
			if d <= 0 || d > maxDuration {
				f.errorf(v, "duration: %s is not between 1m and 7d", v.Value)
			} else {
				e.Duration = d
			}
		}
	}
	if v := fs.val("remind"); v != nil {
		e.Remind = l.remind(f, v)
	}
}

// schedule decodes a recurring schedule.
func (l *loader) schedule(f *file, v *yaml.Node, e *Event) {
	fs := f.fields(v, "schedule", scheduleKeys)
	if fs == nil {
		return
	}
	f.require(v, fs, "cron")
	if c := fs.val("cron"); c != nil {
		e.Cron = f.str(c, "schedule.cron")
		if _, err := ParseCron(e.Cron); err != nil && e.Cron != "" {
			f.errorf(c, "schedule.cron: %q: %v", e.Cron, err)
		}
	}
	if d := fs.val("from"); d != nil {
		e.From = l.date(f, d, "schedule.from")
	}
	if d := fs.val("until"); d != nil {
		e.Until = l.date(f, d, "schedule.until")
		if !e.From.IsZero() && !e.Until.IsZero() && e.Until.Before(e.From) {
			f.errorf(d, "schedule.until %s is before schedule.from %s", e.Until.Format(dateLayout), e.From.Format(dateLayout))
		}
	}
	if x := fs.val("except"); x != nil {
		for _, item := range f.list(x, "schedule.except") {
			if d := l.date(f, item, "schedule.except"); !d.IsZero() {
				e.Except = append(e.Except, d)
			}
		}
	}
}

// dates decodes the start times of a one-off event.
func (l *loader) dates(f *file, v *yaml.Node, e *Event) {
	items := f.list(v, "dates")
	if len(items) == 0 && v.Kind == yaml.SequenceNode {
		f.errorf(v, "dates: the list is empty")
	}
	if len(items) > maxDates {
		f.errorf(v, "dates: %d dates, max %d; use a schedule", len(items), maxDates)
		return
	}
	for _, item := range items {
		s := f.str(item, "dates")
		if s == "" {
			continue
		}
		t, err := parseLocalMinute(s, l.opts.Location)
		if err != nil {
			f.errorf(item, "dates: %q: %v", s, err)
			continue
		}
		e.Dates = append(e.Dates, t)
	}
}

// parseLocalMinute reads "YYYY-MM-DD HH:MM" in loc, rejecting a wall-clock
// time that does not exist there (skipped by a DST change).
func parseLocalMinute(s string, loc *time.Location) (time.Time, error) {
	if !minutePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("write the date and time as YYYY-MM-DD HH:MM (24 h, %s)", EventZone)
	}
	t, err := time.ParseInLocation(minuteLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a date and time: %w", err)
	}
	if t.Format(minuteLayout) != s {
		return time.Time{}, fmt.Errorf("%s does not exist in %s (the clocks go forward then)", s, EventZone)
	}
	return t, nil
}

var minutePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`)

// date reads a local date YYYY-MM-DD as midnight in the event zone. YAML
// reads an unquoted date as a timestamp; its text is what staff wrote.
func (l *loader) date(f *file, v *yaml.Node, what string) time.Time {
	s := f.str(v, what)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(dateLayout, s, l.opts.Location)
	if err != nil || len(s) != len(dateLayout) {
		f.errorf(v, "%s: %q is not a date; use YYYY-MM-DD", what, s)
		return time.Time{}
	}
	return t
}

// remind decodes the reminder offsets, sorted longest first.
func (l *loader) remind(f *file, v *yaml.Node) []time.Duration {
	items := f.list(v, "remind")
	if len(items) > maxRemind {
		f.errorf(v, "remind: %d offsets, max %d", len(items), maxRemind)
		return nil
	}
	out := make([]time.Duration, 0, len(items))
	for _, item := range items {
		d, ok := f.duration(item, "remind")
		switch {
		case !ok:
		case d < minOffset || d > maxOffset:
			f.errorf(item, "remind: %s is not between 5m and 14d before the start", item.Value)
		case slices.Contains(out, d):
			f.errorf(item, "remind: %s is given twice", item.Value)
		default:
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

// duration reads "90m", "2h", "1h30m" or "1d" (days of 24 h).
func (f *file) duration(v *yaml.Node, what string) (time.Duration, bool) {
	s := f.str(v, what)
	if s == "" {
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		f.errorf(v, "%s: %q is not a duration; write e.g. 90m, 2h, 1d", what, s)
		return 0, false
	}
	return d, true
}

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad days %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// boolean reads true or false.
func (f *file) boolean(v *yaml.Node, what string) bool {
	s := f.str(v, what)
	if v.Tag != "!!bool" {
		if s != "" {
			f.errorf(v, "%s: %q is not true or false", what, s)
		}
		return false
	}
	return s == "true"
}

// failedSince reports whether problems were reported since count was start.
func (f *file) failedSince(start int) bool { return f.count > start }
