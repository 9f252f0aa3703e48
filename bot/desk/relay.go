package desk

import (
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// viberFreeWindow is how long after a Viber user's last message replies
// are free; later ones are billed to the info point.
const viberFreeWindow = 24 * time.Hour

// consultantMessage relays what a consultant wrote in a ticket to its user.
// A waiting ticket is taken by the first consultant who answers; a taken
// one only by its consultant (the others are refused).
func (t *turn) consultantMessage(tk *Ticket) {
	u := t.in.Update
	if !tk.Open() {
		t.answerStaff(t.staffMsg("desk_staff_ticket_closed", "ticket", num(tk.N)))
		return
	}
	if !t.mayAct(tk) {
		return
	}
	if u.Text == "" && u.Media == nil {
		return
	}
	if tk.Status == Waiting {
		t.assign(tk, u.From)
	}
	r := Relay{Text: u.Text, Ref: u.Ref, From: u.From, Media: u.Media}
	if tk.Chat.Channel() == bot.Viber && t.in.Now.Sub(tk.LastUser) > viberFreeWindow {
		tk.Held = append(tk.Held, r)
		t.s.touch(tk)
		t.toStaff(tk, bot.Reply{Text: t.staffMsg("desk_staff_billed", "ticket", num(tk.N), "count", num(len(tk.Held))),
			ReplyTo: u.Ref, Buttons: [][]bot.Button{{
				{Label: t.staffMsg("desk_btn_send"), Data: prefixButton + btnSend + ":" + num(tk.N)},
				{Label: t.staffMsg("desk_btn_drop"), Data: prefixButton + btnDrop + ":" + num(tk.N)},
			}}})
		return
	}
	t.deliver(tk, r)
}

// deliver sends one consultant message to the user and records it.
func (t *turn) deliver(tk *Ticket, r Relay) {
	tk.LastStaff = t.in.Now
	t.s.touch(tk)
	t.note(tk, "out", r.Text, mediaName(r.Media), r.From)
	rep := bot.Reply{Kind: bot.ReplyRelay, Title: t.userName(tk, r.From), Text: r.Text}
	if r.Media != nil {
		rep.Title = ""
		switch {
		case tk.Chat.Channel() == bot.Telegram && r.Ref != "":
			rep.Copy = &bot.MessageRef{Chat: t.d.Staff, Ref: r.Ref}
			rep.Text = ""
		default:
			m := *r.Media
			rep.Media = &m
		}
	}
	t.toUser(tk, rep)
	t.count("desk/relayed/out", 1)
}

// sendHeld sends the billed replies a consultant confirmed.
func (t *turn) sendHeld(tk *Ticket) {
	if len(tk.Held) == 0 {
		t.answerStaff(t.staffMsg("desk_staff_nothing_held", "ticket", num(tk.N)))
		return
	}
	held := tk.Held
	tk.Held = nil
	for _, r := range held {
		t.deliver(tk, r)
	}
	t.count("desk/billed/viber", uint64(len(held)))
	t.answerStaff(t.staffMsg("desk_staff_billed_sent", "ticket", num(tk.N), "count", num(len(held))))
}

func (t *turn) dropHeld(tk *Ticket) {
	n := len(tk.Held)
	tk.Held = nil
	t.s.touch(tk)
	t.answerStaff(t.staffMsg("desk_staff_billed_dropped", "ticket", num(tk.N), "count", num(n)))
}

// tick sends wait notices and closes idle tickets.
func (t *turn) tick() {
	d := t.desk()
	now := t.in.Now
	for _, tk := range t.s.openTickets() {
		if d.IdleClose > 0 && now.Sub(tk.LastUser) >= d.IdleClose {
			t.closeTicket(tk, "idle")
			t.event(tk, bot.DeskEventIdle+num(tk.N))
			t.toStaff(tk, bot.Reply{Text: t.staffMsg("desk_staff_idle", "ticket", num(tk.N), "hours", num(int(d.IdleClose.Hours())))})
			continue
		}
		if tk.Status != Waiting || tk.Nudged || !d.IsOpen(now) {
			continue
		}
		since := tk.WaitFrom
		if start := d.OpenSince(now); start.After(since) {
			since = start
		}
		if now.Sub(since) < d.WaitNotice {
			continue
		}
		tk.Nudged = true
		t.s.touch(tk)
		t.toUser(tk, bot.Reply{Text: t.msg("desk_wait_notice", tk.Lang, "position", num(t.s.position(tk)))})
		t.toStaff(tk, bot.Reply{Text: t.staffMsg("desk_staff_nudge", "ticket", num(tk.N), "waiting", waited(now.Sub(tk.WaitFrom))),
			Buttons: [][]bot.Button{{{Label: t.staffMsg("desk_btn_take"), Data: prefixButton + btnTake + ":" + num(tk.N)}}}})
	}
}

// topicCreated records the ticket's new topic and posts the card and
// whatever the user wrote meanwhile into it.
func (t *turn) topicCreated() {
	t.opDone()
	tk := t.s.ticket(t.in.Ticket)
	if tk == nil || !tk.TopicPending {
		return
	}
	tk.Thread, tk.TopicPending = t.in.Thread, false
	t.s.touch(tk)
	t.threadOf(tk.Thread, tk.N)
	if !tk.Open() {
		t.s.addOp(Op{Kind: OpCloseTopic, Ticket: tk.N, Thread: tk.Thread})
		return
	}
	t.toStaff(tk, t.card(tk))
	pending := tk.Pending
	tk.Pending = nil
	for _, r := range pending {
		t.relayToStaff(tk, r)
	}
}

// opDone removes a finished (or abandoned) platform operation.
func (t *turn) opDone() {
	ops := t.s.Board.Ops[:0]
	for _, op := range t.s.Board.Ops {
		if op.ID != t.in.Op {
			ops = append(ops, op)
		}
	}
	t.s.Board.Ops = ops
	// A topic that could not be created: fall back to posting the card in
	// the group's General topic so nobody waits unseen.
	if t.in.Kind == InOpDone && t.in.Thread == "" {
		if tk := t.s.ticket(t.in.Ticket); tk != nil && tk.TopicPending {
			tk.TopicPending = false
			t.s.touch(tk)
			t.toStaff(tk, t.card(tk))
			pending := tk.Pending
			tk.Pending = nil
			for _, r := range pending {
				t.relayToStaff(tk, r)
			}
		}
	}
}
