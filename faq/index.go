package faq

import (
	"cmp"
	"slices"
	"strings"
)

// Scoring. A query token adds the best score it reaches in a node:
// quality of the token match × field weight × language bonus.
const (
	weightKeyword = 3   // keywords are written for search
	weightTitle   = 2   // the title names the node
	weightText    = 1   // the text merely mentions things
	langBonus     = 1.2 // the match is in the user's language
	phraseBonus   = 1.0 // per word of a multi-word keyword matched whole
	qualityExact  = 1.0
	qualityStem   = 0.7 // inflection: "pobytu" for "pobyt"
	qualityTypo   = 0.6 // one edit away: "pobyto" for "pobytu"
	minScore      = 1.0 // less is noise: show "no match" instead
	relativeCut   = 0.2 // hits below this share of the best are dropped
	stemLen       = 4   // the shortest stem that can match
	typoLen       = 5   // the shortest query token matched with a typo
	typoMaxLen    = 24  // longer tokens (codes, garbage) match only exactly or by stem
	maxQueryWords = 16  // a question, not an essay
)

// Index is a search index over the answers and menus of a Content. Build it
// with NewIndex (Load does); it is immutable and safe for concurrent use.
type Index struct {
	docs    []*Node            // answers and menus; a document id is an index here
	terms   []term             // the vocabulary of folded tokens
	exact   map[string]int32   // token → term
	stems   map[string][]int32 // first stemLen bytes → terms
	dels    map[string][]int32 // the token and its one-byte deletions → terms
	phrases [][][]string       // per document: multi-word keywords, folded
	whole   map[string][]int32 // a keyword's folded words, joined by spaces → documents
	// maxPhrase is, per document, the largest bonus its phrases can give.
	maxPhrase []float32
}

// term is one folded token and where it occurs.
type term struct {
	text     string
	postings []posting
}

// posting says that a term occurs in a document in a field (weight) in the
// languages of a bit set.
type posting struct {
	doc    int32
	weight float32
	langs  uint8
}

// NewIndex indexes the titles, keywords and texts of every node of c. A
// goto node adds its title and keywords to the node it shows.
func NewIndex(c *Content) *Index {
	b := &indexBuilder{
		ix:    &Index{exact: map[string]int32{}, stems: map[string][]int32{}, dels: map[string][]int32{}, whole: map[string][]int32{}},
		docOf: map[*Node]int32{},
		langs: map[postKey]uint8{},
	}
	for _, t := range c.Topics {
		b.walk(c, t.Root)
	}
	b.finish()
	return b.ix
}

type postKey struct {
	term, doc int32
	weight    float32
}

type indexBuilder struct {
	ix    *Index
	docOf map[*Node]int32
	langs map[postKey]uint8
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
	b.ix.phrases = append(b.ix.phrases, nil)
	b.ix.maxPhrase = append(b.ix.maxPhrase, 0)
	return d
}

func (b *indexBuilder) addNode(d int32, n *Node) {
	for _, l := range Langs {
		for _, kw := range n.Keywords[l] {
			words := b.add(d, kw, weightKeyword, l)
			if len(words) > 1 {
				b.ix.phrases[d] = append(b.ix.phrases[d], words)
				b.ix.maxPhrase[d] = maxf(b.ix.maxPhrase[d], float32(len(words))*phraseBonus)
			}
			if key := strings.Join(words, " "); key != "" && !slices.Contains(b.ix.whole[key], d) {
				b.ix.whole[key] = append(b.ix.whole[key], d)
			}
		}
		b.add(d, n.Title[l], weightTitle, l)
		if n.Goto == "" {
			b.add(d, n.Text[l], weightText, l)
		}
	}
}

// add indexes the words of s and returns them.
func (b *indexBuilder) add(d int32, s string, w float32, l Lang) []string {
	words := tokens(s, -1)
	for _, word := range words {
		b.langs[postKey{b.term(word), d, w}] |= 1 << l
	}
	return words
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
			ix.dels[v] = append(ix.dels[v], t)
		}
	}
	return t
}

func (b *indexBuilder) finish() {
	for k, langs := range b.langs {
		p := &b.ix.terms[k.term].postings
		*p = append(*p, posting{doc: k.doc, weight: k.weight, langs: langs})
	}
	for i := range b.ix.terms {
		slices.SortFunc(b.ix.terms[i].postings, func(a, b posting) int {
			return cmp.Or(cmp.Compare(a.doc, b.doc), cmp.Compare(a.weight, b.weight))
		})
	}
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
