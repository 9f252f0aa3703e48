package bot

import (
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// Mode is where a conversation stands.
type Mode uint8

// The conversation modes.
const (
	ModeNew          Mode = iota // never seen, or erased: privacy notice next
	ModeConsent                  // privacy notice shown, waiting for the accept button
	ModeLanguage                 // language picker shown
	ModeBrowse                   // navigating the trees
	ModeHandoff                  // asked for a short description before a ticket opens
	ModeConfirmErase             // asked to confirm /forget
	ModeConfirmLeave             // asked to confirm leaving the consultant queue
)

// MaxBackStack bounds the navigation history kept per chat.
const MaxBackStack = 16

// State is everything the bot remembers about one chat. It is stored as
// JSON; add fields with omitempty and keep old ones readable.
type State struct {
	Mode     Mode     `json:"mode"`
	Lang     faq.Lang `json:"lang"`
	LangSet  bool     `json:"lang_set,omitempty"`
	Consent  bool     `json:"consent,omitempty"`
	Node     string   `json:"node,omitempty"`     // current node; "" is the main menu
	Back     []string `json:"back,omitempty"`     // previous nodes, most recent last
	Subs     []string `json:"subs,omitempty"`     // subscribed event categories
	Inactive bool     `json:"inactive,omitempty"` // blocked the bot, or /stop
	// Desk is true while the chat has an open consultant ticket: typed
	// text and media go to the ticket; the menu still works.
	Desk bool `json:"desk,omitempty"`
	// Pending is a question typed before the privacy notice was accepted,
	// answered right after acceptance and then dropped; never kept longer.
	Pending  string    `json:"pending,omitempty"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// Result is what handling one update produces.
type Result struct {
	State   State
	Replies []Reply
	Effects []Effect
}

// Erases reports whether the result asks for the chat's data to be erased.
func (r *Result) Erases() bool {
	for _, e := range r.Effects {
		if e.Kind == EffectErase {
			return true
		}
	}
	return false
}
