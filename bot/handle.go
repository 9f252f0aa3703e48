package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/infopunkt/infopunkt/faq"
)

// button handles a pressed button by its payload.
func (t *turn) button(data string) {
	if code, ok := strings.CutPrefix(data, prefixLang); ok {
		t.setLanguage(code)
		return
	}
	if node, ok := strings.CutPrefix(data, prefixAccept); ok {
		t.accept(node)
		return
	}
	switch data {
	case dataLangPicker:
		t.languagePicker()
		return
	case dataAccept:
		t.accept("")
		return
	case dataEraseYes:
		t.erase()
		return
	}
	if !t.consented() {
		return
	}
	t.browseButton(data)
}

func (t *turn) browseButton(data string) {
	switch {
	case data == dataBack:
		t.back()
	case data == dataMenu:
		t.mainMenu()
	case data == dataConsultant:
		t.handoff()
	case data == dataCancel:
		t.cancel()
	case data == dataSkipDescribe:
		t.skipDescribe()
	case data == dataLeaveYes, data == dataLeaveNo:
		t.leave(data == dataLeaveYes)
	case strings.HasPrefix(data, prefixRate):
		t.rate(strings.TrimPrefix(data, prefixRate))
	case data == dataEraseNo:
		t.st().Mode = ModeBrowse
		t.reply(Reply{Text: t.msg("forget_cancelled")})
		t.mainMenu()
	case strings.HasPrefix(data, prefixNode):
		t.open(strings.TrimPrefix(data, prefixNode), true)
	case strings.HasPrefix(data, prefixSubscribe):
		t.subscribe(strings.TrimPrefix(data, prefixSubscribe), true)
	case strings.HasPrefix(data, prefixUnsub):
		t.subscribe(strings.TrimPrefix(data, prefixUnsub), false)
	case t.eventButton(data):
	default:
		t.stale()
	}
}

// stale answers a button that no longer means anything (content changed, a
// short key expired) and shows the main menu.
func (t *turn) stale() {
	t.reply(Reply{Text: t.msg("stale_button")})
	if n := t.c.Node(t.st().Node); n != nil {
		t.show(n)
		return
	}
	t.mainMenu()
}

func (t *turn) setLanguage(code string) {
	l, ok := faq.ParseLang(code)
	if !ok {
		t.languagePicker()
		return
	}
	st := t.st()
	st.Lang, st.LangSet = l, true
	if !st.Consent {
		st.Mode = ModeConsent
		t.privacyNotice()
		return
	}
	st.Mode = ModeBrowse
	t.reply(Reply{Text: t.msg("language_set")})
	t.mainMenu()
}

// accept records consent and opens the pending deep link, if any: node
// from the button, else the one stored at first contact.
func (t *turn) accept(node string) {
	st := t.st()
	if node != "" && t.c.Node(node) != nil {
		st.Node = node
	}
	if !st.LangSet {
		t.firstContact("")
		return
	}
	st.Consent, st.Mode = true, ModeBrowse
	t.fresh = true
	if pending := st.Node; t.isEventLink(pending) {
		st.Node = ""
		t.eventDeepLink(pending)
		return
	}
	if pending := st.Node; pending != "" && t.c.Node(pending) != nil {
		st.Node = ""
		t.open(pending, false)
		t.answerPending()
		return
	}
	if !t.answerPending() {
		t.mainMenu()
	}
}

// text handles typed text: commands, then free-text questions.
func (t *turn) text(s string) {
	if name, arg, ok := parseCommand(s); ok {
		t.command(name, arg)
		return
	}
	st := t.st()
	if !st.Consent {
		t.beforeConsent(s)
		return
	}
	if st.Mode == ModeHandoff && !st.Desk {
		t.openTicket(truncate(s, MaxQueryBytes))
		if t.u.Media != nil {
			t.relay("")
		}
		return
	}
	if st.Desk {
		t.relay(s)
		t.crisis(s)
		return
	}
	if st.Mode == ModeLanguage {
		if l, ok := faq.ParseLangName(s); ok {
			t.setLanguage(l.String())
			return
		}
	}
	if st.Mode == ModeConfirmErase || st.Mode == ModeLanguage {
		st.Mode = ModeBrowse
	}
	t.question(s)
}

