package telegram

import (
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/infopunkt/infopunkt/bot"
)

func TestRenderEscapesAndLinks(t *testing.T) {
	r := bot.Reply{
		Title: "PESEL & <you>",
		Text:  "Bring <b>&\nyour passport.",
		Links: []bot.Link{{Label: "Gov <site>", URL: `https://gov.pl/a?b=1&c="2"`}, {URL: "https://x.pl"}},
	}
	got := buildDoc(r).parts(maxText)
	want := "<b>PESEL &amp; &lt;you&gt;</b>\n\nBring &lt;b&gt;&amp;\nyour passport.\n\n" +
		`<a href="https://gov.pl/a?b=1&amp;c=&quot;2&quot;">Gov &lt;site&gt;</a>` + "\n" +
		`<a href="https://x.pl">https://x.pl</a>`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestSplitText(t *testing.T) {
	words := strings.Fields(strings.Repeat("Wniosek o kartę pobytu składa się w urzędzie wojewódzkim. ", 200))
	text := strings.Join(words, " ")
	emoji := strings.Repeat("🇵🇱", 3000) // 4 UTF-16 units each, no spaces at all
	tests := []struct {
		name string
		in   string
	}{
		{"words", text},
		{"paragraphs", strings.ReplaceAll(text, ". ", ".\n\n")},
		{"one long word", emoji},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranges := splitText(tt.in, maxText)
			if len(ranges) < 2 {
				t.Fatalf("%d parts", len(ranges))
			}
			var rebuilt []string
			for _, r := range ranges {
				part := tt.in[r[0]:r[1]]
				if n := utf16Len(part); n > maxText || n == 0 {
					t.Fatalf("part of %d UTF-16 units", n)
				}
				rebuilt = append(rebuilt, part)
			}
			if tt.name == "one long word" {
				if strings.Join(rebuilt, "") != tt.in {
					t.Fatal("hard cut lost text")
				}
				return
			}
			if strings.Join(strings.Fields(strings.Join(rebuilt, " ")), " ") != strings.Join(strings.Fields(tt.in), " ") {
				t.Fatal("split lost or broke words")
			}
		})
	}
}

func TestSplitKeepsSpansWhole(t *testing.T) {
	long := strings.Repeat("x ", 3000)
	d := buildDoc(bot.Reply{Title: "Title", Text: long, Links: []bot.Link{{Label: "link", URL: "https://a.pl"}}})
	parts := d.parts(maxText)
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "<b>Title</b>") || !strings.HasSuffix(parts[1], `<a href="https://a.pl">link</a>`) {
		t.Fatalf("parts: %d, starts %q, ends %q", len(parts), parts[0][:20], parts[len(parts)-1][max(0, len(parts[len(parts)-1])-40):])
	}
}

func TestFloodTrackerGlobal(t *testing.T) {
	var f floodTracker
	t0 := time.Unix(1_700_000_000, 0)
	steps := []struct {
		chat int64
		at   time.Duration
		want bool
	}{
		{1, 0, false},
		{1, 100 * time.Millisecond, false}, // the same chat again: its own limit
		{2, 200 * time.Millisecond, true},  // another chat within a second: global
		{3, 2 * time.Second, false},        // long after
	}
	for i, s := range steps {
		if got := f.global(s.chat, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: global = %v", i, got)
		}
	}
}
