package faq

import (
	"fmt"
	"slices"
	"strings"
)

// weekdayAbbr are short weekday names per language, Monday first.
var weekdayAbbr = [NumLangs][7]string{
	UK: {"пн", "вт", "ср", "чт", "пт", "сб", "нд"},
	PL: {"pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz."},
	RU: {"пн", "вт", "ср", "чт", "пт", "сб", "вс"},
	EN: {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
}

// HoursText writes the weekly hours in l, consecutive days with the same
// intervals joined: "Mon–Fri 09:00–17:00". It is "" when the desk is never
// open. The default for {office_hours} when desk.yaml has no hours text,
// so the hours people are promised are the ones the desk computes with.
func (d *Desk) HoursText(l Lang) string {
	var parts []string
	for day := 0; day < 7; {
		ivs := d.Week[(day+1)%7] // Week is indexed by time.Weekday, Sunday first
		end := day
		for end+1 < 7 && slices.Equal(d.Week[(end+2)%7], ivs) {
			end++
		}
		if len(ivs) > 0 {
			parts = append(parts, dayRange(l, day, end)+" "+intervalsText(ivs))
		}
		day = end + 1
	}
	return strings.Join(parts, "; ")
}

func dayRange(l Lang, from, to int) string {
	names := weekdayAbbr[l]
	if from == to {
		return names[from]
	}
	return names[from] + "–" + names[to]
}

func intervalsText(ivs []Interval) string {
	out := make([]string, len(ivs))
	for i, iv := range ivs {
		out[i] = fmt.Sprintf("%02d:%02d–%02d:%02d", iv.From/60, iv.From%60, iv.To/60, iv.To%60)
	}
	return strings.Join(out, ", ")
}