// command handles a /command. Commands that erase or change the language
// work before consent; the rest need it.
func (t *turn) command(name, arg string) {
	st := t.st()
	switch name {
	case "start":
		t.start(arg)
		return
	case "language", "lang":
		t.languagePicker()
		return
	case "forget":
		st.Mode = ModeConfirmErase
		t.reply(Reply{Text: t.msg("forget_confirm"), Buttons: [][]Button{
			{{Label: t.msg("btn_yes_erase"), Data: dataEraseYes}},
			{{Label: t.msg("btn_cancel"), Data: dataEraseNo}},
		}})
		return
	case "help":
		t.help()
		return
	case "stop":
		st.Inactive, st.Pending = true, ""
		t.reply(Reply{Text: t.msg("stop_done")})
		return
	}
	if !t.consented() {
		return
	}
	t.browseCommand(name)
}

func (t *turn) browseCommand(name string) {
	switch name {
	case "menu":
		t.mainMenu()
	case "back":
		t.back()
	case "consultant":
		t.handoff()
	case "events":
		t.events("")
	default:
		t.reply(Reply{Text: t.msg("unknown_command"), Buttons: [][]Button{{t.menuButton()}}})
	}
}

// start handles /start with an optional deep-link payload (a node id).
func (t *turn) start(payload string) {
	st := t.st()
	st.Inactive = false
	if !st.Consent {
		t.firstContact(payload)
		return
	}
	st.Mode = ModeBrowse
	if t.eventDeepLink(payload) {
		return
	}
	if payload != "" && t.c.Node(payload) != nil {
		t.open(payload, true)
		return
	}
	t.mainMenu()
}

func (t *turn) erase() {
	st := t.st()
	if st.Mode != ModeConfirmErase {
		t.stale()
		return
	}
	t.effect(Effect{Kind: EffectErase})
	t.reply(Reply{Text: t.msg("forget_done")})
	lang, langSet := st.Lang, st.LangSet
	*st = State{Mode: ModeNew, Lang: lang, LangSet: langSet}
}

// question searches the trees for typed text.
func (t *turn) question(q string) {
	switch {
	case q == "":
		t.reply(Reply{Text: t.msg("empty_message"), Buttons: [][]Button{{t.menuButton()}}})
		return
	case len(q) > MaxQueryBytes:
		t.reply(Reply{Text: t.msg("too_long"), Buttons: [][]Button{{t.consultantButton()}, {t.menuButton()}}})
		return
	}
	if t.crisis(q) {
		return
	}
	if faq.IsGreeting(q) {
		t.mainMenu()
		return
	}
	hits := t.search(q)
	switch {
	case len(hits) == 0:
		t.miss()
	case clearWinner(hits):
		t.open(hits[0].Node.ID, true)
	default:
		t.choices(hits)
	}
}

func (t *turn) search(q string) []faq.Hit {
	if t.c.Index == nil {
		return nil
	}
	if utf8.RuneCountInString(q) > MaxSearchRunes {
		q = q[:byteOffset(q, MaxSearchRunes)]
	}
	return t.c.Index.Search(q, t.st().Lang, maxChoices)
}

// Search confidences (0..1) above which the best hit opens directly instead
// of being offered among choices: sure enough, and clearly ahead.
const (
	openConfidence = 0.6
	openMargin     = 0.15
)

// clearWinner reports whether the best hit should open directly: the user
// typed exactly a keyword, or search is sure and nothing else comes close.
func clearWinner(hits []faq.Hit) bool {
	top := hits[0]
	switch {
	case top.Exact:
		return true
	case top.Score < openConfidence:
		return false
	}
	return len(hits) == 1 || top.Score-hits[1].Score >= openMargin
}

// miss says plainly that nothing matched, counts it (no text kept) and
// offers a consultant and the topics: a guess would be worse.
func (t *turn) miss() {
	t.effect(Effect{Kind: EffectUnanswered})
	rows := make([][]Button, 0, len(t.c.Topics)+1)
	rows = append(rows, []Button{t.consultantButton()})
	for _, tp := range t.c.Topics {
		rows = append(rows, []Button{t.nodeButton(tp.Root)})
	}
	t.reply(Reply{Text: t.msg("search_miss"), Buttons: rows})
}

func (t *turn) choices(hits []faq.Hit) {
	rows := make([][]Button, 0, len(hits)+2)
	for _, h := range hits {
		rows = append(rows, []Button{t.nodeButton(h.Node)})
	}
	rows = append(rows, []Button{t.consultantButton()}, []Button{t.menuButton()})
	t.reply(Reply{Text: t.msg("search_choices"), Buttons: rows})
}
