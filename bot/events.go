package bot

import (
	"slices"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// Button payloads of the events screens.
const (
	dataEvents        = "ev"  // the /events list
	dataMyReminders   = "em"  // the "My reminders" list
	prefixRemind      = "er:" // + event id: remind me of this event
	prefixRemindOff   = "eo:" // + event id: stop reminding of it (from the list)
	prefixStopRemind  = "ex:" // + event id: "stop these reminders" under a reminder
	prefixDropTarget  = "ed:" // + subscription target: remove it from My reminders
	deepLinkEvent     = "event_"
	eventsWindow      = 28 * 24 * time.Hour // what /events lists: the next 4 weeks
	maxListed         = 8                   // occurrences in the list
	maxPerEvent       = 2                   // occurrences of one event in the list
	maxRemindButtons  = 5                   // events with a Remind me button
	maxEventTitleChar = 32                  // an event title inside a button label
)

// EventZone is the time zone events are listed and reminded in.
var EventZone = loadEventZone()

func loadEventZone() *time.Location {
	loc, err := time.LoadLocation(faq.EventZone)
	if err != nil { // faq links time/tzdata, so this does not happen
		return time.UTC
	}
	return loc
}

// SetExampleEvents makes the engine list example events (local mode and
// tests); by default they are hidden.
func (e *Engine) SetExampleEvents(on bool) { e.examples.Store(on) }

// liveEvents are the events this engine serves.
func (t *turn) liveEvents() []*faq.Event { return t.c.LiveEvents(t.examples) }

// event returns a served event by id, or nil.
func (t *turn) event(id string) *faq.Event {
	e := t.c.Event(id)
	if e == nil || (e.Example && !t.examples) {
		return nil
	}
	return e
}

// now is the update's time; the processor always stamps it.
func (t *turn) now() time.Time {
	if t.u.Time.IsZero() {
		return time.Unix(0, 0)
	}
	return t.u.Time
}

// eventsButton opens /events from the main menu.
func (t *turn) eventsButton() Button { return Button{Label: t.msg("btn_events"), Data: dataEvents} }

// events lists what is coming in the next four weeks, with Remind me
// buttons and the categories to follow; note, if set, comes first.
func (t *turn) events(note string) {
	lang := t.st().Lang
	from := t.now()
	var occ []occurrence
	for _, e := range t.liveEvents() {
		starts := e.Occurrences(from, from.Add(eventsWindow), EventZone)
		for _, s := range starts[:min(len(starts), maxPerEvent)] {
			occ = append(occ, occurrence{e, s})
		}
	}
	slices.SortStableFunc(occ, func(a, b occurrence) int { return a.start.Compare(b.start) })
	var b strings.Builder
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	if len(occ) == 0 {
		b.WriteString(t.msg("events_empty"))
	} else {
		b.WriteString(t.msg("events_upcoming"))
		for _, o := range occ[:min(len(occ), maxListed)] {
			b.WriteString("\n\n" + t.eventLine(o.event, o.start, lang))
		}
	}
	if len(t.c.Categories) > 0 {
		b.WriteString("\n\n" + t.msg("events_follow"))
	}
	t.reply(Reply{Text: b.String(), Buttons: t.eventsRows(occ), EditRef: t.editRef()})
}

type occurrence struct {
	event *faq.Event
	start time.Time
}

// eventsRows are the Remind me toggles of the listed events, the
// category toggles, My reminders and Menu.
func (t *turn) eventsRows(occ []occurrence) [][]Button {
	var rows [][]Button
	var seen []string
	for _, o := range occ {
		if len(seen) == maxRemindButtons || slices.Contains(seen, o.event.ID) {
			continue
		}
		seen = append(seen, o.event.ID)
		rows = append(rows, []Button{t.remindButton(o.event)})
	}
	for _, cat := range t.c.Categories {
		rows = append(rows, []Button{t.subscribeButton(cat.ID, "")})
	}
	return append(rows, []Button{{Label: t.msg("btn_my_reminders"), Data: dataMyReminders}}, []Button{t.menuButton()})
}

func (t *turn) remindButton(e *faq.Event) Button {
	title := shorten(e.Title.In(t.st().Lang), maxEventTitleChar)
	if slices.Contains(t.st().Subs, EventTarget(e.ID)) {
		return Button{Label: fill(t.msg("btn_remind_off"), "{title}", title), Data: prefixRemindOff + e.ID}
	}
	return Button{Label: fill(t.msg("btn_remind"), "{title}", title), Data: prefixRemind + e.ID}
}

// eventLine is one event in a list or a reminder: date, title, place.
func (t *turn) eventLine(e *faq.Event, start time.Time, lang faq.Lang) string {
	return EventSummary(t.c, e, start, lang)
}

// EventSummary describes one occurrence in lang: "🗓 date — title" and
// "📍 place", marked when the event is an example.
func EventSummary(c *faq.Content, e *faq.Event, start time.Time, lang faq.Lang) string {
	title := e.Title.In(lang)
	if e.Example {
		title += " (" + c.Messages.Get("event_example", lang) + ")"
	}
	place := e.Place.Address
	if place == "" {
		place = c.Messages.Get("event_online", lang)
	}
	return "🗓 " + FormatWhen(start, lang, EventZone) + " — " + title + "\n📍 " + place
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// subscribeButton toggles a category; label overrides the default text.
func (t *turn) subscribeButton(id, label string) Button {
	cat := t.c.Category(id)
	name := id
	if cat != nil {
		name = cat.Title.In(t.st().Lang)
	}
	if slices.Contains(t.st().Subs, id) {
		return Button{Label: fill(t.msg("btn_unsubscribe"), "{category}", name), Data: prefixUnsub + id}
	}
	if label == "" {
		label = fill(t.msg("btn_subscribe"), "{category}", name)
	}
	return Button{Label: label, Data: prefixSubscribe + id}
}

// subscribe changes a category subscription and shows the updated list.
func (t *turn) subscribe(id string, on bool) {
	cat := t.c.Category(id)
	if cat == nil {
		t.stale()
		return
	}
	key := "subscribed"
	if !on {
		key = "unsubscribed"
	}
	note := fill(t.msg(key), "{category}", cat.Title.In(t.st().Lang))
	if t.setTarget(id, on) && on {
		note = t.withBillingNote(note)
	}
	t.events(note)
}

// setTarget adds or removes a subscription target, reporting a change.
func (t *turn) setTarget(target string, on bool) bool {
	st := t.st()
	has := slices.Contains(st.Subs, target)
	switch {
	case on && !has:
		st.Subs = append(st.Subs, target)
		t.effect(Effect{Kind: EffectSubscribe, Category: target})
	case !on && has:
		st.Subs = slices.DeleteFunc(st.Subs, func(s string) bool { return s == target })
		t.effect(Effect{Kind: EffectUnsubscribe, Category: target})
	default:
		return false
	}
	return true
}

// withBillingNote adds, on Viber, that reminders are bot-initiated
// messages the user opts in to by subscribing.
func (t *turn) withBillingNote(note string) string {
	if t.u.Chat.Channel() != Viber {
		return note
	}
	return note + "\n\n" + t.msg("remind_viber_note")
}

// remind turns the reminders of one event on or off and shows the list.
func (t *turn) remind(id string, on bool) {
	e := t.event(id)
	if e == nil {
		t.stale()
		return
	}
	title := e.Title.In(t.st().Lang)
	note := fill(t.msg("remind_off"), "{title}", title)
	if on {
		note = fill(t.msg("remind_on"), "{title}", title)
	}
	if t.setTarget(EventTarget(id), on) && on {
		note = t.withBillingNote(note)
	}
	t.events(note)
}

// stopReminders is the button under a reminder: no more reminders of that
// event, whether they came from the event or from following its category.
func (t *turn) stopReminders(id string) {
	e := t.c.Event(id)
	title := id
	if e != nil {
		title = e.Title.In(t.st().Lang)
		t.setTarget(e.Category, false)
	}
	t.setTarget(EventTarget(id), false)
	t.reply(Reply{Text: fill(t.msg("remind_off"), "{title}", title), Buttons: [][]Button{
		{{Label: t.msg("btn_my_reminders"), Data: dataMyReminders}}, {t.menuButton()},
	}})
}

// myReminders lists the chat's subscriptions, each a button removing it.
func (t *turn) myReminders(note string) {
	lang := t.st().Lang
	var rows [][]Button
	for _, target := range t.st().Subs {
		if name := t.targetName(target, lang); name != "" {
			rows = append(rows, []Button{{Label: fill(t.msg("btn_remove"), "{title}", shorten(name, 40)), Data: prefixDropTarget + target}})
		}
	}
	text := t.msg("my_reminders")
	if len(rows) == 0 {
		text = t.msg("my_reminders_none")
	}
	if note != "" {
		text = note + "\n\n" + text
	}
	rows = append(rows, []Button{t.eventsButton()}, []Button{t.menuButton()})
	t.reply(Reply{Text: text, Buttons: rows, EditRef: t.editRef()})
}

// targetName is the title of a subscription target in lang, "" if gone.
func (t *turn) targetName(target string, lang faq.Lang) string {
	if id, ok := EventOfTarget(target); ok {
		if e := t.c.Event(id); e != nil {
			return e.Title.In(lang)
		}
		return ""
	}
	if cat := t.c.Category(target); cat != nil {
		return cat.Title.In(lang)
	}
	return ""
}

// dropTarget removes a subscription from My reminders.
func (t *turn) dropTarget(target string) {
	name := t.targetName(target, t.st().Lang)
	t.setTarget(target, false)
	note := ""
	if name != "" {
		note = fill(t.msg("remind_off"), "{title}", name)
	}
	t.myReminders(note)
}

// eventButton handles the events screens' buttons, reporting whether data
// was one of them.
func (t *turn) eventButton(data string) bool {
	switch {
	case data == dataEvents:
		t.events("")
	case data == dataMyReminders:
		t.myReminders("")
	case strings.HasPrefix(data, prefixRemindOff):
		t.remind(strings.TrimPrefix(data, prefixRemindOff), false)
	case strings.HasPrefix(data, prefixRemind):
		t.remind(strings.TrimPrefix(data, prefixRemind), true)
	case strings.HasPrefix(data, prefixStopRemind):
		t.stopReminders(strings.TrimPrefix(data, prefixStopRemind))
	case strings.HasPrefix(data, prefixDropTarget):
		t.dropTarget(strings.TrimPrefix(data, prefixDropTarget))
	default:
		return false
	}
	return true
}

// eventLink returns the event id of a deep-link payload "event_<id>".
func eventLink(payload string) (string, bool) { return strings.CutPrefix(payload, deepLinkEvent) }

// isEventLink reports whether payload is a deep link to a served event.
func (t *turn) isEventLink(payload string) bool {
	id, ok := eventLink(payload)
	return ok && t.event(id) != nil
}

// eventDeepLink handles /start event_<id> (a poster's QR code) for a chat
// that has consented: it turns the event's reminders on. It reports
// whether payload was an event link.
func (t *turn) eventDeepLink(payload string) bool {
	id, ok := eventLink(payload)
	if !ok {
		return false
	}
	if t.event(id) == nil {
		t.events(t.msg("event_unknown"))
		return true
	}
	t.remind(id, true)
	return true
}

// ReminderReply renders a reminder of one occurrence of e in lang, with
// the one-tap stop button and the calendar link (calendarURL; none when
// empty). The caller sets Chat, Kind and Key.
func ReminderReply(c *faq.Content, e *faq.Event, start time.Time, lang faq.Lang, calendarURL string) Reply {
	msg := func(key string) string { return c.Messages.Get(key, lang) }
	var b strings.Builder
	b.WriteString(EventSummary(c, e, start, lang))
	if d := strings.TrimSpace(e.Description.In(lang)); d != "" {
		b.WriteString("\n\n" + d)
	}
	if cp := e.Capacity.In(lang); cp != "" {
		b.WriteString("\n" + cp)
	}
	var rows [][]Button
	if e.Place.Online != "" {
		rows = append(rows, []Button{{Label: msg("btn_join"), URL: e.Place.Online}})
	}
	if e.Place.Map != "" {
		rows = append(rows, []Button{{Label: msg("btn_map"), URL: e.Place.Map}})
	}
	if e.Register != "" {
		rows = append(rows, []Button{{Label: msg("btn_register"), URL: e.Register}})
	}
	if calendarURL != "" {
		rows = append(rows, []Button{{Label: msg("btn_calendar"), URL: calendarURL}})
	}
	rows = append(rows, []Button{{Label: msg("btn_stop_reminders"), Data: prefixStopRemind + e.ID}})
	return Reply{Title: fill(msg("reminder_title"), "{title}", e.Title.In(lang)), Text: b.String(), Buttons: rows, Lang: lang}
}

// ChangeNotice tells a chat that an occurrence it was reminded of moved
// (next is its new start) or, when next is zero, was cancelled.
func ChangeNotice(c *faq.Content, e *faq.Event, title faq.Text, was, next time.Time, lang faq.Lang) Reply {
	name := title.In(lang)
	if next.IsZero() {
		text := fill(fill(c.Messages.Get("event_cancelled", lang), "{title}", name), "{when}", FormatWhen(was, lang, EventZone))
		return Reply{Text: text, Lang: lang}
	}
	text := fill(fill(c.Messages.Get("event_changed", lang), "{title}", name), "{when}", FormatWhen(next, lang, EventZone))
	r := Reply{Text: text, Lang: lang}
	if e != nil {
		r.Buttons = [][]Button{{{Label: c.Messages.Get("btn_stop_reminders", lang), Data: prefixStopRemind + e.ID}}}
	}
	return r
}
