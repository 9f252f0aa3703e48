package faq_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/infopunkt/infopunkt/faq"
)

func TestSummarize(t *testing.T) {
	c, ps, err := faq.Load(overlay(t, ""), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	s := faq.Summarize(c, ps)
	want := map[string]faq.TopicSummary{"legal": {Nodes: 6, Answers: 4}, "housing": {Nodes: 3, Answers: 1}}
	if !maps.Equal(s.Topics, want) {
		t.Errorf("topics %v, want %v", s.Topics, want)
	}
	for _, l := range faq.Langs {
		if s.Languages[l.String()] != 1 {
			t.Errorf("languages %v, want 1 for each", s.Languages)
		}
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(obj))
	if want := []string{"answers_without_sources", "errors", "languages", "topics", "warnings"}; !slices.Equal(keys, want) {
		t.Errorf("JSON keys %v, want %v", keys, want)
	}
	if string(obj["errors"]) != "[]" || string(obj["warnings"]) != "[]" {
		t.Errorf("errors %s, warnings %s; want empty arrays", obj["errors"], obj["warnings"])
	}
}

func TestSummarizeNilContent(t *testing.T) {
	_, ps, _ := faq.Load(overlay(t, "goto"), testOptions())
	data, err := json.Marshal(faq.Summarize(nil, ps))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"topics":{},"languages":{},"answers_without_sources":0,"warnings":[],"errors":[` +
		`"content/faq/extra.yaml:6:11: goto: no node with id \"no-such-node\"",` +
		`"content/faq/extra.yaml:9:11: goto cycle: extra-a -\u003e extra-b -\u003e extra-a",` +
		`"content/faq/extra.yaml:15:11: goto cycle: extra-self -\u003e extra-self",` +
		`"content/faq/extra.yaml:19:5: a goto node has only id, title, goto, keywords and questions; remove \"text\"",` +
		`"content/faq/extra.yaml:20:5: a goto node has only id, title, goto, keywords and questions; remove \"reviewed\""]}`
	if string(data) != want {
		t.Errorf("JSON\n got %s\nwant %s", data, want)
	}
}

// TestValidate summarises content with errors: the counts cover what could
// be read, so a half-translated draft shows its progress.
func TestValidate(t *testing.T) {
	s := faq.Validate(overlay(t, "languages"), testOptions())
	if len(s.Errors) != 7 || s.Topics["extra"] != (faq.TopicSummary{Nodes: 2, Answers: 1}) {
		t.Errorf("errors %d, topics %v", len(s.Errors), s.Topics)
	}
	// 11 nodes; the extra root has text in uk only and lacks ru in its
	// title, the extra answer has text in uk only.
	want := map[string]float64{"uk": 1, "pl": 9.0 / 11, "ru": 9.0 / 11, "en": 9.0 / 11}
	if !maps.Equal(s.Languages, want) {
		t.Errorf("languages %v, want %v", s.Languages, want)
	}
	if s := faq.Validate(overlay(t, "answer"), testOptions()); s.AnswersWithoutSources != 3 {
		// extra-bare, extra-empty-sources, and extra-menu whose children are empty.
		t.Errorf("answers without sources: %d, want 3", s.AnswersWithoutSources)
	}
}
