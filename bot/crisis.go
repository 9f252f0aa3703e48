package bot

import (
	"slices"

	"github.com/infopunkt/infopunkt/faq"
)

// crisis answers a message that carries a danger signal: the first group's
// lead answer comes first and in full, with a consultant one tap away; the
// groups' other answers and what search found follow as buttons. It
// reports false when no signal matched (or the content lost the answers).
func (t *turn) crisis(q string) bool {
	groups, lang := t.c.Crisis.Match(q)
	if len(groups) == 0 {
		return false
	}
	st := t.st()
	if !st.LangSet {
		st.Lang = lang
	}
	var shown []*faq.Node
	for _, g := range groups {
		for _, id := range g.Answers {
			if n := t.c.Resolve(t.c.Node(id)); n != nil && n.IsAnswer() && !slices.Contains(shown, n) {
				shown = append(shown, n)
			}
		}
	}
	if len(shown) == 0 {
		return false
	}
	t.crisisAnswer(shown[0])
	t.crisisMore(shown[0], shown[1:], q)
	return true
}

// crisisAnswer shows the lead answer with a short line above it. Before
// consent nothing is stored, so the chat stays where it was.
func (t *turn) crisisAnswer(n *faq.Node) {
	st := t.st()
	lang := st.Lang
	if st.Consent {
		st.Mode = ModeBrowse
		if st.Node != n.ID {
			st.Back = pushBack(st.Back, st.Node)
		}
		st.Node = n.ID
	}
	t.effect(Effect{Kind: EffectView, Node: n.ID})
	t.reply(Reply{
		Title:   n.Title.In(lang),
		Text:    t.msg("crisis_intro") + "\n\n" + t.answerText(n, lang),
		Links:   sourceLinks(n.Sources),
		Buttons: t.crisisRows(n, lang),
	})
}

// crisisRows are the answer's actions and a consultant; navigation comes
// only after consent.
func (t *turn) crisisRows(n *faq.Node, lang faq.Lang) [][]Button {
	rows := t.actionRows(n, lang)
	if !hasHandoff(n) {
		rows = append(rows, []Button{t.consultantButton()})
	}
	if t.st().Consent {
		rows = append(rows, t.navRow())
	}
	return rows
}

// crisisMore offers the other crisis answers and the best search results
// as buttons, so the rest of the question is not lost.
func (t *turn) crisisMore(lead *faq.Node, extra []*faq.Node, q string) {
	if !t.st().Consent {
		return
	}
	seen := map[string]bool{lead.ID: true}
	var rows [][]Button
	add := func(n *faq.Node) {
		if len(rows) < maxChoices && !seen[n.ID] {
			seen[n.ID] = true
			rows = append(rows, []Button{t.nodeButton(n)})
		}
	}
	for _, n := range extra {
		add(n)
	}
	for _, h := range t.search(q) {
		add(h.Node)
	}
	if len(rows) == 0 {
		return
	}
	t.reply(Reply{Text: t.msg("crisis_more"), Buttons: append(rows, []Button{t.menuButton()})})
}
