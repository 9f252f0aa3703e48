package bot

import (
	"github.com/infopunkt/infopunkt/faq"
)

// beforeConsent handles typed text from a chat that has not accepted the
// privacy notice. A language name switches the notice's language; a danger
// signal is answered at once (nothing is stored for it); any other question
// is held in the state and answered right after the user accepts.
func (t *turn) beforeConsent(s string) {
	st := t.st()
	if l, ok := faq.ParseLangName(s); ok && s != "" {
		t.setLanguage(l.String())
		return
	}
	if t.crisis(s) {
		st.LangSet = true
		st.Mode = ModeConsent
		t.privacyNotice()
		return
	}
	if s != "" && len(s) <= MaxQueryBytes && !faq.IsGreeting(s) {
		st.Pending = s
	}
	if st.Mode == ModeNew || st.Mode == ModeLanguage || !st.LangSet {
		t.firstContact("")
		return
	}
	st.Mode = ModeConsent
	key := "need_consent"
	if st.Pending != "" {
		key = "need_consent_question"
	}
	t.reply(Reply{Text: t.msg(key), Buttons: [][]Button{{t.acceptButton()}}})
}

// answerPending answers the question held from before consent and forgets
// it. It reports false when there was none.
func (t *turn) answerPending() bool {
	st := t.st()
	q := st.Pending
	st.Pending = ""
	if q == "" {
		return false
	}
	t.question(q)
	return true
}
