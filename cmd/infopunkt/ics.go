package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// handleICS serves one occurrence as an iCalendar file (RFC 5545):
// GET /calendar/{event}/{start}.ics, start in unix seconds, ?lang= the
// language of the texts. Times are UTC; the UID is stable per occurrence.
func (s *service) handleICS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("event")
	unix, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("file"), ".ics"), 10, 64)
	if err != nil || !strings.HasSuffix(r.PathValue("file"), ".ics") {
		http.NotFound(w, r)
		return
	}
	c := s.engine.Content()
	e := c.Event(id)
	start := time.Unix(unix, 0)
	if e == nil || (e.Example && !s.examples) || len(e.Occurrences(start, start.Add(time.Minute), bot.EventZone)) == 0 {
		http.NotFound(w, r)
		return
	}
	lang, ok := faq.ParseLang(r.URL.Query().Get("lang"))
	if !ok {
		lang = faq.PL
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+".ics"))
	fmt.Fprint(w, icsEvent(e, start, lang, s.now()))
}

// icsEvent renders one occurrence as a VCALENDAR with one VEVENT.
func icsEvent(e *faq.Event, start time.Time, lang faq.Lang, now time.Time) string {
	const stamp = "20060102T150405Z"
	lines := []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Infopunkt//Reminders//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		"BEGIN:VEVENT",
		"UID:" + e.ID + "-" + strconv.FormatInt(start.Unix(), 10) + "@infopunkt",
		"DTSTAMP:" + now.UTC().Format(stamp),
		"DTSTART:" + start.UTC().Format(stamp),
		"DTEND:" + start.Add(e.Duration).UTC().Format(stamp),
		"SUMMARY:" + icsText(e.Title.In(lang)),
	}
	if d := e.Description.In(lang); d != "" {
		lines = append(lines, "DESCRIPTION:"+icsText(d))
	}
	loc := e.Place.Address
	if loc == "" {
		loc = e.Place.Online
	}
	lines = append(lines, "LOCATION:"+icsText(loc))
	if u := firstNonEmpty(e.Register, e.Place.Online); u != "" {
		lines = append(lines, "URL:"+u)
	}
	lines = append(lines, "END:VEVENT", "END:VCALENDAR")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(icsFold(l))
	}
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// icsFold ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545 3.1).
func icsFold(line string) string {
	var b strings.Builder
	n := 0
	for _, r := range line {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
