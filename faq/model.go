package faq

import (
	"fmt"
	"strings"
	"time"
)

// Lang is one of the four languages the content is written in.
type Lang uint8

// The content languages, in the order used by Text.
const (
	UK Lang = iota // Ukrainian
	PL             // Polish
	RU             // Russian
	EN             // English
	NumLangs
)

// Langs lists every content language in display order.
var Langs = [NumLangs]Lang{UK, PL, RU, EN}

var langCodes = [NumLangs]string{"uk", "pl", "ru", "en"}

// String returns the ISO 639-1 code ("uk", "pl", "ru", "en").
func (l Lang) String() string {
	if l < NumLangs {
		return langCodes[l]
	}
	return fmt.Sprintf("lang(%d)", uint8(l))
}

// ParseLang maps a language code or IETF tag ("uk", "uk-UA", "ru_RU", "UA")
// to a content language. It reports false for anything else.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch s {
	case "uk", "ua", "ukr":
		return UK, true
	case "pl", "pol":
		return PL, true
	case "ru", "rus":
		return RU, true
	case "en", "eng":
		return EN, true
	}
	return 0, false
}

// Text is a string in each content language, indexed by Lang.
type Text [NumLangs]string

// In returns the text in l, falling back to English, then Polish, then any
// non-empty translation, so a user never sees an empty message.
func (t Text) In(l Lang) string {
	if l < NumLangs && t[l] != "" {
		return t[l]
	}
	for _, f := range [...]Lang{EN, PL, UK, RU} {
		if t[f] != "" {
			return t[f]
		}
	}
	return ""
}

// Pos is a position in a content file, 1-based.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String formats the position as file:line:col.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// ActionKind says what an action button does.
type ActionKind uint8

// The kinds of action a node can offer.
const (
	ActionHandoff   ActionKind = iota + 1 // hand the chat to a consultant
	ActionSubscribe                       // subscribe to an event category
	ActionURL                             // open a web page
)

// Action is a button on a node that does something other than navigate.
type Action struct {
	Kind     ActionKind
	Category string // ActionSubscribe: the event category id
	URL      string // ActionURL: the page to open
	Label    Text   // optional; a default label from Messages is used when empty
	Pos      Pos
}

// Node is one step of a decision tree: a menu (with children), a redirect
// (Goto) or an answer (a leaf with text, sources and a reviewed date).
type Node struct {
	ID       string
	Topic    string // id of the topic (file) the node belongs to
	Title    Text
	Text     Text
	Children []*Node
	Goto     string // id of another node to show instead of this one
	Keywords [NumLangs][]string
	// Questions are example questions per language, the way people ask
	// them; search ranks a node whose question the query resembles first.
	Questions [NumLangs][]string
	Sources   []string
	Reviewed  time.Time // zero when not given; month precision is allowed
	Actions   []Action
	Parent    *Node // nil for a topic root
	Pos       Pos
}

// IsAnswer reports whether the node is a leaf answer.
func (n *Node) IsAnswer() bool { return len(n.Children) == 0 && n.Goto == "" }

// Topic is one decision tree, loaded from one file of content/faq.
type Topic struct {
	ID    string
	Order int // position in the main menu, ascending
	Root  *Node
	File  string
}

// Category is an event category users can subscribe to (workshops, job
// fairs, Polish courses).
type Category struct {
	ID    string
	Title Text
}

// Messages are the UI strings (buttons and system messages) by key.
type Messages map[string]Text

// Get returns the message key in l; a missing key returns the key itself so
// the gap is visible instead of silent (Validate reports it).
func (m Messages) Get(key string, l Lang) string {
	if t, ok := m[key]; ok {
		if s := t.In(l); s != "" {
			return s
		}
	}
	return key
}

// Content is everything loaded from a content directory: the trees, the UI
// strings, the event categories and events, and a search index over the
// trees.
type Content struct {
	Topics     []*Topic // in menu order
	Nodes      map[string]*Node
	Messages   Messages
	Categories []*Category
	Events     []*Event // in file order; see LiveEvents
	Index      *Index
	// Desk is desk.yaml: office hours and the info point's details; never
	// nil after Load (DefaultDesk without the file).
	Desk *Desk
	// Crisis holds the danger signals of crisis.yaml; never nil after Load.
	Crisis *Crisis
	// Synonyms are the word groups of synonyms.yaml the Index expands
	// queries with.
	Synonyms []SynonymGroup
}

// Node returns the node with the given id, or nil.
func (c *Content) Node(id string) *Node { return c.Nodes[id] }

// Category returns the event category with the given id, or nil.
func (c *Content) Category(id string) *Category {
	for _, cat := range c.Categories {
		if cat.ID == id {
			return cat
		}
	}
	return nil
}

// Resolve follows Goto redirects from n and returns the node to show. The
// validator rejects cycles; the hop limit only guards unvalidated content.
func (c *Content) Resolve(n *Node) *Node {
	for hops := 0; n != nil && n.Goto != "" && hops < 16; hops++ {
		n = c.Nodes[n.Goto]
	}
	return n
}
