package telegram

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/infopunkt/infopunkt/bot"
)

// maxText is Telegram's limit on a message's text after entity parsing, in
// UTF-16 code units.
const maxText = 4096

// doc is a reply's visible text with the styled spans in it. Splitting
// works on the visible text, so a cut can never fall inside a tag or an
// entity; each part is rendered to HTML afterwards.
type doc struct {
	text  string
	spans []span // sorted, not overlapping
}

type span struct {
	start, end int    // byte offsets into doc.text
	href       string // "" means bold
}

// buildDoc lays out a reply: bold title, text, then one link per line.
func buildDoc(r bot.Reply) doc {
	var d doc
	var b strings.Builder
	add := func(s, href string, styled bool) {
		start := b.Len()
		b.WriteString(s)
		if styled && s != "" {
			d.spans = append(d.spans, span{start: start, end: b.Len(), href: href})
		}
	}
	sep := func(s string) {
		if b.Len() > 0 {
			b.WriteString(s)
		}
	}
	if t := strings.TrimSpace(r.Title); t != "" {
		add(t, "", true)
	}
	if t := strings.TrimSpace(strings.ReplaceAll(r.Text, "\r\n", "\n")); t != "" {
		sep("\n\n")
		add(t, "", false)
	}
	for i, l := range r.Links {
		label := strings.TrimSpace(l.Label)
		if label == "" {
			label = l.URL
		}
		if label == "" {
			continue
		}
		if i == 0 {
			sep("\n\n")
		} else {
			sep("\n")
		}
		add(label, l.URL, l.URL != "")
	}
	d.text = b.String()
	return d
}

// parts splits d into rendered HTML messages of at most limit visible
// UTF-16 code units each.
func (d doc) parts(limit int) []string {
	var out []string
	for _, r := range splitText(d.text, limit) {
		out = append(out, d.render(r[0], r[1]))
	}
	return out
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// render returns d.text[start:end] as Telegram HTML.
func (d doc) render(start, end int) string {
	var b strings.Builder
	pos := start
	for _, s := range d.spans {
		if s.end <= start || s.start >= end {
			continue
		}
		from, to := max(s.start, start), min(s.end, end)
		textEscaper.WriteString(&b, d.text[pos:from])
		if s.href == "" {
			b.WriteString("<b>")
		} else {
			b.WriteString(`<a href="`)
			attrEscaper.WriteString(&b, s.href)
			b.WriteString(`">`)
		}
		textEscaper.WriteString(&b, d.text[from:to])
		if s.href == "" {
			b.WriteString("</b>")
		} else {
			b.WriteString("</a>")
		}
		pos = to
	}
	textEscaper.WriteString(&b, d.text[pos:end])
	return b.String()
}

// splitText cuts s into byte ranges of at most limit UTF-16 code units,
// preferring paragraph breaks, then line breaks, then spaces, in the second
// half of each window; only a word longer than a window is cut inside.
// Whitespace at the cuts is dropped.
func splitText(s string, limit int) [][2]int {
	var out [][2]int
	pos := skipSpace(s, 0)
	for pos < len(s) {
		end := fit(s, pos, limit)
		cut := end
		if end < len(s) {
			cut = breakAt(s, pos, end)
		}
		if e := pos + len(strings.TrimRightFunc(s[pos:cut], isSpace)); e > pos {
			out = append(out, [2]int{pos, e})
		}
		pos = skipSpace(s, cut)
	}
	return out
}

// fit returns the largest end such that s[pos:end] is at most limit UTF-16
// code units and ends on a rune boundary.
func fit(s string, pos, limit int) int {
	n := 0
	for i, r := range s[pos:] {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > limit {
			if i == 0 { // a rune wider than limit: never return an empty window
				return pos + utf8.RuneLen(r)
			}
			return pos + i
		}
		n += w
	}
	return len(s)
}

// breakAt picks where to cut the window s[pos:end].
func breakAt(s string, pos, end int) int {
	half := pos + (end-pos)/2
	for _, sep := range []string{"\n\n", "\n"} {
		w := s[pos:min(len(s), end+len(sep))]
		if i := strings.LastIndex(w, sep); i >= 0 && pos+i >= half {
			return pos + i
		}
	}
	w := s[pos:min(len(s), end+1)]
	if i := strings.LastIndexFunc(w, isSpace); i > 0 {
		return pos + i
	}
	return end
}

func skipSpace(s string, pos int) int {
	for pos < len(s) {
		if !isSpace(rune(s[pos])) {
			break
		}
		pos++
	}
	return pos
}

// isSpace reports the ASCII whitespace a message may be cut at; a
// no-break space is deliberately not one.
func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }
