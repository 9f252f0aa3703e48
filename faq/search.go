package faq

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// Ranking constants, calibrated on faq/testdata/eval (BENCHMARKS.md,
// "Search quality"). A node's confidence mixes two measures in [0, 1]:
// coverage, the share of the query's information (IDF) the node's fields
// explain, field-weighted; and similarity, how close the query is to the
// node's best title, keyword or example question (Dice over IDF).
const (
	mixCoverage = 0.5
	mixSimilar  = 0.5
	menuFactor  = 0.75 // menus must not crowd out answers
	// minConfidence is the threshold below which search says nothing
	// matched: a wrong answer is worse than none.
	minConfidence = 0.5
	// A description of a situation ("the landlord changed the locks while
	// I was away") matches less of any one answer than a question does, so
	// a query of at least describeWords words, nearly all of them known to
	// the content (at most describeOOV of its weight unknown), needs only
	// minDescribed.
	minDescribed  = 0.3
	describeWords = 4
	describeOOV   = 0.25
	// relativeCut drops hits far below the best one.
	relativeCut = 0.75
)

// alt is one way a query word matches the vocabulary.
type alt struct {
	term    int32
	quality float32
}

// scratch holds the per-query buffers, reused across searches.
type scratch struct {
	total, best []float32
	simM, simB  []float32
	touched     []int32
	unitSnips   []int32 // snippets the current query word touched
	snipTouched []int32 // snippets with a similarity sum
}

var scratchPool sync.Pool

func (ix *Index) scratch() *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil || len(s.total) != len(ix.docs) || len(s.simM) != len(ix.snips) {
		s = &scratch{
			total: make([]float32, len(ix.docs)), best: make([]float32, len(ix.docs)),
			simM: make([]float32, len(ix.snips)), simB: make([]float32, len(ix.snips)),
		}
	}
	return s
}

// release zeroes what the search touched and returns s to the pool.
func (s *scratch) release() {
	for _, sn := range s.snipTouched {
		s.simM[sn] = 0
	}
	s.touched, s.snipTouched = s.touched[:0], s.snipTouched[:0]
	scratchPool.Put(s)
}

// Search returns the answers and menus that match query well enough, best
// first, at most max of them (max <= 0: all). Matches in l, the user's
// language, count a little more. A goto node's words find the node it
// shows; a node appears at most once, and so does a title (the same
// "Talk to a consultant" under every topic). A query nothing answers well
// returns nil: the caller should say so rather than guess.
func (ix *Index) Search(query string, l Lang, max int) []Hit {
	if ix == nil || len(ix.docs) == 0 {
		return nil
	}
	all := tokens(query, maxQueryWords)
	words := dedupe(all)
	if len(words) == 0 {
		return nil
	}
	units := make([][]alt, len(words))
	for i, w := range words {
		units[i] = ix.alts(w)
	}
	ix.syn.expand(ix, words, units)
	s := ix.scratch()
	q, oov := ix.accumulate(s, units, l)
	hits := ix.rank(s, q, oov, len(words), l, max)
	s.release()
	return ix.markExact(hits, strings.Join(all, " "))
}

// accumulate adds up, per document, each query word's best field match and,
// per snippet, its best match. It returns the query's total weight and the
// part of it carried by words found nowhere in the content.
func (ix *Index) accumulate(s *scratch, units [][]alt, l Lang) (q, oov float32) {
	for _, u := range units {
		w := ix.unitWeight(u)
		if len(u) == 0 {
			oov += w
		}
		q += w
		for _, a := range u {
			t := &ix.terms[a.term]
			v := min(a.quality*t.idf, w)
			for _, p := range t.postings {
				sc := v * p.weight
				if p.langs&(1<<l) == 0 {
					sc *= otherLang
				}
				if s.best[p.doc] == 0 {
					s.touched = append(s.touched, p.doc)
				}
				s.best[p.doc] = maxf(s.best[p.doc], sc)
			}
			for _, sn := range t.snips {
				if s.simB[sn] == 0 {
					s.unitSnips = append(s.unitSnips, sn)
				}
				s.simB[sn] = maxf(s.simB[sn], v)
			}
		}
		for _, d := range s.touched {
			s.total[d] += s.best[d]
			s.best[d] = 0
		}
		s.touched = s.touched[:0]
		for _, sn := range s.unitSnips {
			if s.simM[sn] == 0 {
				s.snipTouched = append(s.snipTouched, sn)
			}
			s.simM[sn] += s.simB[sn]
			s.simB[sn] = 0
		}
		s.unitSnips = s.unitSnips[:0]
	}
	return q, oov
}

// unitWeight is how much a query word says: the IDF of its best match
// (exactly as typed if the content has it), times the match's quality; a
// word found nowhere weighs like the rarest word.
func (ix *Index) unitWeight(u []alt) float32 {
	if len(u) == 0 {
		return ix.oovIDF
	}
	best := u[0]
	for _, a := range u[1:] {
		t, b := ix.terms[a.term].idf, ix.terms[best.term].idf
		if a.quality > best.quality || a.quality == best.quality && t > b {
			best = a
		}
	}
	return best.quality * ix.terms[best.term].idf
}

