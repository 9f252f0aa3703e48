package scheduler

import (
	"fmt"
	"time"
)

// QuietHours is a daily span of local time in which no reminder goes out.
// Start and End are minutes after midnight; the span may wrap midnight
// (21:00–08:00). Start == End means no quiet hours.
type QuietHours struct{ Start, End int }

// DefaultQuietHours is 21:00–08:00.
var DefaultQuietHours = QuietHours{Start: 21 * 60, End: 8 * 60}

// ParseQuietHours reads "21:00-08:00"; "" gives DefaultQuietHours and
// "off" none.
func ParseQuietHours(s string) (QuietHours, error) {
	switch s {
	case "":
		return DefaultQuietHours, nil
	case "off", "none":
		return QuietHours{}, nil
	}
	var h1, m1, h2, m2 int
	if n, err := fmt.Sscanf(s, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || n != 4 ||
		h1 < 0 || h1 > 23 || h2 < 0 || h2 > 23 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM, e.g. 21:00-08:00", s)
	}
	return QuietHours{Start: h1*60 + m1, End: h2*60 + m2}, nil
}

// String formats the span as "21:00-08:00".
func (q QuietHours) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.Start/60, q.Start%60, q.End/60, q.End%60)
}

// span returns the quiet span containing t (in t's location), if any.
func (q QuietHours) span(t time.Time) (begin, end time.Time, inside bool) {
	if q.Start == q.End {
		return time.Time{}, time.Time{}, false
	}
	y, mo, d := t.Date()
	at := func(day, minutes int) time.Time {
		return time.Date(y, mo, d+day, minutes/60, minutes%60, 0, 0, t.Location())
	}
	m := t.Hour()*60 + t.Minute()
	switch {
	case q.Start < q.End && m >= q.Start && m < q.End:
		return at(0, q.Start), at(0, q.End), true
	case q.Start > q.End && m >= q.Start:
		return at(0, q.Start), at(1, q.End), true
	case q.Start > q.End && m < q.End:
		return at(-1, q.Start), at(0, q.End), true
	}
	return time.Time{}, time.Time{}, false
}

// Adjust moves a reminder due at nominal out of the quiet hours: to the
// morning, when they end, unless the event starts by then; then to the
// last minute before they began.
func (q QuietHours) Adjust(nominal, start time.Time) time.Time {
	begin, end, inside := q.span(nominal)
	if !inside {
		return nominal
	}
	if end.Before(start) {
		return end
	}
	return begin.Add(-time.Minute)
}
