package faq_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/infopunkt/infopunkt/faq"
)

// content builds a one-topic Content from answers given as id → keywords
// per language, with neutral titles, so that only the keywords can match.
func content(nodes ...*faq.Node) *faq.Content {
	root := &faq.Node{ID: "root", Title: faq.Text{"x", "x", "x", "x"}, Children: nodes}
	c := &faq.Content{Topics: []*faq.Topic{{ID: "root", Root: root}}, Nodes: map[string]*faq.Node{"root": root}}
	for _, n := range nodes {
		n.Parent = root
		c.Nodes[n.ID] = n
	}
	c.Index = faq.NewIndex(c)
	return c
}

func node(id string, kw map[faq.Lang][]string) *faq.Node {
	// A distinct title per node that no query uses: identical titles
	// would be shown once.
	t := fmt.Sprintf("n%d", len(id)*1000+int(id[0])*10+int(id[len(id)-1]))
	n := &faq.Node{ID: id, Title: faq.Text{t, t, t, t}}
	for l, words := range kw {
		n.Keywords[l] = words
	}
	return n
}

func hitIDs(hits []faq.Hit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Node.ID)
	}
	return ids
}

func TestSearchKeywords(t *testing.T) {
	c := content(
		node("residence-card", map[faq.Lang][]string{faq.UK: {"карта побуту"}, faq.RU: {"карта побыту"}}),
		node("pesel", map[faq.Lang][]string{faq.PL: {"pesel", "numer pesel"}}),
		node("contract", map[faq.Lang][]string{faq.PL: {"umowa o pracę"}}),
		node("registration", map[faq.Lang][]string{faq.PL: {"zameldowanie"}}),
		node("deposit", map[faq.Lang][]string{faq.PL: {"kaucja"}, faq.EN: {"deposit"}}),
		&faq.Node{ID: "to-pesel", Title: faq.Text{"x", "x", "x", "x"}, Goto: "pesel", Keywords: [faq.NumLangs][]string{faq.EN: {"identity number"}}},
	)
	tests := []struct {
		name, query string
		lang        faq.Lang
		want        string // the best hit; "" for none
	}{
		{"latin query, cyrillic keywords", "karta pobytu", faq.UK, "residence-card"},
		{"cyrillic query, polish keywords", "песель", faq.UK, "pesel"},
		{"accented cyrillic", "пésel", faq.RU, "pesel"},
		{"uppercase", "PESEL", faq.EN, "pesel"},
		{"typo", "karta pobyto", faq.PL, "residence-card"},
		{"typo in a long word", "zameldowane", faq.PL, "registration"},
		{"inflection", "umowy", faq.PL, "contract"},
		{"inflection in cyrillic", "умова", faq.UK, "contract"},
		{"stopwords ignored", "jak mogę i gdzie pesel?", faq.PL, "pesel"},
		{"an unknown word counts against a match", "pesel weather tomorrow", faq.EN, ""},
		{"goto resolves to its target", "identity number", faq.EN, "pesel"},
		{"miss", "weather tomorrow", faq.EN, ""},
		{"only stopwords", "як і де", faq.UK, ""},
		{"empty", "  ?! ", faq.UK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := c.Index.Search(tt.query, tt.lang, 3)
			got := ""
			if len(hits) > 0 {
				got = hits[0].Node.ID
			}
			if got != tt.want || (tt.want == "" && len(hits) > 0) {
				t.Errorf("Search(%q) = %v, want %q first", tt.query, hitIDs(hits), tt.want)
			}
		})
	}
}

func TestSearchNoDuplicatesOrGotoNodes(t *testing.T) {
	c := mustLoad(t, overlay(t, ""))
	// "Zameldowanie" is the title of a goto node and of its target.
	hits := c.Index.Search("zameldowanie", faq.PL, 0)
	ids := hitIDs(hits)
	if len(ids) == 0 || ids[0] != "legal-zameldowanie" {
		t.Fatalf("hits %v, want legal-zameldowanie first", ids)
	}
	for i, h := range hits {
		if h.Node.Goto != "" || slices.Contains(ids[:i], ids[i]) {
			t.Errorf("hits %v: goto node or duplicate at %d", ids, i)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("hits not sorted by score: %v", hits)
		}
	}
}

func TestSearchFixture(t *testing.T) {
	c := mustLoad(t, overlay(t, ""))
	tests := []struct {
		query string
		lang  faq.Lang
		want  string
	}{
		{"karta pobytu", faq.UK, "legal-residence-card"},
		{"посвідка на проживання", faq.UK, "legal-residence-card"},
		{"kaucji", faq.PL, "housing-deposit"},
		{"залог за квартиру", faq.RU, "housing-deposit"},
		{"umowy zlecenie", faq.PL, "legal-work-contract"},
		{"housing", faq.EN, "housing"},
	}
	for _, tt := range tests {
		hits := c.Index.Search(tt.query, tt.lang, 3)
		if len(hits) == 0 || hits[0].Node.ID != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.query, hitIDs(hits), tt.want)
		}
	}
	if hits := c.Index.Search("karta pobytu", faq.UK, 1); len(hits) != 1 {
		t.Errorf("max 1: %d hits", len(hits))
	}
}

func TestSearchPrefersUserLanguage(t *testing.T) {
	c := content(
		node("uk-depozyt", map[faq.Lang][]string{faq.UK: {"депозит"}}),
		node("ru-depozyt", map[faq.Lang][]string{faq.RU: {"депозит"}}),
	)
	for _, l := range []faq.Lang{faq.UK, faq.RU} {
		hits := c.Index.Search("депозит", l, 0)
		if len(hits) != 2 || hits[0].Node.ID != l.String()+"-depozyt" {
			t.Errorf("lang %v: %v", l, hitIDs(hits))
		}
	}
}

func TestSearchNilIndex(t *testing.T) {
	var ix *faq.Index
	if hits := ix.Search("pesel", faq.PL, 3); hits != nil {
		t.Errorf("nil index: %v", hits)
	}
}

// benchContent generates topics×perTopic answers with realistic text.
func benchContent(t testing.TB, topics, perTopic int) fstest.MapFS {
	t.Helper()
	m := overlayFS(t)
	words := strings.Fields("karta pobytu zezwolenie pesel umowa praca mieszkanie kaucja urząd wojewódzki " +
		"zameldowanie lekarz szkoła przedszkole ubezpieczenie zdrowotne nfz zus podatek pit konto bank " +
		"посвідка проживання робота житло застава лікар школа страхування податок рахунок документи " +
		"residence permit work housing deposit doctor school insurance tax account documents")
	word := func(i int) string { return words[i%len(words)] }
	for tp := range topics {
		var b strings.Builder
		fmt.Fprintf(&b, "topic: t%d\norder: %d\ntitle: {uk: Тема %d, pl: Temat %d, ru: Тема %d, en: Topic %d}\nchildren:\n", tp, tp, tp, tp, tp, tp)
		for i := range perTopic {
			k := tp*perTopic + i
			fmt.Fprintf(&b, "  - id: t%d-n%d\n    title: {uk: %s %s, pl: %s %s, ru: %s, en: %s}\n", tp, i, word(k), word(k+1), word(k+2), word(k+3), word(k+4), word(k+5))
			b.WriteString("    text:\n")
			for _, l := range faq.Langs {
				fmt.Fprintf(&b, "      %s: \"", l)
				for j := range 60 {
					b.WriteString(word(k*7+j*3+int(l)) + " ")
				}
				b.WriteString("\"\n")
			}
			fmt.Fprintf(&b, "    keywords: {uk: [%s %s], pl: [%s], en: [%s]}\n", word(k), word(k+9), word(k+2), word(k+5))
			b.WriteString("    sources: [https://www.gov.pl/]\n    reviewed: 2026-05\n")
		}
		m[fmt.Sprintf("faq/t%d.yaml", tp)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return m
}

// overlayFS is the valid fixture's messages, events and synonyms, without
// topics (and so without the crisis signals, which name the topics' nodes).
func overlayFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for k, v := range dirFS(t, "testdata/valid") {
		if !strings.HasPrefix(k, "faq/") && k != "crisis.yaml" {
			m[k] = v
		}
	}
	return m
}

func BenchmarkSearch(b *testing.B) {
	c := mustLoad(b, benchContent(b, 10, 15))
	queries := []string{"karta pobytu", "як отримати песель", "zameldowane umowy", "weather tomorrow"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Index.Search(queries[i%len(queries)], faq.UK, 3)
	}
}

func BenchmarkLoad(b *testing.B) {
	fsys := benchContent(b, 10, 15)
	b.ReportAllocs()
	for b.Loop() {
		mustLoad(b, fsys)
	}
}

// TestSearchMarksExactKeywords: a query that is, folded, one of a node's
// keywords marks that hit, whatever the alphabet or case; the same words in
// another order do not.
func TestSearchMarksExactKeywords(t *testing.T) {
	c := content(
		node("card", map[faq.Lang][]string{faq.UK: {"карта побуту"}, faq.PL: {"karta pobytu"}}),
		node("work", map[faq.Lang][]string{faq.UK: {"карта побуту для роботи"}}),
	)
	for _, tc := range []struct {
		q     string
		exact bool
	}{
		{"Karta Pobytu", true},
		{"карта побиту", true},
		{"pobytu karta", false},
	} {
		hits := c.Index.Search(tc.q, faq.UK, 3)
		if len(hits) == 0 || hits[0].Node.ID != "card" {
			t.Fatalf("%q: hits %q, want card first", tc.q, hitIDs(hits))
		}
		if hits[0].Exact != tc.exact {
			t.Errorf("%q: Exact = %v, want %v", tc.q, hits[0].Exact, tc.exact)
		}
		if len(hits) > 1 && hits[1].Exact {
			t.Errorf("%q: the work node is marked exact", tc.q)
		}
	}
}
