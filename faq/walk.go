package faq

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// field is one key of a YAML mapping with its value.
type field struct {
	key, val *yaml.Node
}

// fieldSet holds the known keys of a mapping.
type fieldSet map[string]field

// val returns the value of key, or nil when the key is absent.
func (fs fieldSet) val(key string) *yaml.Node { return fs[key].val }

// kindName describes a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return "nothing"
	case n.Kind == yaml.ScalarNode:
		return "a value"
	}
	return "something else"
}

// expect reports whether n has the wanted kind, reporting a mismatch. A
// mismatch on an alias is not reported again: checkAnchors already did.
func (f *file) expect(n *yaml.Node, kind yaml.Kind, what string) bool {
	if n.Kind == kind && (kind != yaml.ScalarNode || n.Tag != "!!null") {
		return true
	}
	if n.Kind != yaml.AliasNode {
		want := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a value"}[kind]
		f.errorf(n, "%s: expected %s, found %s", what, want, kindName(n))
	}
	return false
}

// pairs returns the entries of mapping n, reporting keys that are not plain
// values and keys given twice.
func (f *file) pairs(n *yaml.Node, what string) []field {
	if !f.expect(n, yaml.MappingNode, what) {
		return nil
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	out := make([]field, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !f.expect(k, yaml.ScalarNode, what+" key") {
			continue
		}
		if first, dup := seen[k.Value]; dup {
			f.errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, field{key: k, val: v})
	}
	return out
}

// fields decodes mapping n whose keys must all be in allowed, reporting
// unknown keys at their position. It returns nil when n is not a mapping.
func (f *file) fields(n *yaml.Node, what string, allowed []string) fieldSet {
	ps := f.pairs(n, what)
	if ps == nil && n.Kind != yaml.MappingNode {
		return nil
	}
	fs := make(fieldSet, len(ps))
	for _, p := range ps {
		if !slices.Contains(allowed, p.key.Value) {
			f.errorf(p.key, "unknown key %q; allowed: %s", p.key.Value, strings.Join(allowed, ", "))
			continue
		}
		fs[p.key.Value] = p
	}
	return fs
}

// require reports the keys missing from mapping n.
func (f *file) require(n *yaml.Node, fs fieldSet, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if _, has := fs[k]; !has {
			f.errorf(n, "missing key %q", k)
			ok = false
		}
	}
	return ok
}

// str returns the value of scalar n, trimmed; "" after reporting when n is
// not a value.
func (f *file) str(n *yaml.Node, what string) string {
	if !f.expect(n, yaml.ScalarNode, what) {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// integer decodes an integer scalar.
func (f *file) integer(n *yaml.Node, what string) int {
	s := f.str(n, what)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil || n.Tag != "!!int" {
		f.errorf(n, "%s: %q is not a whole number", what, s)
	}
	return v
}

// list returns the items of sequence n.
func (f *file) list(n *yaml.Node, what string) []*yaml.Node {
	if !f.expect(n, yaml.SequenceNode, what) {
		return nil
	}
	return n.Content
}

// textRule says how a language map is checked.
type textRule struct {
	what   string           // key name for messages: "title", "text", "messages.help"
	all    bool             // every language is required
	max    int              // maximum length, 0 for none
	warn   int              // length above which a warning is given, 0 for none
	length func(string) int // how length is counted
}

// titleRule and bodyRule check node fields: titles are buttons on a phone,
// texts are Telegram messages (4096 UTF-16 units).
var (
	titleRule = textRule{what: "title", all: true, max: 48, length: utf8.RuneCountInString}
	bodyRule  = textRule{what: "text", all: true, max: 4096, warn: OneMessageText, length: utf16Len}
)

// OneMessageText is how long an answer's text may be and still arrive as one
// Telegram message once the bot adds its title, review date, disclaimer and
// sources (about 300 characters). Longer texts are split into several
// messages, which is allowed but harder to read on a phone: a warning.
const OneMessageText = 3700

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// text decodes a map from language code to string.
func (f *file) text(n *yaml.Node, r textRule) Text {
	var t Text
	var present [NumLangs]bool
	for _, p := range f.pairs(n, r.what) {
		l, ok := ParseLang(p.key.Value)
		if !ok || l.String() != p.key.Value {
			f.errorf(p.key, "%s: unknown language %q; use uk, pl, ru, en", r.what, p.key.Value)
			continue
		}
		present[l] = true
		t[l] = f.langString(p.val, r, r.what+"."+l.String())
	}
	var langs []string
	for _, l := range Langs {
		if !present[l] && r.all {
			langs = append(langs, l.String())
		}
	}
	f.reportMissing(n, r.what, langs)
	return t
}

// langString decodes one translation, checking emptiness and length.
func (f *file) langString(n *yaml.Node, r textRule, what string) string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		f.errorf(n, "%s is empty", what)
		return ""
	}
	s := f.str(n, what)
	switch {
	case s == "" && n.Kind == yaml.ScalarNode:
		f.errorf(n, "%s is empty", what)
	case r.max > 0 && r.length(s) > r.max:
		f.errorf(n, "%s is %d characters long, max %d", what, r.length(s), r.max)
	case r.warn > 0 && r.length(s) > r.warn:
		f.warnf(n, "%s is %d characters long: over %d it arrives as several messages; consider splitting the answer", what, r.length(s), r.warn)
	}
	return s
}

// reportMissing reports the languages a map lacks, at the map's position.
func (f *file) reportMissing(n *yaml.Node, what string, langs []string) {
	if len(langs) == 0 || n.Kind != yaml.MappingNode {
		return
	}
	plural := ""
	if len(langs) > 1 {
		plural = "s"
	}
	f.errorf(n, "%s: missing language%s: %s", what, plural, strings.Join(langs, ", "))
}

// keywords decodes a map from language code to a list of keywords.
func (f *file) keywords(n *yaml.Node) [NumLangs][]string {
	return f.phrases(n, "keywords", "keyword", 0)
}

// maxQuestion bounds an example question: a question, not an essay.
const maxQuestion = 200

// questions decodes a map from language code to example questions.
func (f *file) questions(n *yaml.Node) [NumLangs][]string {
	return f.phrases(n, "questions", "question", maxQuestion)
}

// phrases decodes a map from language code to a list of short strings;
// max > 0 bounds each one's length in characters.
func (f *file) phrases(n *yaml.Node, key, one string, max int) [NumLangs][]string {
	var out [NumLangs][]string
	for _, p := range f.pairs(n, key) {
		l, ok := ParseLang(p.key.Value)
		if !ok || l.String() != p.key.Value {
			f.errorf(p.key, "%s: unknown language %q; use uk, pl, ru, en", key, p.key.Value)
			continue
		}
		what := key + "." + l.String()
		for _, item := range f.list(p.val, what) {
			s := f.str(item, what)
			switch {
			case s == "" && item.Kind == yaml.ScalarNode:
				f.errorf(item, "%s: empty %s", what, one)
			case max > 0 && utf8.RuneCountInString(s) > max:
				f.errorf(item, "%s: %s is %d characters long, max %d", what, one, utf8.RuneCountInString(s), max)
			case s != "":
				out[l] = append(out[l], s)
			}
		}
	}
	return out
}
