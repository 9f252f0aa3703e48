package faq

import (
	"cmp"
	"slices"
	"strings"
)

// Search returns the answers and menus that best match query, best first,
// at most max of them (max <= 0: all). Matches in l, the user's language,
// score a little higher. A goto node's words find the node it shows, and a
// node appears at most once. A query with no meaningful match returns nil.
func (ix *Index) Search(query string, l Lang, max int) []Hit {
	if ix == nil || len(ix.docs) == 0 {
		return nil
	}
	all := tokens(query, maxQueryWords)
	words := dedupe(all)
	if len(words) == 0 {
		return nil
	}
	total := make([]float32, len(ix.docs))
	best := make([]float32, len(ix.docs))
	var touched []int32
	for _, q := range words {
		ix.match(q, func(t int32, quality float32) {
			for _, p := range ix.terms[t].postings {
				s := quality * p.weight
				if p.langs&(1<<l) != 0 {
					s *= langBonus
				}
				if best[p.doc] == 0 {
					touched = append(touched, p.doc)
				}
				best[p.doc] = maxf(best[p.doc], s)
			}
		})
		for _, d := range touched {
			total[d] += best[d]
			best[d] = 0
		}
		touched = touched[:0]
	}
	return ix.markExact(ix.hits(total, words, max), strings.Join(all, " "))
}

// markExact flags the hits whose keyword the query is, word for word.
func (ix *Index) markExact(hits []Hit, key string) []Hit {
	docs := ix.whole[key]
	if len(docs) == 0 {
		return hits
	}
	for i := range hits {
		for _, d := range docs {
			if ix.docs[d] == hits[i].Node {
				hits[i].Exact = true
			}
		}
	}
	return hits
}

// hits turns document scores into sorted hits.
func (ix *Index) hits(total []float32, words []string, limit int) []Hit {
	var hits []Hit
	base := float32(0)
	for _, s := range total {
		base = maxf(base, s)
	}
	// The best final score is at least base, so a document whose score plus
	// its largest possible phrase bonus stays under the cut is dropped
	// without checking its phrases, the costly part of a search.
	floor := maxf(minScore, base*relativeCut)
	top := float32(0)
	for d, s := range total {
		if s == 0 || s+ix.maxPhrase[d] < floor {
			total[d] = 0
			continue
		}
		s += ix.phraseScore(int32(d), words)
		total[d] = s
		top = maxf(top, s)
	}
	for d, s := range total {
		if s >= minScore && s >= top*relativeCut {
			hits = append(hits, Hit{Node: ix.docs[d], Score: float64(s)})
		}
	}
	// Documents are in tree order, so equal scores keep menu order.
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(b.Score, a.Score) })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// phraseScore rewards a document whose multi-word keyword the query
// contains whole, in any order and spelling the words match in.
func (ix *Index) phraseScore(d int32, words []string) float32 {
	var bonus float32
	for _, phrase := range ix.phrases[d] {
		if float32(len(phrase))*phraseBonus > bonus && containsAll(words, phrase) {
			bonus = float32(len(phrase)) * phraseBonus
		}
	}
	return bonus
}

func containsAll(words, phrase []string) bool {
	for _, p := range phrase {
		if !slices.ContainsFunc(words, func(q string) bool { return quality(q, p) > 0 }) {
			return false
		}
	}
	return true
}

// match calls visit for every term that q matches, with the match's
// quality. A term may be visited more than once.
func (ix *Index) match(q string, visit func(t int32, quality float32)) {
	if t, ok := ix.exact[q]; ok {
		visit(t, qualityExact)
	}
	if len(q) < stemLen {
		return
	}
	for _, t := range ix.stems[q[:stemLen]] {
		if qu := quality(q, ix.terms[t].text); qu > 0 {
			visit(t, qu)
		}
	}
	if len(q) < typoLen || len(q) > typoMaxLen {
		return
	}
	buf := make([]byte, 0, len(q))
	for i := -1; i < len(q); i++ {
		buf = append(buf[:0], q...)
		if i >= 0 {
			buf = append(buf[:i], q[i+1:]...)
		}
		for _, t := range ix.dels[string(buf)] {
			if qu := quality(q, ix.terms[t].text); qu > 0 {
				visit(t, qu)
			}
		}
	}
}

// quality rates how well query token q matches index token t: exactly, by
// a shared stem (inflections, a word typed in part) or within one edit.
func quality(q, t string) float32 {
	switch {
	case q == t:
		return qualityExact
	case stemMatch(q, t):
		return qualityStem
	case len(q) >= typoLen && len(q) <= typoMaxLen && len(t) >= stemLen && withinOneEdit(q, t):
		return qualityTypo
	}
	return 0
}

// stemMatch reports whether a and b share a long prefix (5 bytes), or all
// but the last byte of the shorter one when their lengths are close, so
// "umowy" matches "umowa" but "zamek" does not match "zameldowanie".
func stemMatch(a, b string) bool {
	n := min(len(a), len(b))
	if n < stemLen {
		return false
	}
	p := 0
	for p < n && a[p] == b[p] {
		p++
	}
	diff := len(a) - len(b)
	return p >= 5 || p >= stemLen && p >= n-1 && diff >= -2 && diff <= 2
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion or substitution.
func withinOneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return i == len(a) || a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

func dedupe(words []string) []string {
	var out []string
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func maxf(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}
