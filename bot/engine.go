package bot

import (
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/infopunkt/infopunkt/faq"
)

// Limits on free text. A question longer than MaxQueryBytes is not searched;
// only the first MaxSearchRunes runes of a query are used.
const (
	MaxQueryBytes  = 2000
	MaxSearchRunes = 200
	maxChoices     = 3
)

// Engine is the conversation state machine. Handle is pure: it reads the
// current content snapshot and never does I/O. Content can be swapped at any
// time (hot reload); a running Handle keeps the snapshot it started with.
type Engine struct {
	content  atomic.Pointer[served]
	examples atomic.Bool // list example events (SetExampleEvents, events.go)
}

// served is a content snapshot with what the engine derives from it once
// rather than on every update.
type served struct {
	c *faq.Content
	// consultant holds the answers that look like the consultant button
	// (see isConsultantNode).
	consultant map[*faq.Node]bool
}

func newServed(c *faq.Content) *served {
	s := &served{c: c, consultant: map[*faq.Node]bool{}}
	if c == nil {
		return s
	}
	for _, n := range c.Nodes {
		if consultantNode(c, n) {
			s.consultant[n] = true
		}
	}
	return s
}

// NewEngine returns an engine serving c.
func NewEngine(c *faq.Content) *Engine {
	e := &Engine{}
	e.content.Store(newServed(c))
	return e
}

// SetContent swaps the content served from the next update on.
func (e *Engine) SetContent(c *faq.Content) { e.content.Store(newServed(c)) }

// Content returns the content currently served.
func (e *Engine) Content() *faq.Content { return e.content.Load().c }

// turn is the working set of one Handle call.
type turn struct {
	c   *faq.Content
	srv *served
	u   Update
	res Result
	// fresh makes menus arrive as new messages instead of replacing the
	// pressed one (after the privacy notice, or a stale button).
	fresh bool
	// examples: example events are listed (events.go).
	examples bool
}

func (t *turn) st() *State { return &t.res.State }

// msg returns the UI string key in the chat's language.
func (t *turn) msg(key string) string {
	return t.c.Desk.Fill(t.c.Messages.Get(key, t.st().Lang), t.st().Lang)
}

func (t *turn) reply(r Reply) {
	r.Chat = t.u.Chat
	r.Lang = t.st().Lang
	t.res.Replies = append(t.res.Replies, r)
}

func (t *turn) effect(e Effect) {
	e.Lang = t.st().Lang
	t.res.Effects = append(t.res.Effects, e)
}

// Handle computes the result of update u for a chat in state st; exists is
// false for a chat the store has never seen (or has erased).
func (e *Engine) Handle(st State, exists bool, u Update) Result {
	srv := e.content.Load()
	t := &turn{c: srv.c, srv: srv, u: u, examples: e.examples.Load()}
	if !exists {
		st = State{Mode: ModeNew, Created: u.Time}
	}
	st.Back = append([]string(nil), st.Back...) // never alias the caller's slice
	st.Subs = append([]string(nil), st.Subs...)
	st.LastSeen = u.Time
	t.res.State = st
	t.applyLangHint()
	t.dispatch()
	return t.res
}

func (t *turn) applyLangHint() {
	if st := t.st(); !st.LangSet {
		if l, ok := faq.ParseLang(t.u.LangHint); ok {
			st.Lang, st.LangSet = l, true
		}
	}
}

func (t *turn) dispatch() {
	switch t.u.Kind {
	case UpdateBlocked:
		t.st().Inactive = true
	case UpdateUnblocked:
		t.st().Inactive = false
	case UpdateStarted:
		t.start(sanitize(t.u.Text))
	case UpdateDesk:
		t.deskEvent(t.u.Data)
	case UpdateButton:
		t.st().Inactive = false
		t.button(t.u.Data)
	default:
		t.st().Inactive = false
		t.text(sanitize(t.u.Text))
	}
}

// sanitize makes typed text safe to work with: valid UTF-8, trimmed.
func sanitize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return strings.TrimSpace(s)
}

// firstContact shows the language picker when the language is unknown, else
// the privacy notice. payload is a deep link kept for after consent.
func (t *turn) firstContact(payload string) {
	st := t.st()
	if payload != "" && (t.c.Node(payload) != nil || t.isEventLink(payload)) {
		st.Node = payload
	}
	if !st.LangSet {
		st.Mode = ModeLanguage
		t.languagePicker()
		return
	}
	st.Mode = ModeConsent
	t.privacyNotice()
}

// privacyNotice shows the notice in the chat's language, that language
// marked. Pressed from the notice's own language buttons, it replaces the
// notice in place instead of adding a second one.
func (t *turn) privacyNotice() {
	edit := ""
	if t.u.Kind == UpdateButton && len(t.res.Replies) == 0 {
		edit = t.u.MessageRef
	}
	t.reply(Reply{
		Text: t.msg("privacy_notice"),
		Buttons: [][]Button{
			{t.acceptButton()},
			t.langButtons(),
		},
		EditRef: edit,
	})
}

// acceptButton carries a pending deep link ("a:<node>") so it survives even
// when nothing was stored before consent (Viber's welcome).
func (t *turn) acceptButton() Button {
	data := dataAccept
	if n := t.st().Node; n != "" {
		data = prefixAccept + n
	}
	return Button{Label: t.msg("btn_accept"), Data: data}
}

// languagePicker asks for a language; until the user answers, a typed
// language name ("русский", "polski") is understood as the choice.
func (t *turn) languagePicker() {
	st := t.st()
	if st.Mode != ModeHandoff && st.Mode != ModeConsent {
		st.Mode = ModeLanguage
	}
	t.reply(Reply{Text: t.c.Messages.Get("choose_language", st.Lang), Buttons: [][]Button{t.langButtons()}})
}

// langNames are the languages' own names, the same in every UI language.
var langNames = [faq.NumLangs]string{"Українська", "Polski", "Русский", "English"}

// langMark marks the chat's current language among the language buttons.
const langMark = "✔️ "

func (t *turn) langButtons() []Button {
	st := t.st()
	row := make([]Button, 0, faq.NumLangs)
	for _, l := range faq.Langs {
		label := langNames[l]
		if st.LangSet && l == st.Lang {
			label = langMark + label
		}
		row = append(row, Button{Label: label, Data: prefixLang + l.String()})
	}
	return row
}

// help answers /help; before consent it also offers the accept button.
func (t *turn) help() {
	rows := [][]Button{{t.menuButton()}}
	if !t.st().Consent {
		rows = [][]Button{{t.acceptButton()}}
	}
	t.reply(Reply{Text: t.msg("help"), Buttons: rows})
}

// consented reports whether the chat may use the bot; if not it answers with
// the notice again and reports false.
func (t *turn) consented() bool {
	st := t.st()
	if st.Consent {
		return true
	}
	if st.Mode == ModeNew || !st.LangSet {
		t.firstContact("")
		return false
	}
	st.Mode = ModeConsent
	t.reply(Reply{Text: t.msg("need_consent"), Buttons: [][]Button{{t.acceptButton()}}})
	return false
}
