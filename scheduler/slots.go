package scheduler

import (
	"slices"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Plan computes occurrences and reminder slots: pure functions of the
// events, a time window and the settings, with no clock of its own.
type Plan struct {
	Loc   *time.Location // the events' zone (Europe/Warsaw)
	Quiet QuietHours
}

// Occurrence is one start of an event.
type Occurrence struct {
	Event *faq.Event
	Start time.Time
}

// Slot is one reminder of one occurrence.
type Slot struct {
	Occurrence
	Offset time.Duration // how long before Start it was meant to go
	At     time.Time     // when it goes, after quiet hours
}

// Key is the slot's bot.SlotKey.
func (s Slot) Key() string { return bot.SlotKey(s.Event.ID, s.Start, s.Offset) }

// horizon is how far after a window's end an occurrence can start and
// still have a slot in the window: the longest offset plus a day that
// quiet hours may move a slot by.
const horizon = 15 * 24 * time.Hour

// Occurrences returns the starts of events in [from, to), soonest first.
func (p Plan) Occurrences(events []*faq.Event, from, to time.Time) []Occurrence {
	var out []Occurrence
	for _, e := range events {
		for _, s := range e.Occurrences(from, to, p.Loc) {
			out = append(out, Occurrence{Event: e, Start: s})
		}
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	return out
}

// Slots returns the reminder slots of one occurrence, in the order they
// go out. A slot is left out when quiet hours move it to or past the
// start, or onto the same minute as a longer offset's slot.
func (p Plan) Slots(o Occurrence) []Slot {
	var out []Slot
	for _, off := range o.Event.Remind {
		nominal := o.Start.Add(-off)
		at := p.Quiet.Adjust(nominal.In(p.Loc), o.Start)
		if !at.Before(o.Start) || slices.ContainsFunc(out, func(s Slot) bool { return s.At.Equal(at) }) {
			continue
		}
		out = append(out, Slot{Occurrence: o, Offset: off, At: at})
	}
	slices.SortStableFunc(out, func(a, b Slot) int { return a.At.Compare(b.At) })
	return out
}

// Due returns the slots of events that go out in (from, to], soonest
// first. A pass calls it with the end of the last completed pass and now.
func (p Plan) Due(events []*faq.Event, from, to time.Time) []Slot {
	var out []Slot
	for _, o := range p.Occurrences(events, from.Add(-time.Minute), to.Add(horizon)) {
		for _, s := range p.Slots(o) {
			if s.At.After(from) && !s.At.After(to) {
				out = append(out, s)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Slot) int { return a.At.Compare(b.At) })
	return out
}
