package faq_test

import (
	"strings"
	"testing"

	"github.com/infopunkt/infopunkt/faq"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"karta pobytu", "karta pobitu"},
		{"Карта побиту", "karta pobitu"},
		{"KARTA POBYTU!", "karta pobitu"},
		{"песель", "pesel"},
		{"пésel", "pesel"},
		{"PESEL", "pesel"},
		{"Żółw", "zholv"},
		{"rzeka", "zheka"},
		{"жека", "zheka"},
		{"szkoła", "shkola"},
		{"школа", "shkola"},
		{"czas", "chas"},
		{"час", "chas"},
		{"щастя", "shchastia"},
		{"szczęście", "shchescie"},
		{"Харків", "harkiv"},
		{"Kharkiv", "harkiv"},
		{"об'єкт", "obekt"},
		{"об’єкт", "obekt"},
		{"юрист", "iurist"},
		{"jurist", "iurist"},
		{"Wrocław", "vroclav"},
		{"гміна", "hmina"},
		{"gmina", "hmina"},
		{"ЦЕНТР", "centr"},
		{"tsentr", "centr"},
		{"address", "adres"},
		{"  a,b;;c  ", "a b c"},
		{"800+ zł", "800 zl"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := faq.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"karta pobytu", "Щастя", "\xff", "ﬁ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := faq.Fold(s)
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got || strings.ToLower(got) != got {
			t.Errorf("Fold(%q) = %q: want lowercase words separated by single spaces", s, got)
		}
	})
}
