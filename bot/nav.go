package bot

import (
	"net/url"
	"strings"

	"github.com/infopunkt/infopunkt/faq"
)

// open shows node id. push records the current node for Back.
func (t *turn) open(id string, push bool) {
	n := t.c.Resolve(t.c.Node(id))
	if n == nil {
		t.stale()
		return
	}
	st := t.st()
	st.Mode = ModeBrowse
	if push && st.Node != n.ID {
		st.Back = pushBack(st.Back, st.Node)
	}
	st.Node = n.ID
	t.show(n)
}

// pushBack appends id to the back stack, dropping the oldest entries beyond
// MaxBackStack. The main menu ("") is recorded too.
func pushBack(stack []string, id string) []string {
	stack = append(stack, id)
	if len(stack) > MaxBackStack {
		stack = append(stack[:0], stack[len(stack)-MaxBackStack:]...)
	}
	return stack
}

// back returns to the previous node, skipping nodes removed by a content
// change; an empty stack leads to the main menu.
func (t *turn) back() {
	st := t.st()
	for len(st.Back) > 0 {
		id := st.Back[len(st.Back)-1]
		st.Back = st.Back[:len(st.Back)-1]
		if id == "" {
			break
		}
		if n := t.c.Resolve(t.c.Node(id)); n != nil {
			st.Node = n.ID
			t.show(n)
			return
		}
	}
	t.mainMenu()
}

// mainMenu shows what the info point is and the topics.
func (t *turn) mainMenu() {
	st := t.st()
	st.Mode, st.Node, st.Back = ModeBrowse, "", st.Back[:0]
	rows := make([][]Button, 0, len(t.c.Topics)+3)
	for _, tp := range t.c.Topics {
		rows = append(rows, []Button{t.nodeButton(tp.Root)})
	}
	rows = append(rows, []Button{t.eventsButton()})
	if st.Desk {
		rows = append(rows, []Button{t.leaveButton()})
	} else {
		rows = append(rows, []Button{t.consultantButton()})
	}
	rows = append(rows, []Button{{Label: "🌐 " + langNames[st.Lang], Data: dataLangPicker}})
	t.reply(Reply{Text: t.msg("main_menu"), Buttons: rows, EditRef: t.editRef()})
}

// editRef lets navigation by button replace the pressed menu in place. Only
// the first reply of a turn may do so: a menu that follows another message
// must come after it, not above it.
func (t *turn) editRef() string {
	if t.u.Kind == UpdateButton && !t.fresh && len(t.res.Replies) == 0 {
		return t.u.MessageRef
	}
	return ""
}

func (t *turn) show(n *faq.Node) {
	lang := t.st().Lang
	if !n.IsAnswer() {
		t.showMenu(n, lang)
		return
	}
	t.effect(Effect{Kind: EffectView, Node: n.ID})
	t.reply(Reply{
		Title:   n.Title.In(lang),
		Text:    t.answerText(n, lang),
		Links:   sourceLinks(n.Sources),
		Buttons: t.answerRows(n, lang),
	})
}

// answerRows are the answer's actions, a consultant (always reachable from
// an answer, unless an action already offers one) and Back/Menu.
func (t *turn) answerRows(n *faq.Node, lang faq.Lang) [][]Button {
	rows := t.actionRows(n, lang)
	if !hasHandoff(n) {
		rows = append(rows, []Button{t.consultantButton()})
	}
	return append(rows, t.navRow())
}

func hasHandoff(n *faq.Node) bool {
	for _, a := range n.Actions {
		if a.Kind == faq.ActionHandoff {
			return true
		}
	}
	return false
}

func (t *turn) showMenu(n *faq.Node, lang faq.Lang) {
	rows := make([][]Button, 0, len(n.Children)+2)
	for _, c := range n.Children {
		rows = append(rows, []Button{t.nodeButton(c)})
	}
	rows = append(rows, t.actionRows(n, lang)...)
	rows = append(rows, t.navRow())
	t.reply(Reply{Title: n.Title.In(lang), Text: t.c.Desk.Fill(n.Text.In(lang), lang), Buttons: rows, EditRef: t.editRef()})
}

// answerText is the answer followed by the reviewed date, the disclaimer and
// the label of the source list the adapter renders below.
func (t *turn) answerText(n *faq.Node, lang faq.Lang) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(t.c.Desk.Fill(n.Text.In(lang), lang)))
	b.WriteString("\n\n")
	if !n.Reviewed.IsZero() {
		b.WriteString(strings.ReplaceAll(t.msg("reviewed"), "{date}", n.Reviewed.Format("01.2006")))
		b.WriteString(" · ")
	}
	b.WriteString(t.msg("disclaimer"))
	if len(n.Sources) > 0 {
		b.WriteString("\n\n")
		b.WriteString(t.msg("sources"))
	}
	return b.String()
}

// sourceLinks labels each source URL with its host, which people recognise
// (gov.pl, duw.pl) better than a page title.
func sourceLinks(sources []string) []Link {
	links := make([]Link, 0, len(sources))
	for _, s := range sources {
		label := s
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			label = strings.TrimPrefix(u.Host, "www.")
		}
		links = append(links, Link{Label: label, URL: s})
	}
	return links
}

func (t *turn) actionRows(n *faq.Node, lang faq.Lang) [][]Button {
	var rows [][]Button
	for _, a := range n.Actions {
		if b, ok := t.actionButton(a, lang); ok {
			rows = append(rows, []Button{b})
		}
	}
	return rows
}

func (t *turn) actionButton(a faq.Action, lang faq.Lang) (Button, bool) {
	label := a.Label.In(lang)
	switch a.Kind {
	case faq.ActionHandoff:
		b := t.consultantButton()
		if label != "" {
			b.Label = label
		}
		return b, true
	case faq.ActionURL:
		if label == "" {
			label = t.msg("btn_open")
		}
		return Button{Label: label, URL: a.URL}, true
	case faq.ActionSubscribe:
		return t.subscribeButton(a.Category, label), t.c.Category(a.Category) != nil
	}
	return Button{}, false
}

func (t *turn) navRow() []Button {
	return []Button{{Label: t.msg("btn_back"), Data: dataBack}, t.menuButton()}
}

// nodeButton opens n. A topic's own "Talk to a consultant" answer looks
// like the consultant button everywhere else (same words, same icon); it
// still opens the answer, which says what to tell the consultant.
func (t *turn) nodeButton(n *faq.Node) Button {
	label := n.Title.In(t.st().Lang)
	if t.isConsultantNode(n) {
		label = t.msg("btn_consultant")
	}
	return Button{Label: label, Data: prefixNode + n.ID}
}

// isConsultantNode reports whether n is an answer that hands off and whose
// title, in some language, says what the consultant button says.
// The engine computes it once per content (newServed).
func (t *turn) isConsultantNode(n *faq.Node) bool { return t.srv.consultant[n] }

// consultantNode is isConsultantNode's definition, for newServed.
func consultantNode(c *faq.Content, n *faq.Node) bool {
	if !n.IsAnswer() || !hasHandoff(n) {
		return false
	}
	for _, l := range faq.Langs {
		title := faq.Fold(n.Title[l])
		if title != "" && (title == faq.Fold(c.Messages.Get("btn_consultant", l)) ||
			title == faq.Fold(c.Messages.Get("cmd_consultant", l))) {
			return true
		}
	}
	return false
}

func (t *turn) menuButton() Button { return Button{Label: t.msg("btn_menu"), Data: dataMenu} }

func (t *turn) consultantButton() Button {
	return Button{Label: t.msg("btn_consultant"), Data: dataConsultant}
}
