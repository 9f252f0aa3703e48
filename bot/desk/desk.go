package desk

import (
	"strconv"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Desk is the consultants' side as a pure state machine: Handle applies
// one input to a State and returns what to send and do. It does no I/O.
type Desk struct {
	// Staff is the staff group's chat key.
	Staff bot.ChatKey
	// Forum is true when the staff group is a forum supergroup (one topic
	// per ticket); false means reply mode (ticket cards).
	Forum bool
	// Content returns the content served now (messages, desk.yaml, trees).
	Content func() *faq.Content
}

// InputKind says what happened.
type InputKind uint8

// The desk's inputs.
const (
	InOpen   InputKind = iota + 1 // a user asked for a consultant (EffectHandoff)
	InRelay                       // a user wrote in an open ticket (EffectRelay)
	InCancel                      // the user left the queue (EffectHandoffCancel)
	InErase                       // the user erased their data (EffectErase)
	InRate                        // the user rated a ticket (EffectRate)
	InStaff                       // a message or button press in the staff group
	InTick                        // the clock moved (wait notices, idle close)
	InTopic                       // the platform created a ticket's topic
	InOpDone                      // a platform operation finished (or was given up)
)

// Input is one event for the desk.
type Input struct {
	Kind InputKind
	Now  time.Time
	// User side (InOpen … InRate).
	Chat   bot.ChatKey
	Effect bot.Effect
	// Staff side: the update, whether its sender may act (member of the
	// group and on the allowlist, if any) and the ticket it refers to
	// (found from its topic or the message it replies to; 0 = none).
	Update     bot.Update
	Authorized bool
	Ticket     int
	// InTopic / InOpDone.
	Op     int
	Thread string
}

// Output is what an input produces besides the new State.
type Output struct {
	Replies []bot.Reply
	// Events go to users' engines (bot.UpdateDesk), in order.
	Events []Event
	// Transcript entries to append, in order.
	Transcript []Entry
	// Purge lists chats whose transcript is deleted.
	Purge []bot.ChatKey
	// DropTracks lists tracks whose pending staff-group sends are dropped.
	DropTracks []string
	// Counts are counters to add.
	Counts map[string]uint64
}

// Event is a desk event for one user's engine.
type Event struct {
	Chat bot.ChatKey
	Data string
}

// Entry is one transcript line: both directions and internal notes.
type Entry struct {
	Chat   bot.ChatKey `json:"-"`
	At     time.Time   `json:"at"`
	Ticket int         `json:"ticket"`
	Dir    string      `json:"dir"` // in (user), out (consultant), note, faq
	Lang   faq.Lang    `json:"lang"`
	Text   string      `json:"text,omitempty"`
	Media  string      `json:"media,omitempty"` // kind of attachment, no file id
	From   string      `json:"from,omitempty"`  // consultant id, out and note
}

// turn is the working set of one Handle call.
type turn struct {
	d   *Desk
	s   *State
	in  Input
	c   *faq.Content
	out Output
}

// Handle applies in to s (which it changes) and returns the output.
func (d *Desk) Handle(s *State, in Input) Output {
	t := &turn{d: d, s: s, in: in, c: d.Content()}
	if s.Tickets == nil {
		s.Tickets = map[int]*Ticket{}
	}
	switch in.Kind {
	case InOpen:
		t.open()
	case InRelay:
		t.userRelay()
	case InCancel:
		t.userLeft()
	case InErase:
		t.erase()
	case InRate:
		t.rate()
	case InStaff:
		t.staff()
	case InTick:
		t.tick()
	case InTopic:
		t.topicCreated()
	case InOpDone:
		t.opDone()
	}
	return t.out
}

func (t *turn) desk() *faq.Desk {
	if t.c != nil && t.c.Desk != nil {
		return t.c.Desk
	}
	return faq.DefaultDesk()
}

// msg returns message key in lang with {name} placeholders filled from kv.
func (t *turn) msg(key string, lang faq.Lang, kv ...string) string {
	s := key
	if t.c != nil {
		s = t.c.Messages.Get(key, lang)
	}
	return t.desk().Fill(fillAll(s, kv...), lang)
}

// staffMsg is msg in the staff language.
func (t *turn) staffMsg(key string, kv ...string) string {
	return t.msg(key, t.desk().StaffLang, kv...)
}

func fillAll(s string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

func (t *turn) count(name string, n uint64) {
	if t.out.Counts == nil {
		t.out.Counts = map[string]uint64{}
	}
	t.out.Counts[name] += n
}

// toUser queues a message to the ticket's user in their language.
func (t *turn) toUser(tk *Ticket, r bot.Reply) {
	r.Chat, r.Lang = tk.Chat, tk.Lang
	if r.Kind == bot.ReplyAnswer {
		r.Kind = bot.ReplyRelay
	}
	t.out.Replies = append(t.out.Replies, r)
}

// toStaff queues a message into the ticket's place in the group (its topic
// in forum mode), tracked so replies to it find the ticket.
func (t *turn) toStaff(tk *Ticket, r bot.Reply) {
	if t.d.Staff == "" {
		return // no staff group configured (local mode): tickets are kept only
	}
	r.Chat, r.Kind, r.Lang = t.d.Staff, bot.ReplyStaff, t.desk().StaffLang
	if tk != nil {
		r.Thread = tk.Thread
		r.Track = tk.ID()
	}
	t.out.Replies = append(t.out.Replies, r)
}

// answerStaff replies to the update being handled, in its topic.
func (t *turn) answerStaff(text string) {
	if t.d.Staff == "" {
		return
	}
	u := t.in.Update
	t.out.Replies = append(t.out.Replies, bot.Reply{Chat: t.d.Staff, Kind: bot.ReplyStaff, Lang: t.desk().StaffLang,
		Thread: u.Thread, ReplyTo: u.Ref, Text: text})
}

func (t *turn) note(tk *Ticket, dir, text, media, from string) {
	t.out.Transcript = append(t.out.Transcript, Entry{Chat: tk.Chat, At: t.in.Now, Ticket: tk.N, Dir: dir,
		Lang: tk.Lang, Text: text, Media: media, From: from})
}

func (t *turn) event(tk *Ticket, data string) {
	t.out.Events = append(t.out.Events, Event{Chat: tk.Chat, Data: data})
}

func num(n int) string { return strconv.Itoa(n) }
