package desk

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Status is where a ticket stands.
type Status string

// The ticket statuses.
const (
	Waiting Status = "waiting" // in the queue, nobody has taken it
	Taken   Status = "taken"   // a consultant is handling it
	Closed  Status = "closed"  // finished (by a consultant, the user, idle time or erasure)
)

// Ticket is one request to talk to a consultant. It is stored under
// "t/<number>/<chat>", so erasing the chat deletes it.
type Ticket struct {
	N        int         `json:"n"`
	Chat     bot.ChatKey `json:"chat"`
	Lang     faq.Lang    `json:"lang"`
	Path     []string    `json:"path,omitempty"`     // nodes the user went through
	Question string      `json:"question,omitempty"` // the user's description (personal text)
	Status   Status      `json:"status"`
	Opened   time.Time   `json:"opened"`
	// WaitFrom is when the ticket last entered the queue (opened or
	// transferred), for the wait notice.
	WaitFrom   time.Time `json:"wait_from"`
	LastUser   time.Time `json:"last_user"`
	LastStaff  time.Time `json:"last_staff,omitzero"`
	Closed     time.Time `json:"closed,omitzero"`
	Reason     string    `json:"reason,omitempty"`     // why it closed: staff, user, idle, erased
	Consultant string    `json:"consultant,omitempty"` // Telegram user id of who took it
	Thread     string    `json:"thread,omitempty"`     // forum topic, topics mode
	// TopicPending is set while the ticket's topic is being created; relays
	// wait in Pending until it exists.
	TopicPending bool     `json:"topic_pending,omitempty"`
	Pending      []Relay  `json:"pending,omitempty"`
	Held         []Relay  `json:"held,omitempty"` // billed Viber replies awaiting confirmation
	Nudged       bool     `json:"nudged,omitempty"`
	Acked        bool     `json:"acked,omitempty"`
	Rating       int      `json:"rating,omitempty"`
	Notes        int      `json:"notes,omitempty"`
	Faqs         []string `json:"faqs,omitempty"`
}

// ID is the ticket's Reply.Track and button id: "t12".
func (t *Ticket) ID() string { return "t" + strconv.Itoa(t.N) }

// Open reports whether the ticket still takes messages.
func (t *Ticket) Open() bool { return t.Status == Waiting || t.Status == Taken }

// Pseudonym is how consultants see the user: "Client 7F3A". It is derived
// from the chat key and the ticket number, never from a name.
func (t *Ticket) Pseudonym() string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", t.Chat, t.N)
	return fmt.Sprintf("%04X", h.Sum32()&0xffff)
}

// Relay is one message waiting to go somewhere (a topic being created, a
// billed reply awaiting confirmation).
type Relay struct {
	Text  string          `json:"text,omitempty"`
	Ref   string          `json:"ref,omitempty"`
	Media *bot.Media      `json:"media,omitempty"`
	From  string          `json:"from,omitempty"`
	Copy  *bot.MessageRef `json:"copy,omitempty"`
}

// ChatRec is a chat's link to the desk, stored under "c/<chat>": its open
// ticket and its last topic, reopened when the user returns within a week.
type ChatRec struct {
	Open       int       `json:"open,omitempty"`
	LastTicket int       `json:"last_ticket,omitempty"`
	LastThread string    `json:"last_thread,omitempty"`
	LastClosed time.Time `json:"last_closed,omitzero"`
}

// Board is the desk's shared record ("board"): the ticket counter, the
// open tickets, consultants' display names and platform operations still
// to run. It holds no user identity.
type Board struct {
	Next  int               `json:"next"`
	Open  []int             `json:"open,omitempty"`
	Names map[string]string `json:"names,omitempty"`
	Ops   []Op              `json:"ops,omitempty"`
	OpSeq int               `json:"op_seq,omitempty"`
}

// OpKind is a platform call the desk needs besides sending messages.
type OpKind string

// The platform operations.
const (
	OpCreateTopic OpKind = "create"
	OpCloseTopic  OpKind = "close"
	OpReopenTopic OpKind = "reopen"
	OpDeleteTopic OpKind = "delete"
	OpPurge       OpKind = "purge" // delete the ticket's relayed messages in the group
)

// Op is one pending platform operation. The runner executes it after the
// commit that queued it and reports back (InOpDone, InTopic).
type Op struct {
	ID     int    `json:"id"`
	Kind   OpKind `json:"kind"`
	Ticket int    `json:"ticket"`
	Thread string `json:"thread,omitempty"`
	Name   string `json:"name,omitempty"`
	Track  string `json:"track,omitempty"`
	Tries  int    `json:"tries,omitempty"`
}

// State is the part of the desk's data one input works on: the board, the
// open tickets, and the chats and closed tickets the input refers to.
type State struct {
	Board   Board
	Tickets map[int]*Ticket
	Chats   map[bot.ChatKey]*ChatRec
	// Threads maps a topic to its ticket, for the inputs' topics.
	Threads map[string]int

	dirtyTickets map[int]bool
	dirtyChats   map[bot.ChatKey]bool
	newThreads   map[string]int
}

func (s *State) ticket(n int) *Ticket { return s.Tickets[n] }

func (s *State) touch(t *Ticket) {
	if s.dirtyTickets == nil {
		s.dirtyTickets = map[int]bool{}
	}
	s.dirtyTickets[t.N] = true
}

func (s *State) chat(k bot.ChatKey) *ChatRec {
	if s.Chats == nil {
		s.Chats = map[bot.ChatKey]*ChatRec{}
	}
	c := s.Chats[k]
	if c == nil {
		c = &ChatRec{}
		s.Chats[k] = c
	}
	if s.dirtyChats == nil {
		s.dirtyChats = map[bot.ChatKey]bool{}
	}
	s.dirtyChats[k] = true
	return c
}

// openTicketOf returns chat's open ticket, or nil.
func (s *State) openTicketOf(k bot.ChatKey) *Ticket {
	if c := s.Chats[k]; c != nil && c.Open != 0 {
		if t := s.Tickets[c.Open]; t != nil && t.Open() {
			return t
		}
	}
	return nil
}

// waiting returns the open tickets, oldest first.
func (s *State) openTickets() []*Ticket {
	var ts []*Ticket
	for _, n := range s.Board.Open {
		if t := s.Tickets[n]; t != nil && t.Open() {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *Ticket) int { return a.WaitFrom.Compare(b.WaitFrom) })
	return ts
}

// position is t's place in the queue of waiting tickets, from 1.
func (s *State) position(t *Ticket) int {
	k := 0
	for _, o := range s.openTickets() {
		if o.Status == Waiting {
			k++
		}
		if o == t {
			return max(k, 1)
		}
	}
	return max(k, 1)
}

func (s *State) addOp(op Op) {
	s.Board.OpSeq++
	op.ID = s.Board.OpSeq
	s.Board.Ops = append(s.Board.Ops, op)
}

func (s *State) removeOpen(n int) {
	s.Board.Open = slices.DeleteFunc(s.Board.Open, func(x int) bool { return x == n })
}

func (s *State) name(id string) string {
	if n := s.Board.Names[id]; n != "" {
		return n
	}
	return ""
}

// Record keys.
const (
	keyBoard = "board"
)

func ticketPrefix(n int) string                { return fmt.Sprintf("t/%08d/", n) }
func ticketKey(n int, chat bot.ChatKey) string { return ticketPrefix(n) + string(chat) }
func chatKey(chat bot.ChatKey) string          { return "c/" + string(chat) }
func threadKey(thread string) string           { return "th/" + thread }
