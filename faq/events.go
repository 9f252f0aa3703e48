package faq

import (
	"time"
	_ "time/tzdata" // events are in Europe/Warsaw even on a machine without zoneinfo (the scratch image)
)

// EventZone is the time zone event dates and cron specs are written in.
const EventZone = "Europe/Warsaw"

// Defaults of an event's optional timing keys.
var (
	// DefaultRemind is when reminders go out when an event names no
	// offsets: a day and two hours before it starts.
	DefaultRemind = []time.Duration{24 * time.Hour, 2 * time.Hour}
	// DefaultDuration is an event's length when it names none.
	DefaultDuration = 2 * time.Hour
)

// Event is one entry of events.yaml: a workshop, a job fair, a course, a
// meeting or a consultation, recurring (Cron) or on fixed dates (Dates).
//
// Example events are shipped to show the format; they are not real. The
// bot lists them (labelled) and reminds of them only in local mode; on
// Telegram and Viber they are hidden.
type Event struct {
	ID          string
	Category    string // id of a Category
	Title       Text
	Description Text
	Place       Place
	Register    string // registration page, optional
	Capacity    Text   // a note on places ("20 places, register first"), optional
	// Cron is a five-field cron spec read as wall-clock time in EventZone
	// ("0 18 * * TUE"); empty for an event on fixed Dates.
	Cron string
	// From and Until bound a recurring event by local date, both included;
	// zero means open. They are midnight in EventZone.
	From, Until time.Time
	// Except lists local dates (midnight in EventZone) a recurring event
	// does not take place.
	Except []time.Time
	// Dates are the start times of a one-off event, in EventZone.
	Dates    []time.Time
	Duration time.Duration
	// Remind lists how long before each start a reminder goes out,
	// longest first.
	Remind  []time.Duration
	Example bool
	Pos     Pos
}

// Recurring reports whether the event follows a cron spec.
func (e *Event) Recurring() bool { return e.Cron != "" }

// Place says where an event happens: an address (with an optional map
// link) or online (a link).
type Place struct {
	Address string
	Map     string
	Online  string // the meeting link when the event is online
}

// Event returns the event with the given id, or nil.
func (c *Content) Event(id string) *Event {
	for _, e := range c.Events {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// LiveEvents returns the events to serve: all of them when examples is
// true (local mode, tests), else the ones not marked example.
func (c *Content) LiveEvents(examples bool) []*Event {
	if examples {
		return c.Events
	}
	out := make([]*Event, 0, len(c.Events))
	for _, e := range c.Events {
		if !e.Example {
			out = append(out, e)
		}
	}
	return out
}
