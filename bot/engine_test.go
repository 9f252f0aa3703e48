package bot_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

// browsing returns a state that has accepted the notice in lang.
func browsing(t testing.TB, e *bot.Engine, lang string) bot.State {
	t.Helper()
	res := e.Handle(bot.State{}, false, bot.Update{Chat: "test:1", Kind: bot.UpdateText, Text: "/start", LangHint: lang, Time: fixedNow()})
	res = e.Handle(res.State, true, bot.Update{Chat: "test:1", Kind: bot.UpdateButton, Data: "a", Time: fixedNow()})
	if !res.State.Consent {
		t.Fatalf("no consent after accept: %+v", res.State)
	}
	return res.State
}

func TestHandleIsPure(t *testing.T) {
	e := bot.NewEngine(fixtureContent(t))
	st := browsing(t, e, "uk")
	st.Back = []string{"", "legal"}
	u := bot.Update{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:legal-residence", Time: fixedNow()}
	before := append([]string(nil), st.Back...)
	a := e.Handle(st, true, u)
	b := e.Handle(st, true, u)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same input gave different results:\n%+v\n%+v", a, b)
	}
	if !reflect.DeepEqual(st.Back, before) {
		t.Fatalf("Handle modified the caller's back stack: %q", st.Back)
	}
}

func TestBackStackIsBounded(t *testing.T) {
	e := bot.NewEngine(fixtureContent(t))
	st := browsing(t, e, "en")
	for i := 0; i < 100; i++ {
		id := "legal-karta-pobytu"
		if i%2 == 0 {
			id = "legal-pesel"
		}
		st = e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:" + id, Time: fixedNow()}).State
	}
	if len(st.Back) != bot.MaxBackStack {
		t.Fatalf("back stack has %d entries, want %d", len(st.Back), bot.MaxBackStack)
	}
}

// TestShippedContentButtons checks every button the engine can produce from
// the shipped content fits the platforms' payload limit and has a label.
func TestShippedContentButtons(t *testing.T) {
	c, probs, err := faq.Load(content.FS(), faq.Options{Name: "content"})
	if err != nil {
		t.Fatalf("shipped content: %v\n%s", err, probs.Error())
	}
	e := bot.NewEngine(c)
	for _, lang := range []string{"uk", "pl", "ru", "en"} {
		st := browsing(t, e, lang)
		for id := range c.Nodes {
			res := e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:" + id, Time: fixedNow()})
			for _, r := range res.Replies {
				for _, row := range r.Buttons {
					for _, b := range row {
						if len(b.Data) > bot.MaxButtonData || (b.Data == "") == (b.URL == "") || strings.TrimSpace(b.Label) == "" {
							t.Errorf("%s node %s: bad button %+v", lang, id, b)
						}
					}
				}
			}
		}
	}
}

func TestSplitText(t *testing.T) {
	word := "слово "
	long := strings.Repeat(word, 2000) // 12,000 runes
	tests := []struct {
		name  string
		in    string
		limit int
		parts int
	}{
		{"short", "hello", 10, 1},
		{"exact", "hello", 5, 1},
		{"words", long, 4096, 3},
		{"paragraphs", strings.Repeat("a", 3000) + "\n\n" + strings.Repeat("b", 3000), 4096, 2},
		{"one huge word", strings.Repeat("x", 9000), 4096, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := bot.SplitText(tc.in, tc.limit)
			if len(parts) != tc.parts {
				t.Fatalf("%d parts, want %d", len(parts), tc.parts)
			}
			for i, p := range parts {
				if n := len([]rune(p)); n > tc.limit || n == 0 {
					t.Fatalf("part %d has %d runes (limit %d)", i, n, tc.limit)
				}
				if tc.name == "words" && (strings.HasPrefix(p, "лово") || strings.HasSuffix(p, "сло")) {
					t.Fatalf("part %d cuts a word: ...%q", i, p[len(p)-10:])
				}
			}
			if tc.name == "words" && strings.Join(parts, " ") != strings.TrimSpace(long) {
				t.Fatal("splitting lost or changed text")
			}
		})
	}
}

func BenchmarkEngineStep(b *testing.B) {
	e := bot.NewEngine(fixtureContent(b))
	st := browsing(b, e, "uk")
	nav := []bot.Update{
		{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:legal", MessageRef: "7", Time: fixedNow()},
		{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:legal-residence", MessageRef: "7", Time: fixedNow()},
		{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:legal-karta-pobytu", MessageRef: "7", Time: fixedNow()},
		{Chat: "test:1", Kind: bot.UpdateButton, Data: "b", MessageRef: "7", Time: fixedNow()},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st = e.Handle(st, true, nav[i%len(nav)]).State
	}
}

func BenchmarkEngineSearch(b *testing.B) {
	e := bot.NewEngine(fixtureContent(b))
	st := browsing(b, e, "uk")
	u := bot.Update{Chat: "test:1", Kind: bot.UpdateText, Text: "karta pobytu", Time: fixedNow()}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.Handle(st, true, u)
	}
}

// BenchmarkEngineSearchShipped is one free-text step against the real
// content (five topics, ~130 nodes in four languages).
func BenchmarkEngineSearchShipped(b *testing.B) {
	c, _, err := faq.Load(content.FS(), faq.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e := bot.NewEngine(c)
	st := browsing(b, e, "uk")
	queries := []string{"karta pobytu", "де отримати песель", "umowa zlecenie", "залог за квартиру"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateText, Text: queries[i%len(queries)], Time: fixedNow()})
	}
}

// TestLongQueryIsCutOnARuneBoundary: a question longer than MaxSearchRunes
// (but under MaxQueryBytes) is searched by its start, cut between runes.
func TestLongQueryIsCutOnARuneBoundary(t *testing.T) {
	e := bot.NewEngine(fixtureContent(t))
	st := browsing(t, e, "uk")
	q := "карта побуту " + strings.Repeat("ї", 300) // 313 runes, 613 bytes
	res := e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateText, Text: q, Time: fixedNow()})
	if len(res.Replies) == 0 || res.State.Node != "legal-karta-pobytu" {
		t.Fatalf("a long question starting with the keyword did not find it: node %q", res.State.Node)
	}
}
