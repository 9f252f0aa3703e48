package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

func shippedEngine(t *testing.T) (*bot.Engine, *faq.Content) {
	t.Helper()
	c, probs, err := faq.Load(content.FS(), faq.Options{Name: "content"})
	if err != nil {
		t.Fatalf("shipped content: %v\n%s", err, probs.Error())
	}
	return bot.NewEngine(c), c
}

// ask types q in a browsing chat and returns the replies.
func ask(t *testing.T, e *bot.Engine, lang, q string) bot.Result {
	t.Helper()
	st := browsing(t, e, lang)
	return e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateText, Text: q, Time: fixedNow()})
}

// shown lists the nodes a result opens or offers: the answer's title, or
// the node ids of the choice buttons.
func shown(c *faq.Content, res bot.Result) []string {
	var out []string
	for _, r := range res.Replies {
		for _, e := range res.Effects {
			if e.Kind == bot.EffectView && r.Title != "" && c.Node(e.Node) != nil && r.Title == c.Node(e.Node).Title.In(r.Lang) {
				out = append(out, e.Node)
			}
		}
		for _, row := range r.Buttons {
			for _, b := range row {
				if id, ok := strings.CutPrefix(b.Data, "n:"); ok {
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// TestShippedKnownMisses replays the misses issue 11 reported against the
// shipped content: each must now lead with the right answer, or say that
// nothing matched where the content has no answer.
func TestShippedKnownMisses(t *testing.T) {
	e, c := shippedEngine(t)
	tests := []struct {
		lang, q string
		first   []string // acceptable first nodes; nil: a miss (EffectUnanswered)
	}{
		{"en", "my husband hits me", []string{"life-domestic-violence"}},
		{"ru", "муж бьет что делать", []string{"life-domestic-violence"}},
		{"uk", "лікар", []string{"health-family-doctor"}},
		{"ru", "vrach", []string{"health-family-doctor"}},
		{"ru", "как найти врача", []string{"health-family-doctor"}},
		{"uk", "де знайти роботу", []string{"work-job-offers"}},
		{"uk", "скільки днів відпустки", []string{"work-leave"}},
		{"uk", "песель", []string{"legal-pesel"}},
		{"en", "how do I get a pesel", []string{"legal-pesel"}},
		{"en", "buy sim card", []string{"life-sim-card"}},
		{"uk", "800 плюс як оформити", []string{"life-800plus"}},
		{"uk", "як приготувати борщ", nil},
	}
	for _, tt := range tests {
		res := ask(t, e, tt.lang, tt.q)
		got := shown(c, res)
		missed := slices.ContainsFunc(res.Effects, func(e bot.Effect) bool { return e.Kind == bot.EffectUnanswered })
		switch {
		case tt.first == nil && !missed:
			t.Errorf("%s %q: shows %v, want nothing matched", tt.lang, tt.q, got)
		case tt.first != nil && (len(got) == 0 || !slices.Contains(tt.first, got[0])):
			t.Errorf("%s %q: shows %v, want %v first", tt.lang, tt.q, got, tt.first)
		}
	}
}

// TestShippedConsultantLooksTheSame: "talk to human" offers one consultant,
// and every topic's consultant answer has the consultant button's label.
func TestShippedConsultantLooksTheSame(t *testing.T) {
	e, c := shippedEngine(t)
	for _, lang := range []string{"uk", "pl", "ru", "en"} {
		l, _ := faq.ParseLang(lang)
		want := c.Messages.Get("btn_consultant", l)
		res := ask(t, e, lang, "talk to human")
		var labels []string
		for _, r := range res.Replies {
			for _, row := range r.Buttons {
				for _, b := range row {
					if b.Label == want {
						labels = append(labels, b.Data)
					}
				}
			}
		}
		if len(labels) == 0 || len(labels) > 2 { // the consultant answer (or its choice) and at most the direct button
			t.Errorf("%s: consultant buttons %v", lang, labels)
		}
		for _, tp := range c.Topics {
			st := browsing(t, e, lang)
			res := e.Handle(st, true, bot.Update{Chat: "test:1", Kind: bot.UpdateButton, Data: "n:" + tp.ID, Time: fixedNow()})
			for _, row := range res.Replies[0].Buttons {
				for _, b := range row {
					if strings.HasSuffix(b.Data, "-consultant") && b.Label != want {
						t.Errorf("%s topic %s: consultant node button %q, want %q", lang, tp.ID, b.Label, want)
					}
				}
			}
		}
	}
}
