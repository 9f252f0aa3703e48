package desk

import (
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// maxTopicReuse is how long after closing a user's topic is reopened for
// their next ticket instead of creating a new one.
const maxTopicReuse = faq.DefaultReopenWithin

// open opens a ticket for the chat, posts it to the group and tells the
// user what happens next.
func (t *turn) open() {
	chat, e := t.in.Chat, t.in.Effect
	if tk := t.s.openTicketOf(chat); tk != nil {
		return // the engine asks only once; a re-run changes nothing
	}
	s := t.s
	s.Board.Next++
	now := t.in.Now
	tk := &Ticket{N: s.Board.Next, Chat: chat, Lang: e.Lang, Path: e.Path, Question: e.Text, Status: Waiting,
		Opened: now, WaitFrom: now, LastUser: now}
	s.Tickets[tk.N] = tk
	s.touch(tk)
	s.Board.Open = append(s.Board.Open, tk.N)
	rec := s.chat(chat)
	rec.Open = tk.N
	if e.Text != "" {
		t.note(tk, "in", e.Text, "", "")
	}
	t.count("desk/opened/"+tk.Lang.String()+"/"+string(chat.Channel()), 1)
	t.postTicket(tk, rec)
	t.tellOpened(tk)
}

// postTicket puts the ticket in front of the consultants: a card in reply
// mode; in forum mode its topic (the user's last one if it closed within
// a week, else a new one; the card follows once it exists).
func (t *turn) postTicket(tk *Ticket, rec *ChatRec) {
	if !t.d.Forum {
		t.toStaff(tk, t.card(tk))
		return
	}
	if rec.LastThread != "" && t.in.Now.Sub(rec.LastClosed) < maxTopicReuse {
		tk.Thread = rec.LastThread
		t.s.addOp(Op{Kind: OpReopenTopic, Ticket: tk.N, Thread: tk.Thread})
		t.threadOf(tk.Thread, tk.N)
		t.toStaff(tk, t.card(tk))
		return
	}
	tk.TopicPending = true
	t.s.addOp(Op{Kind: OpCreateTopic, Ticket: tk.N, Name: t.topicName(tk)})
}

func (t *turn) threadOf(thread string, n int) {
	if t.s.Threads == nil {
		t.s.Threads = map[string]int{}
	}
	if t.s.newThreads == nil {
		t.s.newThreads = map[string]int{}
	}
	t.s.Threads[thread], t.s.newThreads[thread] = n, n
}

// tellOpened tells the user the ticket number and what to expect.
func (t *turn) tellOpened(tk *Ticket) {
	d := t.desk()
	kv := []string{"ticket", num(tk.N)}
	if d.IsOpen(t.in.Now) {
		kv = append(kv, "minutes", num(d.AnswerMinutes), "position", num(t.s.position(tk)))
		t.toUser(tk, bot.Reply{Text: t.msg("desk_opened_hours", tk.Lang, kv...)})
		return
	}
	kv = append(kv, "next", t.nextOpen(tk.Lang))
	t.toUser(tk, bot.Reply{Text: t.msg("desk_opened_closed", tk.Lang, kv...)})
}

// nextOpen names the next opening in lang: "Monday 07.12, 09:00".
func (t *turn) nextOpen(lang faq.Lang) string {
	d := t.desk()
	next := d.NextOpen(t.in.Now)
	if next.IsZero() {
		return "—"
	}
	next = next.In(d.Location)
	return t.msg("desk_next_open", lang, "day", weekday(t.msg("desk_weekdays", lang), next.Weekday()),
		"date", next.Format("02.01"), "time", next.Format("15:04"))
}

// userRelay passes what the user wrote to the ticket.
func (t *turn) userRelay() {
	tk := t.s.openTicketOf(t.in.Chat)
	e := t.in.Effect
	if tk == nil {
		// The chat believes it has a ticket the desk does not know (lost
		// or closed meanwhile): open a new one with this message.
		t.in.Effect.Kind, t.in.Effect.Text = bot.EffectHandoff, e.Text
		t.open()
		tk = t.s.openTicketOf(t.in.Chat)
		if tk == nil || e.Media == nil {
			return
		}
		e.Text = ""
	}
	tk.LastUser = t.in.Now
	t.s.touch(tk)
	t.note(tk, "in", e.Text, mediaName(e.Media), "")
	r := Relay{Text: e.Text, Ref: e.Ref, Media: e.Media}
	if tk.TopicPending {
		tk.Pending = append(tk.Pending, r)
	} else {
		t.relayToStaff(tk, r)
	}
	if tk.Status == Waiting && !tk.Acked {
		tk.Acked = true
		t.toUser(tk, bot.Reply{Text: t.msg("handoff_waiting", tk.Lang)})
	}
}

// relayToStaff posts one user message into the ticket.
func (t *turn) relayToStaff(tk *Ticket, r Relay) {
	label := ""
	if !t.d.Forum {
		label = t.label(tk) + ":"
	}
	// Text relays of one ticket may merge into one message when the
	// group lane is backlogged (20 messages/min).
	// The label is part of the text (not a Title) so that merged relays
	// keep it on every message.
	rep := bot.Reply{Text: joinNonEmpty(label, r.Text), Coalesce: tk.ID()}
	if r.Media != nil {
		if tk.Chat.Channel() == bot.Telegram && r.Ref != "" {
			rep.Copy = &bot.MessageRef{Chat: tk.Chat, Ref: r.Ref}
		} else {
			m := *r.Media
			rep.Media = &m
		}
		rep.Coalesce = ""
	}
	t.toStaff(tk, rep)
}

// userLeft closes the ticket of a user who left the queue.
func (t *turn) userLeft() {
	tk := t.s.openTicketOf(t.in.Chat)
	if tk == nil {
		return
	}
	t.closeTicket(tk, "user")
	t.toStaff(tk, bot.Reply{Text: t.staffMsg("desk_staff_left", "ticket", num(tk.N))})
}

// erase closes the user's ticket, tells the group and removes what the
// desk keeps of them; the store erases the chat's records afterwards.
func (t *turn) erase() {
	chat := t.in.Chat
	if tk := t.s.openTicketOf(chat); tk != nil {
		t.closeTicket(tk, "erased")
		t.out.DropTracks = append(t.out.DropTracks, tk.ID())
		t.toStaff(tk, bot.Reply{Text: t.staffMsg("desk_staff_erased", "ticket", num(tk.N)), Track: "-"})
		if t.d.Forum && tk.Thread != "" {
			t.s.addOp(Op{Kind: OpDeleteTopic, Ticket: tk.N, Thread: tk.Thread})
		} else {
			t.s.addOp(Op{Kind: OpPurge, Ticket: tk.N, Track: tk.ID()})
		}
		tk.Question, tk.Pending, tk.Held = "", nil, nil
	}
	if rec := t.s.Chats[chat]; rec != nil && rec.LastThread != "" && t.d.Forum {
		t.s.addOp(Op{Kind: OpDeleteTopic, Thread: rec.LastThread})
	}
	t.out.Purge = append(t.out.Purge, chat)
}

// rate stores a user's rating of their ticket, once.
func (t *turn) rate() {
	e := t.in.Effect
	var tk *Ticket
	for _, x := range t.s.Tickets {
		if x.ID() == e.Ticket || num(x.N) == e.Ticket {
			tk = x
		}
	}
	if tk == nil || tk.Chat != t.in.Chat || tk.Open() || tk.Rating != 0 || e.Rating < 1 || e.Rating > 5 {
		return
	}
	tk.Rating = e.Rating
	t.s.touch(tk)
	t.count("desk/rating/"+tk.Lang.String()+"/"+string(tk.Chat.Channel())+"/"+num(e.Rating), 1)
	t.count("desk/rated/"+tk.Lang.String()+"/"+string(tk.Chat.Channel()), 1)
}

// closeTicket marks tk closed for reason and frees the chat.
func (t *turn) closeTicket(tk *Ticket, reason string) {
	tk.Status, tk.Closed, tk.Reason = Closed, t.in.Now, reason
	tk.Pending = nil
	t.s.touch(tk)
	t.s.removeOpen(tk.N)
	rec := t.s.chat(tk.Chat)
	rec.Open, rec.LastTicket = 0, tk.N
	if tk.Thread != "" {
		rec.LastThread, rec.LastClosed = tk.Thread, t.in.Now
		if reason != "erased" {
			t.s.addOp(Op{Kind: OpCloseTopic, Ticket: tk.N, Thread: tk.Thread})
		}
	}
	t.count("desk/closed/"+reason, 1)
}

func mediaName(m *bot.Media) string {
	if m == nil {
		return ""
	}
	return [...]string{"", "photo", "document", "voice", "video", "sticker", "location"}[min(int(m.Kind), 6)]
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

func weekday(list string, d time.Weekday) string {
	names := splitComma(list)
	if len(names) == 7 {
		return names[d]
	}
	return d.String()
}
