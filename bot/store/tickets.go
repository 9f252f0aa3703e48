package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// TicketStatus is where a handoff ticket stands.
type TicketStatus string

// The ticket statuses the store writes.
const (
	TicketOpen      TicketStatus = "open"      // the user waits for a consultant
	TicketCancelled TicketStatus = "cancelled" // the user left the queue
)

// Ticket is a request to talk to a consultant, one per chat (the id is the
// chat key): a new handoff replaces the chat's previous ticket.
type Ticket struct {
	Chat    bot.ChatKey  `json:"chat"`
	Node    string       `json:"node,omitempty"` // where the user was in the trees
	Lang    faq.Lang     `json:"lang"`
	Opened  time.Time    `json:"opened"`
	Updated time.Time    `json:"updated,omitzero"`
	Status  TicketStatus `json:"status"`
}

// TranscriptEntry is one message the user relayed to a consultant. It holds
// the user's own words, so it is stored sealed under the chat's key and
// erasure deletes it and shreds the key.
type TranscriptEntry struct {
	At   time.Time `json:"at"`
	Lang faq.Lang  `json:"lang"`
	Text string    `json:"text"`
	// Written by the desk (bot/desk.Entry): the ticket number, the
	// direction (in: the user, out: a consultant, note: internal, faq: an
	// answer sent), the kind of attachment and the consultant's id.
	Ticket int    `json:"ticket,omitempty"`
	Dir    string `json:"dir,omitempty"`
	Media  string `json:"media,omitempty"`
	From   string `json:"from,omitempty"`
}

// Tickets returns every ticket, ordered by chat key.
func (db *DB) Tickets(ctx context.Context) ([]Ticket, error) {
	var tickets []Ticket
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTickets).ForEach(func(k, v []byte) error {
			var t Ticket
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode ticket %q: %w", k, err)
			}
			tickets = append(tickets, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return tickets, nil
}

// Transcript returns the messages chat relayed to consultants, oldest first.
func (db *DB) Transcript(ctx context.Context, chat bot.ChatKey) ([]TranscriptEntry, error) {
	var entries []TranscriptEntry
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTranscripts)
		for _, k := range keysWithPrefix(b, chatPrefix(chat)) {
			var e TranscriptEntry
			if _, err := getSealedJSON(tx, b, chat, k, &e); err != nil {
				return err
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load transcript of %s: %w", chat, err)
	}
	return entries, nil
}

// cancelTicket marks the chat's open ticket cancelled; the record stays so
// the desk can see that the user gave up.
func cancelTicket(tx *bbolt.Tx, chat bot.ChatKey, now time.Time) error {
	b := tx.Bucket(bucketTickets)
	var t Ticket
	found, err := getJSON(b, []byte(chat), &t)
	if err != nil || !found || t.Status != TicketOpen {
		return err
	}
	t.Status, t.Updated = TicketCancelled, now
	return putJSON(b, []byte(chat), t)
}

// appendTranscript stores e sealed for chat (crypt.go) under chat,
// separator, 8-byte sequence, so a chat's entries are contiguous and in
// order.
func appendTranscript(tx *bbolt.Tx, chat bot.ChatKey, e TranscriptEntry) error {
	b := tx.Bucket(bucketTranscripts)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("next transcript sequence: %w", err)
	}
	return putSealedJSON(tx, b, chat, chatSeqKey(chat, seq), e)
}