// rank returns the hits that pass the threshold and the relative cut.
func (ix *Index) rank(s *scratch, q, oov float32, words int, l Lang, limit int) []Hit {
	top := ix.confidences(s, q, l)
	threshold := float32(minConfidence)
	if words >= describeWords && oov <= describeOOV*q {
		threshold = minDescribed
	}
	if top < threshold {
		clear(s.total)
		return nil
	}
	cut := maxf(threshold, top*relativeCut)
	var ds []int32
	for d, c := range s.total {
		if c >= cut {
			ds = append(ds, int32(d))
		}
	}
	// Documents are in tree order, so equal scores keep menu order.
	slices.SortStableFunc(ds, func(a, b int32) int { return cmp.Compare(s.total[b], s.total[a]) })
	var hits []Hit
	for _, d := range ds {
		if limit > 0 && len(hits) == limit {
			break
		}
		if !ix.titleShown(hits, d, l) {
			hits = append(hits, Hit{Node: ix.docs[d], Score: float64(s.total[d])})
		}
	}
	clear(s.total)
	return hits
}

// titleShown reports whether a hit with document d's title in l is already
// among hits: the same button twice (the consultant under every topic)
// helps no one.
func (ix *Index) titleShown(hits []Hit, d int32, l Lang) bool {
	for _, h := range hits {
		if h.Node == ix.docs[d] {
			return true
		}
	}
	for _, h := range hits {
		if o := slices.Index(ix.docs, h.Node); o >= 0 && ix.titles[o][l] == ix.titles[d][l] {
			return true
		}
	}
	return false
}

// rankAll returns every scored node, best first.
func (ix *Index) rankAll(s *scratch, q float32, l Lang) []Hit {
	if ix.confidences(s, q, l) == 0 {
		return nil
	}
	var hits []Hit
	for d, c := range s.total {
		if c > 0 {
			hits = append(hits, Hit{Node: ix.docs[d], Score: float64(c)})
		}
	}
	clear(s.total)
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(b.Score, a.Score) })
	return hits
}

// confidences turns the sums of accumulate into each document's confidence,
// in place in s.total, and returns the best.
func (ix *Index) confidences(s *scratch, q float32, l Lang) float32 {
	if q == 0 {
		return 0
	}
	sim := s.best // reused: best is all zero again after accumulate
	for _, sn := range s.snipTouched {
		m := s.simM[sn]
		if m == 0 {
			continue
		}
		sp := ix.snips[sn]
		// Several query words may match one snippet word: the snippet
		// cannot be matched beyond its own mass.
		v := snipWeight[sp.kind] * 2 * min(m, sp.mass) / (sp.mass + q)
		if sp.lang != l {
			v *= snipOtherLang
		}
		sim[sp.doc] = maxf(sim[sp.doc], v)
	}
	var top float32
	for d, t := range s.total {
		if t == 0 {
			continue
		}
		c := mixCoverage*t/q + mixSimilar*min(sim[d], 1)
		if ix.menu[d] {
			c *= menuFactor
		}
		s.total[d] = c
		top = maxf(top, c)
	}
	clear(sim)
	return top
}

// snipOtherLang discounts a snippet written for another language.
const snipOtherLang = 0.95

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

// alts returns the terms query word q matches, each once with its best
// quality.
func (ix *Index) alts(q string) []alt {
	var out []alt
	ix.match(q, func(t int32, quality float32) {
		for i := range out {
			if out[i].term == t {
				out[i].quality = maxf(out[i].quality, quality)
				return
			}
		}
		out = append(out, alt{t, quality})
	})
	return out
}

// match calls visit for every term that q matches, with the match's
// quality. A term may be visited more than once.
func (ix *Index) match(q string, visit func(t int32, quality float32)) {
	t, known := ix.exact[q]
	if known {
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
	// A word the content uses as typed is no typo; looking for its
	// one-edit neighbours would be most of the cost of a search.
	if known || len(q) < typoLen || len(q) > typoMaxLen {
		return
	}
	buf := make([]byte, 0, len(q))
	var single [1]int32
	for i := -1; i < len(q); i++ {
		buf = append(buf[:0], q...)
		if i >= 0 {
			buf = append(buf[:i], q[i+1:]...)
		}
		for _, t := range ix.dels.lookup(buf, &single) {
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

// stemMatch reports whether a and b share a long prefix (6 bytes, or 5
// when their lengths are close), or all but the last byte of the shorter
// one followed by an ending of at most two bytes, so "umowy" matches
// "umowa" but "zamek" does not match "zameldowanie", nor "pohoda"
// (weather) "pohodinu" (hourly).
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
	close := diff >= -2 && diff <= 2
	ending := max(len(a), len(b)) - p // what follows the shared part
	return p >= 6 || p >= 5 && close || p >= stemLen && p >= n-1 && ending <= 2
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

// DebugSearch is Search without the threshold, cut or limit: every scored
// node, best first, and the share of the query's weight carried by words
// found nowhere. For calibrating the ranking on the evaluation set.
func (ix *Index) DebugSearch(query string, l Lang) ([]Hit, float64) {
	words := dedupe(tokens(query, maxQueryWords))
	if ix == nil || len(words) == 0 {
		return nil, 0
	}
	units := make([][]alt, len(words))
	for i, w := range words {
		units[i] = ix.alts(w)
	}
	ix.syn.expand(ix, words, units)
	s := ix.scratch()
	q, oov := ix.accumulate(s, units, l)
	hits := ix.rankAll(s, q, l)
	s.release()
	return hits, float64(oov / q)
}
