package content_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

// reviewDay is the date the shipped content was last reviewed against; the
// validator's age warning is measured from it so this test does not start
// failing on its own as the calendar moves (CI runs `infopunkt validate`
// against the real clock and reports staleness there).
var reviewDay = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

func load(t *testing.T) (*faq.Content, faq.Summary) {
	t.Helper()
	c, probs, err := faq.Load(content.FS(), faq.Options{Name: "content", Now: func() time.Time { return reviewDay }})
	if err != nil {
		t.Fatalf("shipped content does not load:\n%s", probs.Error())
	}
	if w := probs.Warnings(); len(w) > 0 {
		t.Errorf("shipped content has warnings:\n%s", faq.Problems(w).Error())
	}
	return c, faq.Summarize(c, probs)
}

// TestCoverage pins the minimum coverage the info point promised, so it
// cannot silently drop when someone edits a file.
func TestCoverage(t *testing.T) {
	_, sum := load(t)
	minAnswers := map[string]int{"legal": 25, "work": 15, "housing": 15, "health": 5, "life": 5}
	for topic, min := range minAnswers {
		got, ok := sum.Topics[topic]
		if !ok {
			t.Errorf("topic %q is missing", topic)
			continue
		}
		if got.Answers < min {
			t.Errorf("topic %q has %d answers, want at least %d", topic, got.Answers, min)
		}
	}
	for _, lang := range []string{"uk", "pl", "ru", "en"} {
		if share := sum.Languages[lang]; share != 1 {
			t.Errorf("language %s covers %.3f of nodes, want 1", lang, share)
		}
	}
	if sum.AnswersWithoutSources != 0 {
		t.Errorf("%d answers have no sources", sum.AnswersWithoutSources)
	}
}

// officialHosts are the domains answers may cite: government, the
// voivodeship office, the labour office, the city, ZUS, NFZ and the laws.
var officialHosts = []string{
	"gov.pl", "duw.pl", "praca.gov.pl", "wroclaw.pl", "zus.pl", "nfz.gov.pl", "nfz-wroclaw.pl",
	"pip.gov.pl", "migrant.info.pl", "europa.eu", "certyfikatpolski.pl", "urbancard.pl",
	"mpk.wroc.pl", "policja.pl", "nawa.gov.pl", "rpo.gov.pl", "ms.gov.pl", "rf.gov.pl",
}

func official(host string) bool {
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	for _, h := range officialHosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// TestAnswersCiteOfficialSources checks every answer cites at least one
// official source over https and carries the November or December 2026
// review (answers checked again in December 2026 carry 2026-12).
func TestAnswersCiteOfficialSources(t *testing.T) {
	c, _ := load(t)
	for id, n := range c.Nodes {
		if !n.IsAnswer() {
			continue
		}
		hasOfficial := false
		for _, s := range n.Sources {
			u, err := url.Parse(s)
			if err != nil || u.Scheme != "https" {
				t.Errorf("%s: source %q is not an https URL", id, s)
				continue
			}
			hasOfficial = hasOfficial || official(u.Host)
		}
		if !hasOfficial {
			t.Errorf("%s: no official source among %q", id, n.Sources)
		}
		if m := n.Reviewed.Format("2006-01"); m != "2026-11" && m != "2026-12" {
			t.Errorf("%s: reviewed %s, want 2026-11 or 2026-12", id, n.Reviewed.Format("2006-01-02"))
		}
	}
}

// TestEveryTopicReachesAConsultant checks each topic offers a consultant.
func TestEveryTopicReachesAConsultant(t *testing.T) {
	c, _ := load(t)
	for _, tp := range c.Topics {
		if !reachesHandoff(tp.Root) {
			t.Errorf("topic %s has no way to reach a consultant", tp.ID)
		}
	}
}

func reachesHandoff(n *faq.Node) bool {
	for _, a := range n.Actions {
		if a.Kind == faq.ActionHandoff {
			return true
		}
	}
	for _, ch := range n.Children {
		if reachesHandoff(ch) {
			return true
		}
	}
	return false
}

// TestSearchFindsKeyAnswers replays questions people really type, in
// several alphabets, and checks the expected answer is among the (at most
// three) results the user is shown.
func TestSearchFindsKeyAnswers(t *testing.T) {
	c, _ := load(t)
	cases := []struct {
		lang  faq.Lang
		query string
		want  string
	}{
		{faq.UK, "karta pobytu", "legal-karta-pobytu"},
		{faq.UK, "карта побуту", "legal-karta-pobytu"},
		{faq.RU, "карта побыту", "legal-karta-pobytu"},
		{faq.UK, "песель", "legal-pesel"}, // PESEL UKR may rank first: both are shown
		{faq.EN, "pesel number", "legal-pesel"},
		{faq.PL, "zameldowanie", "legal-zameldowanie"},
		{faq.UK, "кауція", "housing-deposit"},
		{faq.RU, "залог за квартиру", "housing-deposit"},
		{faq.PL, "płaca minimalna", "work-minimum-wage"},
		{faq.UK, "umowa zlecenie", "work-contract-zlecenie"},
		{faq.EN, "emergency number", ""},
	}
	for _, tc := range cases {
		hits := c.Index.Search(tc.query, tc.lang, 3)
		if len(hits) == 0 {
			t.Errorf("%s %q: no hits", tc.lang, tc.query)
			continue
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Node.ID)
		}
		if tc.want != "" && !slices.Contains(got, tc.want) {
			t.Errorf("%s %q: got %q, want %s among them", tc.lang, tc.query, got, tc.want)
		}
	}
}
