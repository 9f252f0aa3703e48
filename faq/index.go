package faq

import (
	"math"
	"slices"
	"strings"
)

// Field weights: how much a word found in a field says about a node. A
// staff-written keyword or example question is the strongest sign, a word
// somewhere in a long answer the weakest.
const (
	weightKeyword  = 1.0
	weightQuestion = 1.0
	weightTitle    = 0.9
	weightText     = 0.45
)

// Matching and ranking constants, calibrated on faq/testdata/eval (see
// BENCHMARKS.md, "Search quality").
const (
	otherLang    = 0.85 // the word matched in another language's text
	qualityExact = 1.0
	qualityStem  = 0.7 // inflection: "pobytu" for "pobyt"
	qualityTypo  = 0.6 // one edit away: "pobyto" for "pobytu"
	qualitySyn   = 0.8 // a synonym from synonyms.yaml, times the quality of the match
	stemLen      = 4   // the shortest stem that can match
	typoLen      = 5   // the shortest query token matched with a typo
	typoMaxLen   = 24  // longer tokens (codes, garbage) match only exactly or by stem
	// maxQueryWords bounds the words of a query: a question, not an essay.
	maxQueryWords = 16
)

// Snippet kinds and their weights: a query that looks like an example
// question is the best evidence, like a keyword or the title nearly as good.
const (
	snipQuestion uint8 = iota
	snipKeyword
	snipTitle
)

var snipWeight = [...]float32{snipQuestion: 1.0, snipKeyword: 0.95, snipTitle: 0.9}

// Index is a search index over the answers and menus of a Content. Build it
// with NewIndex (Load does); it is immutable and safe for concurrent use.
type Index struct {
	docs   []*Node
	menu   []bool             // the document is a menu, not an answer
	titles [][NumLangs]string // folded titles, to show each button once
	terms  []term             // the vocabulary of folded tokens
	exact  map[string]int32   // token → term
	stems  map[string][]int32 // first stemLen bytes → terms
	dels   delIndex           // the token and its one-byte deletions → terms
	whole  map[string][]int32 // a keyword's folded words, joined by spaces → documents
	snips  []snippet          // titles, keywords and questions, for similarity
	syn    synonyms
	oovIDF float32 // the weight of a query word found nowhere
}

// term is one folded token and where it occurs.
type term struct {
	text     string
	idf      float32
	postings []posting
	snips    []int32 // snippets that contain the term
}

// posting says that a term occurs in a document in a field (weight) in the
// languages of a bit set.
type posting struct {
	doc    int32
	weight float32
	langs  uint8
}

// snippet is a short text of a document: a title, keyword or question in
// one language. mass is the summed IDF of its distinct words.
type snippet struct {
	doc  int32
	kind uint8
	lang Lang
	mass float32
}

// NewIndex indexes the titles, keywords, example questions and texts of
// every node of c, with c.Synonyms. A goto node adds its title, keywords
// and questions to the node it shows.
func NewIndex(c *Content) *Index {
	b := &indexBuilder{
		ix:    &Index{exact: map[string]int32{}, stems: map[string][]int32{}, dels: newDelIndex(), whole: map[string][]int32{}},
		docOf: map[*Node]int32{},
		langs: map[postKey]uint8{},
	}
	for _, t := range c.Topics {
		b.walk(c, t.Root)
	}
	b.finish()
	b.ix.syn = buildSynonyms(b.ix, c.Synonyms)
	return b.ix
}

type postKey struct {
	term, doc int32
	weight    float32
}

type indexBuilder struct {
	ix       *Index
	docOf    map[*Node]int32
	langs    map[postKey]uint8
	snipToks [][]int32 // per snippet: its distinct terms
}

func (b *indexBuilder) walk(c *Content, n *Node) {
	if target := c.Resolve(n); target != nil && target.Goto == "" {
		b.addNode(b.doc(target), n)
	}
	for _, child := range n.Children {
		b.walk(c, child)
	}
}

// doc returns the document id of n, creating it on first use.
func (b *indexBuilder) doc(n *Node) int32 {
	if d, ok := b.docOf[n]; ok {
		return d
	}
	d := int32(len(b.ix.docs))
	b.docOf[n] = d
	b.ix.docs = append(b.ix.docs, n)
	b.ix.menu = append(b.ix.menu, !n.IsAnswer())
	var titles [NumLangs]string
	for _, l := range Langs {
		titles[l] = Fold(n.Title.In(l))
	}
	b.ix.titles = append(b.ix.titles, titles)
	return d
}

