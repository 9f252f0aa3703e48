package faq_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

func TestLoadValid(t *testing.T) {
	c, ps, err := faq.Load(overlay(t, ""), testOptions())
	if err != nil || len(ps) != 0 {
		t.Fatalf("Load: err %v, problems:\n%v", err, ps)
	}
	var ids []string
	for _, tp := range c.Topics {
		ids = append(ids, tp.ID)
	}
	if want := []string{"legal", "housing"}; !slices.Equal(ids, want) {
		t.Errorf("topics %v, want %v (by order)", ids, want)
	}
	if got := len(c.Nodes); got != 9 {
		t.Errorf("%d nodes, want 9", got)
	}
	contract := c.Node("legal-work-contract")
	if contract == nil || contract.Parent != c.Node("legal-work") || contract.Topic != "legal" {
		t.Fatalf("legal-work-contract: %+v", contract)
	}
	if c.Topics[0].Root.Parent != nil || c.Topics[0].File != "content/faq/legal.yaml" {
		t.Errorf("root: %+v", c.Topics[0])
	}
	if got := c.Resolve(c.Node("housing-register-address")); got != c.Node("legal-zameldowanie") {
		t.Errorf("Resolve(goto) = %v", got)
	}
	if c.Index == nil || len(c.Categories) != 2 || len(c.Messages) != len(faq.RequiredMessages) {
		t.Errorf("index %v, %d categories, %d messages", c.Index, len(c.Categories), len(c.Messages))
	}
}

func TestLoadNodeFields(t *testing.T) {
	c := mustLoad(t, overlay(t, ""))
	n := c.Node("housing-deposit")
	want := []faq.Action{
		{Kind: faq.ActionHandoff, Pos: faq.Pos{File: "content/faq/housing.yaml", Line: 27, Column: 9}},
		{Kind: faq.ActionSubscribe, Category: "workshops", Pos: faq.Pos{File: "content/faq/housing.yaml", Line: 28, Column: 9}},
		{Kind: faq.ActionURL, URL: "https://www.wroclaw.pl/", Pos: faq.Pos{File: "content/faq/housing.yaml", Line: 29, Column: 9},
			Label: faq.Text{"Сайт міста", "Strona miasta", "Сайт города", "City website"}},
	}
	if !slices.Equal(n.Actions, want) {
		t.Errorf("actions\n got %+v\nwant %+v", n.Actions, want)
	}
	if want := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC); !n.Reviewed.Equal(want) {
		t.Errorf("reviewed %v, want %v", n.Reviewed, want)
	}
	if got := c.Node("legal-pesel").Reviewed; !got.Equal(time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("reviewed %v", got)
	}
	if got := c.Node("legal-residence-card").Text[faq.EN]; strings.HasSuffix(got, "\n") || !strings.Contains(got, "karta pobytu") {
		t.Errorf("text %q: want trimmed block text", got)
	}
	if got := n.Pos; got != (faq.Pos{File: "content/faq/housing.yaml", Line: 11, Column: 5}) {
		t.Errorf("pos %v", got)
	}
	if got := c.Messages.Get("help", faq.RU); got != "help (ru)" {
		t.Errorf("message %q", got)
	}
}

// missingMessages lists the problems of a messages.yaml that has only the
// first two required keys.
func missingMessages() []string {
	var out []string
	for _, k := range faq.RequiredMessages[2:] {
		out = append(out, `content/messages.yaml:2:3: missing message "`+k+`"`)
	}
	return append(out,
		"content/messages.yaml:3:15: messages.btn_accept: missing languages: ru, en",
		`content/messages.yaml:4:3: unknown message key "btn_acept" (not in faq.RequiredMessages)`)
}

