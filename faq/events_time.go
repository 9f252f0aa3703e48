package faq

import (
	"slices"
	"time"
)

// MaxOccurrences bounds what one Occurrences call returns, so a spec that
// fires every minute cannot flood a listing or a pass.
const MaxOccurrences = 1000

// Occurrences returns the start times of e in [from, to), soonest first,
// in loc (the event zone). A recurring event's cron spec is read as wall-
// clock time: each matching local date and time is one occurrence, so the
// DST changes neither drop one (a time the clocks skip in March moves to
// the same time after the change) nor double one (a time that happens
// twice in October is taken once). From, Until and Except are local dates.
func (e *Event) Occurrences(from, to time.Time, loc *time.Location) []time.Time {
	return e.occurrences(from, to, loc, true)
}

// occurrences is Occurrences; except false ignores the exception dates.
func (e *Event) occurrences(from, to time.Time, loc *time.Location, except bool) []time.Time {
	if !to.After(from) {
		return nil
	}
	if !e.Recurring() {
		var out []time.Time
		for _, d := range e.Dates {
			if !d.Before(from) && d.Before(to) {
				out = append(out, d.In(loc))
			}
		}
		slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
		return out
	}
	sched, err := ParseCron(e.Cron)
	if err != nil {
		return nil
	}
	// Walk wall-clock times (as UTC fields) from a little before from, so
	// a time repeated or skipped at a DST change is still seen once.
	wall := wallClock(from.In(loc)).Add(-3 * time.Hour)
	end := wallClock(to.In(loc)).Add(3 * time.Hour)
	var out []time.Time
	for n := sched.Next(wall.Add(-time.Second)); !n.IsZero() && n.Before(end) && len(out) < MaxOccurrences; n = sched.Next(n) {
		if !e.onDate(n, except) {
			continue
		}
		t := time.Date(n.Year(), n.Month(), n.Day(), n.Hour(), n.Minute(), 0, 0, loc)
		if !t.Before(from) && t.Before(to) && (len(out) == 0 || !out[len(out)-1].Equal(t)) {
			out = append(out, t)
		}
	}
	return out
}

// Next returns the first start of e at or after from, within a year.
func (e *Event) Next(from time.Time, loc *time.Location) (time.Time, bool) {
	for lo := from; lo.Before(from.AddDate(1, 0, 0)); lo = lo.AddDate(0, 1, 0) {
		if occ := e.Occurrences(lo, lo.AddDate(0, 1, 0), loc); len(occ) > 0 {
			return occ[0], true
		}
	}
	return time.Time{}, false
}

// wallClock returns t's local date and time as the same fields in UTC.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// onDate reports whether a recurring event takes place on the local date
// of wall (wall-clock fields in UTC).
func (e *Event) onDate(wall time.Time, except bool) bool {
	y, m, d := wall.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if !e.From.IsZero() && day.Before(sameDate(e.From)) {
		return false
	}
	if !e.Until.IsZero() && day.After(sameDate(e.Until)) {
		return false
	}
	for _, x := range e.Except {
		if except && day.Equal(sameDate(x)) {
			return false
		}
	}
	return true
}

// sameDate returns the local date of t as midnight UTC.
func sameDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