func (b *indexBuilder) addNode(d int32, n *Node) {
	for _, l := range Langs {
		for _, kw := range n.Keywords[l] {
			words := b.add(d, kw, weightKeyword, l, snipKeyword)
			if key := strings.Join(words, " "); key != "" && !slices.Contains(b.ix.whole[key], d) {
				b.ix.whole[key] = append(b.ix.whole[key], d)
			}
		}
		for _, q := range n.Questions[l] {
			b.add(d, q, weightQuestion, l, snipQuestion)
		}
		b.add(d, n.Title[l], weightTitle, l, snipTitle)
		if n.Goto == "" {
			b.addText(d, n.Text[l], l)
		}
	}
}

// add indexes the words of s as a snippet of document d and returns them.
func (b *indexBuilder) add(d int32, s string, w float32, l Lang, kind uint8) []string {
	words := tokens(s, -1)
	if len(words) == 0 {
		return nil
	}
	var ts []int32
	for _, word := range words {
		t := b.term(word)
		b.langs[postKey{t, d, w}] |= 1 << l
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	b.ix.snips = append(b.ix.snips, snippet{doc: d, kind: kind, lang: l})
	b.snipToks = append(b.snipToks, ts)
	return words
}

// addText indexes the words of an answer's text, which is no snippet.
func (b *indexBuilder) addText(d int32, s string, l Lang) {
	for _, word := range tokens(s, -1) {
		b.langs[postKey{b.term(word), d, weightText}] |= 1 << l
	}
}

// term returns the term id of a folded token, adding it to the vocabulary.
func (b *indexBuilder) term(word string) int32 {
	ix := b.ix
	if t, ok := ix.exact[word]; ok {
		return t
	}
	t := int32(len(ix.terms))
	ix.terms = append(ix.terms, term{text: word})
	ix.exact[word] = t
	if len(word) >= stemLen {
		ix.stems[word[:stemLen]] = append(ix.stems[word[:stemLen]], t)
	}
	if len(word) >= stemLen && len(word) <= typoMaxLen+1 {
		for _, v := range variants(word) {
			ix.dels.add(v, t)
		}
	}
	return t
}

// finish turns the collected postings into sorted lists, computes each
// term's inverse document frequency and each snippet's mass.
func (b *indexBuilder) finish() {
	ix := b.ix
	for k, langs := range b.langs {
		p := &ix.terms[k.term].postings
		*p = append(*p, posting{doc: k.doc, weight: k.weight, langs: langs})
	}
	n := float64(len(ix.docs))
	for i := range ix.terms {
		t := &ix.terms[i]
		slices.SortFunc(t.postings, func(a, b posting) int {
			if a.doc != b.doc {
				return int(a.doc - b.doc)
			}
			return cmpFloat(b.weight, a.weight)
		})
		df := 0
		for j, p := range t.postings {
			if j == 0 || p.doc != t.postings[j-1].doc {
				df++
			}
		}
		t.idf = idf(n, float64(df))
	}
	ix.oovIDF = idf(n, 0.5)
	for s, ts := range b.snipToks {
		for _, t := range ts {
			ix.snips[s].mass += ix.terms[t].idf
			ix.terms[t].snips = append(ix.terms[t].snips, int32(s))
		}
	}
}

// idf is the BM25 inverse document frequency of a term in df of n documents.
func idf(n, df float64) float32 {
	return float32(math.Log(1 + (n-df+0.5)/(df+0.5)))
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// variants returns word and every string one byte shorter, without
// repeats; two words within one edit share a variant.
func variants(word string) []string {
	out := make([]string, 0, len(word)+1)
	out = append(out, word)
	for i := range len(word) {
		if i > 0 && word[i] == word[i-1] {
			continue
		}
		out = append(out, word[:i]+word[i+1:])
	}
	return out
}

// tokens folds s and splits it into words, leaving out stopwords and
// one-letter words; limit < 0 means no limit.
func tokens(s string, limit int) []string {
	var out []string
	for word := range strings.FieldsSeq(Fold(s)) {
		if len(word) < 2 || stopwords[word] {
			continue
		}
		if limit >= 0 && len(out) >= limit {
			break
		}
		out = append(out, word)
	}
	return out
}