func TestLoadProblems(t *testing.T) {
	const idRule = ": use 1-48 lowercase letters, digits and hyphens, starting with a letter or digit"
	const nodeKeys = "id, title, text, keywords, questions, children, goto, sources, reviewed, actions"
	tests := []struct {
		name   string
		remove []string
		want   []string
	}{
		{"unknown-key", nil, []string{
			`content/faq/extra.yaml:5:5: missing key "title"`,
			`content/faq/extra.yaml:6:5: unknown key "titel"; allowed: ` + nodeKeys,
			`content/faq/extra.yaml:10:5: unknown key "colour"; allowed: ` + nodeKeys,
		}},
		{"duplicate-id", nil, []string{
			`content/faq/extra.yaml:7:9: duplicate id "extra" (first defined at content/faq/extra.yaml:1:8)`,
			`content/faq/legal.yaml:33:9: duplicate id "legal-pesel" (first defined at content/faq/extra.yaml:4:9)`,
		}},
		{"goto", nil, []string{
			`content/faq/extra.yaml:6:11: goto: no node with id "no-such-node"`,
			`content/faq/extra.yaml:9:11: goto cycle: extra-a -> extra-b -> extra-a`,
			`content/faq/extra.yaml:15:11: goto cycle: extra-self -> extra-self`,
			`content/faq/extra.yaml:19:5: a goto node has only id, title, goto, keywords and questions; remove "text"`,
			`content/faq/extra.yaml:20:5: a goto node has only id, title, goto, keywords and questions; remove "reviewed"`,
		}},
		{"languages", nil, []string{
			`content/faq/extra.yaml:2:8: title: missing language: ru`,
			`content/faq/extra.yaml:3:7: text: missing languages: pl, ru, en`,
			`content/faq/extra.yaml:6:56: title: unknown language "de"; use uk, pl, ru, en`,
			`content/faq/extra.yaml:9:11: text.pl is empty`,
			`content/faq/extra.yaml:10:10: text.ru is empty`,
			`content/faq/extra.yaml:11:11: text.en is empty`,
			`content/faq/extra.yaml:16:16: label: missing languages: pl, ru`,
		}},
		{"length", nil, []string{
			`content/faq/extra.yaml:2:45: title.en is 53 characters long, max 48`,
			`content/faq/extra.yaml:7:11: text.uk is 4369 characters long, max 4096`,
		}},
		{"answer", nil, []string{
			`content/faq/extra.yaml:4:5: answer has no text`,
			`content/faq/extra.yaml:4:5: answer has no sources`,
			`content/faq/extra.yaml:4:5: answer has no reviewed date`,
			`content/faq/extra.yaml:9:14: answer has no sources`,
			`content/faq/extra.yaml:10:15: reviewed: "2026-5" is not a date; use YYYY-MM or YYYY-MM-DD`,
			`content/faq/extra.yaml:15:9: malformed URL "www.gov.pl/web": must start with https:// or http://`,
			`content/faq/extra.yaml:16:9: malformed URL "ftp://gov.pl/file": must start with https:// or http://`,
			`content/faq/extra.yaml:17:9: malformed URL "https://": has no host`,
			`content/faq/extra.yaml:18:9: malformed URL "https://gov.pl/a b": contains a space`,
			`content/faq/extra.yaml:19:15: reviewed: "2026-13" is not a date; use YYYY-MM or YYYY-MM-DD`,
			`content/faq/extra.yaml:21:14: malformed URL "gov.pl": must start with https:// or http://`,
			`content/faq/extra.yaml:22:20: subscribe: no event category "concerts" in events.yaml`,
			`content/faq/extra.yaml:23:18: handoff: must be true`,
			`content/faq/extra.yaml:24:9: an action needs exactly one of handoff, subscribe, url`,
			`content/faq/extra.yaml:27:9: label: only a url action has a label`,
			`content/faq/extra.yaml:30:15: children: a menu needs at least one child`,
		}},
		{"ids", nil, []string{
			`content/faq/extra.yaml:1:8: invalid id "Extra_Topic"` + idRule,
			`content/faq/extra.yaml:4:9: invalid id "-starts-with-hyphen"` + idRule,
			`content/faq/extra.yaml:7:9: invalid id "this-id-is-far-too-long-for-a-button-callback-of-telegram"` + idRule,
			`content/faq/extra.yaml:10:9: id is empty`,
			`content/faq/extra.yaml:13:5: missing key "id"`,
		}},
		{"types", nil, []string{
			`content/faq/extra.yaml:1:8: topic: expected a value, found a list`,
			`content/faq/extra.yaml:2:8: order: "first" is not a whole number`,
			`content/faq/extra.yaml:3:8: title: expected a mapping, found a list`,
			`content/faq/extra.yaml:5:7: keywords.uk: expected a list, found a value`,
			`content/faq/extra.yaml:6:3: keywords: unknown language "xx"; use uk, pl, ru, en`,
			`content/faq/extra.yaml:8:3: children: expected a list, found a mapping`,
		}},
		{"types2", nil, []string{
			`content/faq/extra.yaml:1:1: topic file: expected a mapping, found a list`,
		}},
		{"syntax", nil, []string{
			`content/faq/extra.yaml:5:1: YAML syntax: mapping values are not allowed in this context`,
		}},
		{"tabs", nil, []string{
			`content/faq/extra.yaml:3:1: YAML syntax: found character that cannot start any token (indent with spaces, not tabs)`,
		}},
		{"empty", nil, []string{
			`content/faq/comment.yaml:1:1: file is empty`,
			`content/faq/extra.yaml:1:1: file is empty`,
		}},
		{"encoding", nil, []string{
			`content/faq/extra.yaml:2:13: file is not valid UTF-8; save it as UTF-8`,
		}},
		{"anchors", nil, []string{
			`content/faq/extra.yaml:2:8: anchors (&t) are not supported; write the value out`,
			`content/faq/extra.yaml:5:12: aliases (*t) are not supported; write the value out`,
			`content/faq/extra.yaml:7:5: anchors (&node) are not supported; write the value out`,
		}},
		{"documents", nil, []string{
			`content/faq/extra.yaml:3:1: duplicate key "title" (first at line 2)`,
			`content/faq/extra.yaml:8:1: only one YAML document per file is allowed`,
		}},
		{"events", nil, []string{
			`content/events.yaml:4:9: duplicate category id "workshops" (first defined at content/events.yaml:2:9)`,
			`content/events.yaml:6:5: missing key "title"`,
			`content/events.yaml:6:9: invalid id "Job Fairs"` + idRule,
			`content/events.yaml:7:5: unknown key "name"; allowed: id, title`,
		}},
		{"messages", nil, missingMessages()},
		{"missing-files", []string{"messages.yaml", "events.yaml"}, []string{
			`content/faq/housing.yaml:28:20: subscribe: no event category "workshops" in events.yaml`,
			`content/messages.yaml:1:1: file not found`,
		}},
		{"questions", nil, []string{
			`content/faq/extra.yaml:8:28: questions.uk: empty question`,
			`content/faq/extra.yaml:9:7: questions: unknown language "de"; use uk, pl, ru, en`,
			`content/faq/extra.yaml:10:12: questions.en: question is 249 characters long, max 200`,
			`content/faq/extra.yaml:11:11: questions.pl: expected a list, found a value`,
		}},
		{"crisis", nil, []string{
			`content/crisis.yaml:3:15: answers: "housing-deposit" does not give the number 112 in uk (group no-home lists it in numbers)`,
			`content/crisis.yaml:3:15: answers: "housing-deposit" does not give the number 112 in pl (group no-home lists it in numbers)`,
			`content/crisis.yaml:3:15: answers: "housing-deposit" does not give the number 112 in ru (group no-home lists it in numbers)`,
			`content/crisis.yaml:3:15: answers: "housing-deposit" does not give the number 112 in en (group no-home lists it in numbers)`,
			`content/crisis.yaml:3:32: answers: "legal-work" is a menu, not an answer`,
			`content/crisis.yaml:3:44: answers: no node with id "nowhere"`,
			`content/crisis.yaml:6:7: signals: missing languages: ru, en`,
			`content/crisis.yaml:6:29: signals.uk: empty signal`,
			`content/crisis.yaml:7:12: signals.pl: "?!" has no letters or digits`,
			`content/crisis.yaml:8:7: signals: unknown language "de"; use uk, pl, ru, en`,
			`content/crisis.yaml:9:9: duplicate crisis group "no-home" (first defined at content/crisis.yaml:2:9)`,
			`content/crisis.yaml:10:14: answers: a crisis group needs at least one answer`,
			`content/crisis.yaml:11:5: unknown key "colour"; allowed: id, answers, numbers, signals`,
			`content/crisis.yaml:16:12: signals.en: "this signal is far too long to be a signal because it goes on and on and on and on" is longer than 80 characters; a signal is a few words`,
		}},
		{"synonyms", nil, []string{
			`content/synonyms.yaml:2:5: synonym group: needs at least two entries`,
			`content/synonyms.yaml:3:14: synonym: empty entry`,
			`content/synonyms.yaml:4:6: synonym: "депозит" is already listed at content/synonyms.yaml:3:18; groups that share a word should be one group`,
			`content/synonyms.yaml:5:6: synonym: "та і" has only stopwords or no letters; search ignores it`,
		}},
		{"no-topics", []string{"faq/legal.yaml", "faq/housing.yaml", "crisis.yaml"}, []string{
			`content/faq:1:1: no topic files (faq/*.yaml)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.name
			if tt.remove != nil {
				dir = ""
			}
			c, ps, err := faq.Load(overlay(t, dir, tt.remove...), testOptions())
			if got := ps.Strings(); !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if c != nil || err == nil {
				t.Errorf("Load returned content %v, error %v; want nil content and an error", c, err)
			}
		})
	}
}

// TestLoadRejectsBroken is what a reload does: broken content must leave
// the running content in place, so Load returns no content at all.
func TestLoadRejectsBroken(t *testing.T) {
	c, ps, err := faq.Load(overlay(t, "messages"), testOptions())
	if c != nil {
		t.Fatal("Load returned content despite errors")
	}
	if !errors.Is(err, faq.ErrInvalid) {
		t.Errorf("errors.Is(%T, ErrInvalid) = false", err)
	}
	var errs faq.Problems
	if !errors.As(err, &errs) || len(errs) != len(ps.Errors()) || errs.HasErrors() != true {
		t.Fatalf("error %T does not hold the %d errors", err, len(ps.Errors()))
	}
	if len(ps.Warnings()) != 1 || len(errs.Warnings()) != 0 {
		t.Errorf("warnings: problems %d, error %d; want 1, 0", len(ps.Warnings()), len(errs.Warnings()))
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != len(errs) || lines[0] != errs[0].String() {
		t.Errorf("Error() = %q...", lines[0])
	}
}

func TestLoadWarnings(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want []string
	}{
		{"stale", time.Date(2027, 5, 5, 0, 0, 0, 0, time.UTC), []string{
			"content/faq/legal.yaml:30:15: reviewed 2026-03 is more than 365 days ago; check the answer and update the date",
			"content/faq/legal.yaml:78:19: reviewed 2026-04-01 is more than 365 days ago; check the answer and update the date",
		}},
		{"future", time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC), []string{
			"content/faq/housing.yaml:25:15: reviewed 2026-05 is in the future",
			"content/faq/legal.yaml:45:15: reviewed 2026-05-10 is in the future",
			"content/faq/legal.yaml:60:15: reviewed 2026-05 is in the future",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.Now = func() time.Time { return tt.now }
			c, ps, err := faq.Load(overlay(t, ""), opts)
			if c == nil || err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := ps.Warnings().Strings(); !slices.Equal(got, tt.want) || len(ps.Errors()) != 0 {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadMaxReviewAge(t *testing.T) {
	opts := testOptions()
	opts.MaxReviewAge = 30 * 24 * time.Hour
	_, ps, err := faq.Load(overlay(t, ""), opts)
	if err != nil || len(ps.Warnings()) != 2 || !strings.Contains(ps[0].Msg, "2026-03 is more than 30 days ago") {
		t.Errorf("err %v, problems:\n%v", err, ps)
	}
}

func TestLoadHugeFile(t *testing.T) {
	fsys := overlay(t, "")
	fsys["faq/huge.yaml"] = &fstest.MapFile{Data: []byte("topic: huge\n# " + strings.Repeat("x", faq.MaxFileSize))}
	_, ps, err := faq.Load(fsys, testOptions())
	want := fmt.Sprintf("content/faq/huge.yaml:1:1: file is larger than %d bytes; split the topic", faq.MaxFileSize)
	if err == nil || len(ps) != 1 || ps[0].String() != want {
		t.Errorf("problems %v, want %s", ps, want)
	}
}

func TestProblemString(t *testing.T) {
	p := faq.Problem{Pos: faq.Pos{File: "content/faq/legal.yaml", Line: 12, Column: 5}, Warning: true, Msg: "old"}
	if got, want := p.String(), "content/faq/legal.yaml:12:5: old"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestLoadPathological feeds inputs that could make a naive loader slow,
// deep or chatty: each must load quickly with a bounded list of problems.
func TestLoadPathological(t *testing.T) {
	const head = "topic: x\ntitle: {uk: a, pl: a, ru: a, en: a}\nchildren:\n"
	inputs := map[string]string{
		"long token": head + "  - id: y\n    title: {uk: a, pl: a, ru: a, en: a}\n    text: {uk: " +
			strings.Repeat("ab", 200000) + ", pl: b, ru: c, en: d}\n    sources: [https://a.pl]\n    reviewed: 2026-05\n",
		"deep flow":      strings.Repeat("[", 9000) + strings.Repeat("]", 9000),
		"repeated keys":  strings.Repeat("a: 1\n", 20000),
		"many bad nodes": head + strings.Repeat("  - {id: Q, goto: q}\n", 5000),
		"self alias":     "topic: &a [*a]\n",
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			fsys := overlayFS(t)
			fsys["faq/x.yaml"] = &fstest.MapFile{Data: []byte(data)}
			c, ps, err := faq.Load(fsys, testOptions())
			if c != nil || err == nil || len(ps) == 0 || len(ps) > 201 {
				t.Errorf("content %v, error %v, %d problems; want nil, an error, 1-201 problems", c != nil, err != nil, len(ps))
			}
		})
	}
}

// TestLoadWarnsAboutMultiMessageAnswers: an answer that will not fit one
// Telegram message with its title and sources loads, with a warning that
// tells staff why and what to do.
func TestLoadWarnsAboutMultiMessageAnswers(t *testing.T) {
	m := overlay(t, "")
	long := strings.Repeat("ab ", 1266) + "ab" // 3,800 characters: allowed, but over one message
	m["faq/long.yaml"] = &fstest.MapFile{Data: []byte(`topic: long
title: {uk: Довге, pl: Długie, ru: Длинное, en: Long}
children:
  - id: long-answer
    title: {uk: Довге, pl: Długie, ru: Длинное, en: Long}
    text: {uk: "` + long + `", pl: Krótko, ru: Коротко, en: Short}
    sources: [https://www.gov.pl/]
    reviewed: 2026-11
`)}
	opts := testOptions()
	opts.Now = func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }
	c, ps, err := faq.Load(m, opts)
	if c == nil || err != nil {
		t.Fatalf("Load: %v\n%v", err, ps)
	}
	want := "content/faq/long.yaml:6:16: text.uk is 3800 characters long: over 3700 it arrives as several messages; consider splitting the answer"
	if got := ps.Warnings().Strings(); !slices.Contains(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}
}
