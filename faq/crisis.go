package faq

import (
	"io/fs"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// CrisisGroup is one kind of danger (violence at home, suicide, a child in
// danger…) with the signals that reveal it and the answers to lead with.
type CrisisGroup struct {
	ID string
	// Answers are node ids; the first is shown in full before anything
	// else, the others are offered as buttons.
	Answers []string
	// Numbers are phone numbers the first answer must give in every
	// language (the loader checks), so an edit cannot silently drop them.
	Numbers []string
	// Signals are phrases per language; a message that contains every word
	// of one phrase, in any order, matches the group.
	Signals [NumLangs][]string
	Pos     Pos
}

// Crisis matches messages against the danger signals of crisis.yaml. The
// zero value and nil match nothing.
type Crisis struct {
	Groups  []*CrisisGroup
	signals []signal
	words   []sigWord          // every distinct signal word
	exact   map[string][]int32 // word text → words (non-prefix)
	dels    map[string][]int32 // a word of 5+ letters and its one-byte deletions → words
	prefix  []int32            // prefix words, checked one by one
}

// signal is one phrase of a group, as ids of its words.
type signal struct {
	group int
	lang  Lang
	words []int32
}

// sigWord is a folded signal word; prefix words end with "*" in the file
// and match any word that starts with them.
type sigWord struct {
	text   string
	prefix bool
}

// maxCrisisWords bounds how much of a message is scanned for signals.
const maxCrisisWords = 64

// Match returns the groups whose signals text contains, in file order, and
// the language of the first signal that matched (the language the person
// wrote in, when the bot does not know it yet). A message is folded like a
// search query, but stopwords count ("не хочу жити") and spelling is
// loosened further (loose), so "бьет", "b'ye" and "б'є" meet.
func (c *Crisis) Match(text string) ([]*CrisisGroup, Lang) {
	if c == nil || len(c.signals) == 0 {
		return nil, 0
	}
	words := crisisWords(text)
	if len(words) == 0 {
		return nil, 0
	}
	found := c.found(words)
	var hit []bool
	var out []*CrisisGroup
	var lang Lang
	for _, s := range c.signals {
		if hit != nil && hit[s.group] || !allFound(s.words, found) {
			continue
		}
		if hit == nil {
			hit = make([]bool, len(c.Groups))
			lang = s.lang
		}
		hit[s.group] = true
	}
	for i, g := range c.Groups {
		if hit != nil && hit[i] {
			out = append(out, g)
		}
	}
	return out, lang
}

// found marks the signal words that some message word matches.
func (c *Crisis) found(words []string) []bool {
	found := make([]bool, len(c.words))
	mark := func(ids []int32, m string) {
		for _, id := range ids {
			if !found[id] && c.words[id].match(m) {
				found[id] = true
			}
		}
	}
	for _, m := range words {
		mark(c.exact[m], m)
		mark(c.prefix, m)
		if len(m) < typoLen-1 || len(m) > typoMaxLen {
			continue
		}
		buf := make([]byte, 0, len(m))
		for i := -1; i < len(m); i++ {
			buf = append(buf[:0], m...)
			if i >= 0 {
				buf = append(buf[:i], m[i+1:]...)
			}
			mark(c.dels[string(buf)], m)
		}
	}
	return found
}

func allFound(ids []int32, found []bool) bool {
	for _, id := range ids {
		if !found[id] {
			return false
		}
	}
	return true
}

// match reports whether message word m matches the signal word: exactly,
// by prefix for a prefix word, or within one edit for words of five or
// more letters (typos under stress).
func (w sigWord) match(m string) bool {
	switch {
	case w.prefix:
		return strings.HasPrefix(m, w.text)
	case m == w.text:
		return true
	case len(w.text) >= typoLen && len(m) >= typoLen-1:
		return withinOneEdit(w.text, m) || swapped(w.text, m)
	}
	return false
}

// crisisWords folds text into loosened words, at most maxCrisisWords.
func crisisWords(text string) []string {
	var out []string
	for w := range strings.FieldsSeq(Fold(text)) {
		if len(out) == maxCrisisWords {
			break
		}
		out = append(out, loose(w))
	}
	return out
}

// loose folds further than Fold: it drops an "i" between a consonant and
// a vowel, so Cyrillic "бьет" and typed "byet", "bjet" all become "bet",
// and it writes "zh" as "z", so "żyć" typed "zyc" still matches. It is only used for the short signal lists, where a looser
// match costs little.
func loose(w string) string {
	// Polish typed without diacritics has "z" for "ż" (Fold: "zh").
	w = strings.ReplaceAll(w, "zh", "z")
	if !strings.Contains(w, "i") {
		return w
	}
	b := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		if w[i] == 'i' && i > 0 && i+1 < len(w) && !isVowel(w[i-1]) && isVowel(w[i+1]) && w[i+1] != 'i' {
			continue
		}
		b = append(b, w[i])
	}
	return string(b)
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// crisisKeys are the keys of crisis.yaml and of one group.
var (
	crisisTopKeys   = []string{"groups"}
	crisisGroupKeys = []string{"id", "answers", "numbers", "signals"}
)

// maxSignalLen bounds a signal phrase: a few words, not a sentence.
const maxSignalLen = 80

// loadCrisis decodes crisis.yaml; without the file nothing is a crisis.
func (l *loader) loadCrisis(fsys fs.FS) {
	f := l.file("crisis.yaml")
	root := f.load(fsys, "crisis.yaml", false)
	if root == nil {
		return
	}
	top := f.fields(root, "crisis.yaml", crisisTopKeys)
	if top == nil || !f.require(root, top, "groups") {
		return
	}
	c := &Crisis{}
	seen := map[string]Pos{}
	for _, item := range f.list(top.val("groups"), "groups") {
		if g := l.crisisGroup(f, item, seen); g != nil {
			c.add(g)
		}
	}
	l.c.Crisis = c
}

// add appends g and compiles its signals.
func (c *Crisis) add(g *CrisisGroup) {
	for _, l := range Langs {
		for _, s := range g.Signals[l] {
			var ids []int32
			for _, w := range signalWords(s) {
				ids = append(ids, c.wordID(w))
			}
			if len(ids) > 0 {
				c.signals = append(c.signals, signal{group: len(c.Groups), lang: l, words: ids})
			}
		}
	}
	c.Groups = append(c.Groups, g)
}

// wordID returns the id of signal word w, indexing it on first use.
func (c *Crisis) wordID(w sigWord) int32 {
	for i, o := range c.words {
		if o == w {
			return int32(i)
		}
	}
	if c.exact == nil {
		c.exact, c.dels = map[string][]int32{}, map[string][]int32{}
	}
	id := int32(len(c.words))
	c.words = append(c.words, w)
	switch {
	case w.prefix:
		c.prefix = append(c.prefix, id)
	default:
		c.exact[w.text] = append(c.exact[w.text], id)
		if len(w.text) >= typoLen {
			// A typo (one edit or two letters swapped) shares a
			// one-byte deletion with the word.
			for _, v := range variants(w.text) {
				c.dels[v] = append(c.dels[v], id)
			}
		}
	}
	return id
}

// signalWords folds a signal phrase into its words.
func signalWords(s string) []sigWord {
	var out []sigWord
	for _, part := range strings.Fields(s) {
		prefix := strings.HasSuffix(part, "*")
		for w := range strings.FieldsSeq(Fold(strings.TrimSuffix(part, "*"))) {
			out = append(out, sigWord{text: loose(w)})
		}
		if prefix && len(out) > 0 {
			out[len(out)-1].prefix = true
		}
	}
	return out
}

// crisisGroup decodes one group and records its answers for checking.
func (l *loader) crisisGroup(f *file, item *yaml.Node, seen map[string]Pos) *CrisisGroup {
	fs := f.fields(item, "crisis group", crisisGroupKeys)
	if fs == nil {
		return nil
	}
	f.require(item, fs, "id", "answers", "signals")
	g := &CrisisGroup{Pos: f.pos(item)}
	if v := fs.val("id"); v != nil {
		g.ID = f.id(v, "id")
		if first, dup := seen[g.ID]; dup && g.ID != "" {
			f.errorf(v, "duplicate crisis group %q (first defined at %s)", g.ID, first)
		} else if g.ID != "" {
			seen[g.ID] = f.pos(v)
		}
	}
	if v := fs.val("answers"); v != nil {
		for _, a := range f.list(v, "answers") {
			if id := f.id(a, "answers"); id != "" {
				g.Answers = append(g.Answers, id)
				l.crisisRefs = append(l.crisisRefs, crisisRef{group: g, id: id, pos: f.pos(a), file: f, lead: len(g.Answers) == 1})
			}
		}
		if len(g.Answers) == 0 && v.Kind == yaml.SequenceNode {
			f.errorf(v, "answers: a crisis group needs at least one answer")
		}
	}
	if v := fs.val("numbers"); v != nil {
		for _, n := range f.list(v, "numbers") {
			if s := f.str(n, "numbers"); s != "" {
				g.Numbers = append(g.Numbers, s)
			}
		}
	}
	if v := fs.val("signals"); v != nil {
		g.Signals = l.signals(f, v)
	}
	return g
}

// signals decodes the per-language signal lists; each language is required
// because people in danger write in their own language.
func (l *loader) signals(f *file, v *yaml.Node) [NumLangs][]string {
	var out [NumLangs][]string
	var present [NumLangs]bool
	for _, p := range f.pairs(v, "signals") {
		lang, ok := ParseLang(p.key.Value)
		if !ok || lang.String() != p.key.Value {
			f.errorf(p.key, "signals: unknown language %q; use uk, pl, ru, en", p.key.Value)
			continue
		}
		present[lang] = true
		what := "signals." + lang.String()
		for _, item := range f.list(p.val, what) {
			s := f.str(item, what)
			switch {
			case s == "" && item.Kind == yaml.ScalarNode:
				f.errorf(item, "%s: empty signal", what)
			case utf8.RuneCountInString(s) > maxSignalLen:
				f.errorf(item, "%s: %q is longer than %d characters; a signal is a few words", what, s, maxSignalLen)
			case s != "" && len(signalWords(s)) == 0:
				f.errorf(item, "%s: %q has no letters or digits", what, s)
			case s != "":
				out[lang] = append(out[lang], s)
			}
		}
	}
	var missing []string
	for _, lang := range Langs {
		if !present[lang] {
			missing = append(missing, lang.String())
		}
	}
	f.reportMissing(v, "signals", missing)
	return out
}

// crisisRef is an answer named by a crisis group, checked once every topic
// is read.
type crisisRef struct {
	group *CrisisGroup
	id    string
	pos   Pos
	file  *file
	lead  bool // the first answer, which must give the group's numbers
}

// checkCrisis reports crisis answers that are missing or not answers, and
// lead answers that do not give every number of their group in every
// language.
func (l *loader) checkCrisis() {
	for _, r := range l.crisisRefs {
		n := l.c.Resolve(l.c.Nodes[r.id])
		switch {
		case n == nil:
			r.file.add(r.pos, false, "answers: no node with id %q", r.id)
			continue
		case !n.IsAnswer():
			r.file.add(r.pos, false, "answers: %q is a menu, not an answer", r.id)
			continue
		}
		if !r.lead {
			continue
		}
		for _, num := range r.group.Numbers {
			for _, lang := range Langs {
				if !strings.Contains(digitsOnly(n.Text[lang]), digitsOnly(num)) {
					r.file.add(r.pos, false, "answers: %q does not give the number %s in %s (group %s lists it in numbers)", r.id, num, lang, r.group.ID)
				}
			}
		}
	}
}

// digitsOnly keeps the digits of s, drops the spaces and hyphens inside
// phone numbers and marks anything else, so "800 70 2222" and "800-70-2222"
// compare equal.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r != ' ' && r != '\u00a0' && r != '-' {
			b.WriteByte('|')
		}
	}
	return b.String()
}

// swapped reports whether a and b differ by two neighbouring letters
// typed in the wrong order ("vmerit" for "vmerti").
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}
