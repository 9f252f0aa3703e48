package bot

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Hand-off button payloads. Desk payloads pressed in the staff group start
// with "d:" and never reach the engine.
const (
	dataSkipDescribe = "c:s"
	dataLeaveYes     = "x:y"
	dataLeaveNo      = "x:n"
	prefixRate       = "r:" // r:<ticket>:<1-5>
)

// Desk events the desk sends to a chat's engine (Update.Data of UpdateDesk).
const (
	DeskEventClosed = "closed:" // closed:<ticket>: a consultant closed the ticket
	DeskEventIdle   = "idle:"   // idle:<ticket>: the ticket closed itself after idle_close
	DeskEventFAQ    = "faq:"    // faq:<node>: a consultant sent this answer
	DeskEventEnded  = "ended"   // the ticket is gone (erased, lost): leave desk mode quietly
)

// handoff asks for a consultant: first a short description (optional), then
// the ticket opens (EffectHandoff) and the desk tells the user what happens
// next. A chat that already has a ticket is told so.
func (t *turn) handoff() {
	st := t.st()
	if st.Desk {
		t.reply(Reply{Text: t.msg("desk_already"), Buttons: [][]Button{{t.leaveButton()}, {t.menuButton()}}})
		return
	}
	st.Mode = ModeHandoff
	t.reply(Reply{Text: t.msg("desk_describe"), Buttons: [][]Button{
		{{Label: t.msg("desk_btn_skip"), Data: dataSkipDescribe}},
		{{Label: t.msg("btn_cancel"), Data: dataCancel}},
	}})
}

// openTicket opens the ticket with the user's description (may be empty).
func (t *turn) openTicket(desc string) {
	st := t.st()
	path := append(append([]string(nil), st.Back...), st.Node)
	st.Mode, st.Desk = ModeBrowse, true
	t.effect(Effect{Kind: EffectHandoff, Node: st.Node, Path: path, Text: desc})
}

// cancel is the Cancel button: it drops a hand-off that has not opened yet,
// and asks for confirmation before leaving an open ticket.
func (t *turn) cancel() {
	st := t.st()
	switch {
	case st.Mode == ModeHandoff && !st.Desk:
		st.Mode = ModeBrowse
		t.reply(Reply{Text: t.msg("handoff_cancelled")})
		t.mainMenu()
	case st.Desk:
		st.Mode = ModeConfirmLeave
		t.reply(Reply{Text: t.msg("desk_leave_confirm"), Buttons: [][]Button{
			{{Label: t.msg("desk_btn_leave_yes"), Data: dataLeaveYes}},
			{{Label: t.msg("desk_btn_leave_no"), Data: dataLeaveNo}},
		}})
	default:
		t.stale()
	}
}

// leave answers the confirmation of leaving the queue.
func (t *turn) leave(yes bool) {
	st := t.st()
	if st.Mode != ModeConfirmLeave || !st.Desk {
		t.stale()
		return
	}
	st.Mode = ModeBrowse
	if !yes {
		t.reply(Reply{Text: t.msg("desk_leave_kept")})
		return
	}
	st.Desk = false
	t.effect(Effect{Kind: EffectHandoffCancel, Node: st.Node})
	t.reply(Reply{Text: t.msg("handoff_cancelled")})
	t.mainMenu()
}

// relay passes a message (text, media or both) to the ticket. The desk
// acknowledges it when useful; the engine says nothing.
func (t *turn) relay(s string) {
	if s == "" && t.u.Media == nil {
		t.reply(Reply{Text: t.msg("empty_message")})
		return
	}
	if len(s) > MaxQueryBytes*4 {
		t.reply(Reply{Text: t.msg("too_long")})
		return
	}
	if t.st().Mode == ModeConfirmLeave {
		t.st().Mode = ModeBrowse
	}
	t.effect(Effect{Kind: EffectRelay, Text: s, Node: t.st().Node, Ref: t.u.Ref, Media: t.u.Media})
}

// rate records the user's 1–5 rating of a closed ticket.
func (t *turn) rate(arg string) {
	ticket, n, ok := strings.Cut(arg, ":")
	r, err := strconv.Atoi(n)
	if !ok || err != nil || r < 1 || r > 5 || ticket == "" {
		t.stale()
		return
	}
	t.effect(Effect{Kind: EffectRate, Ticket: ticket, Rating: r})
	t.reply(Reply{Text: t.msg("desk_rate_thanks"), Buttons: [][]Button{{t.menuButton()}}})
}

// deskEvent handles what the desk tells the chat (UpdateDesk).
func (t *turn) deskEvent(ev string) {
	st := t.st()
	switch {
	case strings.HasPrefix(ev, DeskEventClosed), strings.HasPrefix(ev, DeskEventIdle):
		wasDesk := st.Desk
		st.Desk = false
		if st.Mode == ModeConfirmLeave || st.Mode == ModeHandoff {
			st.Mode = ModeBrowse
		}
		key, ticket := "desk_closed", strings.TrimPrefix(ev, DeskEventClosed)
		if strings.HasPrefix(ev, DeskEventIdle) {
			key, ticket = "desk_idle_closed", strings.TrimPrefix(ev, DeskEventIdle)
		}
		if !wasDesk {
			return
		}
		t.fresh = true
		t.reply(Reply{Text: t.msg(key)})
		t.mainMenu()
		t.reply(Reply{Text: t.msg("desk_rate"), Buttons: [][]Button{rateButtons(ticket)}})
	case strings.HasPrefix(ev, DeskEventFAQ):
		if n := t.c.Resolve(t.c.Node(strings.TrimPrefix(ev, DeskEventFAQ))); n != nil {
			t.fresh = true
			t.show(n)
		}
	case ev == DeskEventEnded:
		st.Desk = false
		if st.Mode == ModeConfirmLeave {
			st.Mode = ModeBrowse
		}
	}
}

func rateButtons(ticket string) []Button {
	row := make([]Button, 0, 5)
	for i := 1; i <= 5; i++ {
		n := strconv.Itoa(i)
		row = append(row, Button{Label: n, Data: prefixRate + ticket + ":" + n})
	}
	return row
}

func (t *turn) leaveButton() Button {
	return Button{Label: t.msg("desk_btn_leave"), Data: dataCancel}
}

// skipDescribe opens the ticket without a description.
func (t *turn) skipDescribe() {
	st := t.st()
	if st.Mode != ModeHandoff || st.Desk {
		t.stale()
		return
	}
	t.openTicket("")
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
