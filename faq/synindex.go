package faq

// synonyms is the query-side form of synonyms.yaml: a query word that
// matches an entry of a group (and, for a phrase entry, every word of it is
// in the query) also matches the vocabulary terms of the group's entries.
type synonyms struct {
	entries []synEntry
	byWord  map[string][]int32 // an entry word → entries (exact)
	byStem  map[string][]int32 // the first stemLen bytes of an entry word → entries
	groups  [][]alt            // per group: the terms its words match
}

type synEntry struct {
	group int32
	words []string // folded, stopwords left out
}

// buildSynonyms compiles the groups against the index's vocabulary.
func buildSynonyms(ix *Index, groups []SynonymGroup) synonyms {
	s := synonyms{byWord: map[string][]int32{}, byStem: map[string][]int32{}}
	for g, grp := range groups {
		var terms []alt
		for _, w := range grp.Words {
			words := tokens(w, -1)
			if len(words) == 0 {
				continue
			}
			e := int32(len(s.entries))
			s.entries = append(s.entries, synEntry{group: int32(g), words: words})
			for _, word := range words {
				s.byWord[word] = append(s.byWord[word], e)
				if len(word) >= stemLen {
					s.byStem[word[:stemLen]] = append(s.byStem[word[:stemLen]], e)
				}
				terms = mergeAlts(terms, ix.alts(word))
			}
		}
		s.groups = append(s.groups, terms)
	}
	return s
}

// mergeAlts adds b to a, keeping each term once with its best quality.
func mergeAlts(a, b []alt) []alt {
	for _, x := range b {
		found := false
		for i := range a {
			if a[i].term == x.term {
				a[i].quality = maxf(a[i].quality, x.quality)
				found = true
			}
		}
		if !found {
			a = append(a, x)
		}
	}
	return a
}

// expand adds to each query word's alternatives the terms of the synonym
// groups it belongs to, at qualitySyn times how well it matched the entry.
func (s *synonyms) expand(ix *Index, words []string, units [][]alt) {
	if len(s.entries) == 0 {
		return
	}
	// Terms the query matches by itself are no synonym of another of its
	// words: "karta pobytu" must not make "pobytu" match "karta" too.
	direct := map[int32]bool{}
	for _, u := range units {
		for _, a := range u {
			direct[a.term] = true
		}
	}
	for i, w := range words {
		for _, e := range s.candidates(w) {
			ent := s.entries[e]
			qu := entryMatch(ent, w, words)
			if qu == 0 {
				continue
			}
			for _, a := range s.groups[ent.group] {
				if !direct[a.term] {
					units[i] = mergeAlts(units[i], []alt{{a.term, a.quality * qu * qualitySyn}})
				}
			}
		}
	}
}

// candidates returns the entries that may contain query word w.
func (s *synonyms) candidates(w string) []int32 {
	out := s.byWord[w]
	if len(w) >= stemLen {
		if more := s.byStem[w[:stemLen]]; len(more) > 0 {
			out = append(append([]int32(nil), out...), more...)
		}
	}
	return out
}

// entryMatch returns how well w matches a word of the entry, provided every
// other word of the entry is in the query too; 0 if not.
func entryMatch(e synEntry, w string, query []string) float32 {
	var best float32
	for _, ew := range e.words {
		best = maxf(best, quality(w, ew))
	}
	if best == 0 {
		return 0
	}
	for _, ew := range e.words {
		found := false
		for _, q := range query {
			if quality(q, ew) > 0 {
				found = true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return best
}
