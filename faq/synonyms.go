package faq

import (
	"io/fs"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// SynonymGroup is a set of words or short phrases search treats as the
// same: "лікар", "врач", "lekarz", "doctor". A query word found in a group
// also matches the other entries, a little lower than the word itself.
type SynonymGroup struct {
	Words []string
	Pos   Pos
}

// maxSynonymLen bounds one entry of a group.
const maxSynonymLen = 48

// loadSynonyms decodes synonyms.yaml; without the file there are none.
func (l *loader) loadSynonyms(fsys fs.FS) {
	f := l.file("synonyms.yaml")
	root := f.load(fsys, "synonyms.yaml", false)
	if root == nil {
		return
	}
	top := f.fields(root, "synonyms.yaml", []string{"groups"})
	if top == nil || !f.require(root, top, "groups") {
		return
	}
	type place struct {
		pos   Pos
		group int
	}
	seen := map[string]place{}
	for gi, item := range f.list(top.val("groups"), "groups") {
		g := SynonymGroup{Pos: f.pos(item)}
		for _, w := range f.list(item, "synonym group") {
			s := f.str(w, "synonym")
			switch {
			case s == "" && w.Kind == yaml.ScalarNode:
				f.errorf(w, "synonym: empty entry")
			case utf8.RuneCountInString(s) > maxSynonymLen:
				f.errorf(w, "synonym: %q is longer than %d characters", s, maxSynonymLen)
			case s != "" && len(tokens(s, -1)) == 0:
				f.errorf(w, "synonym: %q has only stopwords or no letters; search ignores it", s)
			case s != "":
				// The same folded word twice in one group is harmless
				// ("doktor", "доктор"); in two groups it joins them.
				key := Fold(s)
				if first, dup := seen[key]; dup && first.group != gi {
					f.warnf(w, "synonym: %q is already listed at %s; groups that share a word should be one group", s, first.pos)
				}
				seen[key] = place{f.pos(w), gi}
				g.Words = append(g.Words, s)
			}
		}
		if len(g.Words) == 1 {
			f.errorf(item, "synonym group: needs at least two entries")
		}
		if len(g.Words) > 1 {
			l.c.Synonyms = append(l.c.Synonyms, g)
		}
	}
}
