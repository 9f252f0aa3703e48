package desk

import (
	"strings"
	"unicode/utf8"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Button payloads on staff-group messages.
const (
	prefixButton = "d:"
	btnTake      = "take"
	btnClose     = "close"
	btnSend      = "send"
	btnDrop      = "drop"
)

// maxName bounds a consultant's display name, in characters.
const maxName = 32

// staff handles a message or a button press in the staff group.
func (t *turn) staff() {
	u := t.in.Update
	if !t.in.Authorized {
		if u.Kind == bot.UpdateButton || isCommand(u.Text) || t.in.Ticket != 0 {
			t.answerStaff(t.staffMsg("desk_staff_denied"))
		}
		return
	}
	if u.Kind == bot.UpdateButton {
		t.button(u.Data)
		return
	}
	if name, arg, ok := parseCommand(u.Text); ok && u.Media == nil {
		t.command(name, arg)
		return
	}
	tk := t.s.ticket(t.in.Ticket)
	if tk == nil {
		return // talk among consultants, not about a ticket
	}
	t.consultantMessage(tk)
}

func (t *turn) button(data string) {
	rest, ok := strings.CutPrefix(data, prefixButton)
	if !ok {
		return
	}
	what, id, _ := strings.Cut(rest, ":")
	t.in.Ticket = atoi(id)
	switch what {
	case btnTake:
		t.command("take", "")
	case btnClose:
		t.command("close", "")
	case btnSend:
		t.command("send", "")
	case btnDrop:
		t.command("drop", "")
	}
}

// command runs a consultant's /command. Every command answers.
func (t *turn) command(name, arg string) {
	switch name {
	case "tickets":
		t.listTickets()
		return
	case "name":
		t.setName(arg)
		return
	case "help", "start":
		t.answerStaff(t.staffMsg("desk_staff_help"))
		return
	}
	tk, ok := t.commandTicket(name)
	if !ok {
		return
	}
	switch name {
	case "take":
		t.take(tk)
	case "close":
		t.staffClose(tk)
	case "note":
		t.addNote(tk, arg)
	case "faq":
		t.sendFAQ(tk, arg)
	case "lang":
		t.lang(tk, arg)
	case "transfer":
		t.transfer(tk)
	case "send":
		t.sendHeld(tk)
	case "drop":
		t.dropHeld(tk)
	}
}

// commandTicket finds the open ticket a ticket command is about and checks
// who may act on it: anyone on a waiting ticket, only its consultant on a
// taken one (/lang and /note are always allowed).
func (t *turn) commandTicket(name string) (*Ticket, bool) {
	known := map[string]bool{"take": true, "close": true, "note": true, "faq": true, "lang": true, "transfer": true, "send": true, "drop": true}
	if !known[name] {
		t.answerStaff(t.staffMsg("desk_staff_unknown"))
		return nil, false
	}
	tk := t.s.ticket(t.in.Ticket)
	switch {
	case tk == nil:
		t.answerStaff(t.staffMsg("desk_staff_no_ticket"))
		return nil, false
	case !tk.Open():
		t.answerStaff(t.staffMsg("desk_staff_ticket_closed", "ticket", num(tk.N)))
		return nil, false
	case name != "note" && name != "lang" && !t.mayAct(tk):
		return nil, false
	}
	return tk, true
}

// mayAct applies the one-consultant rule: a taken ticket belongs to the
// consultant who took it; others are refused with who has it.
func (t *turn) mayAct(tk *Ticket) bool {
	if tk.Status != Taken || tk.Consultant == t.in.Update.From {
		return true
	}
	t.answerStaff(t.staffMsg("desk_staff_taken_other", "ticket", num(tk.N), "name", t.displayName(tk.Consultant)))
	return false
}

func (t *turn) displayName(id string) string {
	if n := t.s.name(id); n != "" {
		return n
	}
	return t.msg("desk_default_name", t.desk().StaffLang)
}

// userName is the consultant's name as the user sees it, in their language.
func (t *turn) userName(tk *Ticket, id string) string {
	if n := t.s.name(id); n != "" {
		return n
	}
	return t.msg("desk_default_name", tk.Lang)
}

// take assigns the ticket to the consultant and tells the user.
func (t *turn) take(tk *Ticket) {
	from := t.in.Update.From
	if tk.Status == Taken {
		t.answerStaff(t.staffMsg("desk_staff_already_yours", "ticket", num(tk.N)))
		return
	}
	t.assign(tk, from)
	t.answerStaff(t.staffMsg("desk_staff_taken", "ticket", num(tk.N), "name", t.displayName(from)))
}

func (t *turn) assign(tk *Ticket, from string) {
	tk.Status, tk.Consultant = Taken, from
	t.s.touch(tk)
	t.toUser(tk, bot.Reply{Text: t.msg("desk_taken", tk.Lang, "name", t.userName(tk, from))})
}

// staffClose ends the conversation: the user is told, gets the menu and a
// rating (via their engine), the topic closes.
func (t *turn) staffClose(tk *Ticket) {
	t.closeTicket(tk, "staff")
	t.event(tk, bot.DeskEventClosed+num(tk.N))
	t.answerStaff(t.staffMsg("desk_staff_closed", "ticket", num(tk.N), "name", t.displayName(t.in.Update.From)))
}

func (t *turn) addNote(tk *Ticket, text string) {
	if text == "" {
		t.answerStaff(t.staffMsg("desk_staff_note_empty"))
		return
	}
	tk.Notes++
	t.s.touch(tk)
	t.note(tk, "note", text, "", t.in.Update.From)
	t.answerStaff(t.staffMsg("desk_staff_note", "ticket", num(tk.N)))
}

// sendFAQ sends an answer from the trees to the user in their language: a
// node id, else the best search hit for the words.
func (t *turn) sendFAQ(tk *Ticket, q string) {
	n := t.findNode(q, tk.Lang)
	if n == nil {
		t.answerStaff(t.staffMsg("desk_staff_faq_none", "query", q))
		return
	}
	if tk.Status == Waiting {
		t.assign(tk, t.in.Update.From)
	}
	tk.Faqs = append(tk.Faqs, n.ID)
	tk.LastStaff = t.in.Now
	t.s.touch(tk)
	t.event(tk, bot.DeskEventFAQ+n.ID)
	t.note(tk, "faq", n.ID, "", t.in.Update.From)
	t.answerStaff(t.staffMsg("desk_staff_faq_sent", "ticket", num(tk.N), "node", n.ID,
		"title", n.Title.In(t.desk().StaffLang), "lang", tk.Lang.String()))
}

func (t *turn) findNode(q string, lang faq.Lang) *faq.Node {
	q = strings.TrimSpace(q)
	if q == "" || t.c == nil {
		return nil
	}
	if n := t.c.Resolve(t.c.Node(q)); n != nil {
		return n
	}
	if t.c.Index == nil {
		return nil
	}
	for _, l := range []faq.Lang{lang, t.desk().StaffLang, faq.EN} {
		for _, h := range t.c.Index.Search(q, l, 3) {
			if h.Node.IsAnswer() {
				return h.Node
			}
		}
	}
	return nil
}

// lang shows the user's language; "/lang xx" changes the language the
// desk writes to them in.
func (t *turn) lang(tk *Ticket, arg string) {
	if l, ok := faq.ParseLang(arg); ok && arg != "" {
		tk.Lang = l
		t.s.touch(tk)
	}
	t.answerStaff(t.staffMsg("desk_staff_lang", "ticket", num(tk.N), "lang", flag(tk.Lang)+" "+tk.Lang.String()))
}

// transfer puts a taken ticket back in the queue.
func (t *turn) transfer(tk *Ticket) {
	if tk.Status != Taken {
		t.answerStaff(t.staffMsg("desk_staff_not_taken", "ticket", num(tk.N)))
		return
	}
	tk.Status, tk.Consultant, tk.WaitFrom, tk.Nudged = Waiting, "", t.in.Now, false
	t.s.touch(tk)
	t.toUser(tk, bot.Reply{Text: t.msg("desk_transferred", tk.Lang)})
	t.answerStaff(t.staffMsg("desk_staff_transferred", "ticket", num(tk.N)))
}

// listTickets lists the open tickets, longest waiting first.
func (t *turn) listTickets() {
	open := t.s.openTickets()
	if len(open) == 0 {
		t.answerStaff(t.staffMsg("desk_staff_tickets_none"))
		return
	}
	var b strings.Builder
	b.WriteString(t.staffMsg("desk_staff_tickets"))
	for _, tk := range open {
		b.WriteString("\n")
		who := t.staffMsg("desk_staff_status_waiting")
		if tk.Status == Taken {
			who = t.displayName(tk.Consultant)
		}
		b.WriteString("#" + num(tk.N) + " " + flag(tk.Lang) + " " + string(tk.Chat.Channel()) + " · " +
			waited(t.in.Now.Sub(tk.WaitFrom)) + " · " + who)
	}
	t.answerStaff(b.String())
}

func (t *turn) setName(arg string) {
	arg = strings.TrimSpace(strings.Join(strings.Fields(arg), " "))
	if arg == "" {
		t.answerStaff(t.staffMsg("desk_staff_name_show", "name", t.displayName(t.in.Update.From)))
		return
	}
	if utf8.RuneCountInString(arg) > maxName {
		arg = string([]rune(arg)[:maxName])
	}
	if t.s.Board.Names == nil {
		t.s.Board.Names = map[string]string{}
	}
	t.s.Board.Names[t.in.Update.From] = arg
	t.answerStaff(t.staffMsg("desk_staff_name", "name", arg))
}

func isCommand(s string) bool { _, _, ok := parseCommand(s); return ok }

// parseCommand splits "/note@Bot text" into ("note", "text").
func parseCommand(text string) (name, arg string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) < 2 || text[0] != '/' {
		return "", "", false
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n"); i >= 0 {
		head, arg = head[:i], head[i+1:]+" "+arg
	}
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg), head != ""
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1e8 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
