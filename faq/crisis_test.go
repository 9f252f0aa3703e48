package faq_test

import (
	"testing"

	"github.com/infopunkt/infopunkt/faq"
)

func TestCrisisMatch(t *testing.T) {
	c := shippedContent(t)
	tests := []struct {
		text, group string
		lang        faq.Lang
	}{
		{"Муж бьет, что делать?", "violence-home", faq.RU},
		{"muzh b'et menya", "violence-home", faq.RU},
		{"Мій чоловік мене б'є", "violence-home", faq.UK},
		{"maz mnie bije", "violence-home", faq.PL},
		{"my husband hits me", "violence-home", faq.EN},
		{"хочу вмерти", "suicide", faq.UK},
		{"хочу вмерит", "suicide", faq.UK}, // letters swapped
		{"nie chce zyc", "suicide", faq.PL},
		{"nie mam gdzie spac", "no-shelter", faq.PL},
		{"погрожує вбити", "threats", faq.UK},
		{"nieprzytomny mężczyzna", "medical", faq.PL},
		{"", "", 0},
		{"як отримати PESEL", "", 0},
		{"umowa najmu i kaucja", "", 0},
		{"чоловік хоче отримати карту побиту", "", 0},
	}
	for _, tt := range tests {
		groups, lang := c.Crisis.Match(tt.text)
		got := ""
		if len(groups) > 0 {
			got = groups[0].ID
		}
		if got != tt.group || (got != "" && lang != tt.lang) {
			t.Errorf("Match(%q) = %q in %v, want %q in %v", tt.text, got, lang, tt.group, tt.lang)
		}
	}
	var nilCrisis *faq.Crisis
	if g, _ := nilCrisis.Match("хочу вмерти"); g != nil {
		t.Errorf("nil Crisis matched %v", g)
	}
}

func TestParseLangName(t *testing.T) {
	tests := []struct {
		in   string
		want faq.Lang
		ok   bool
	}{
		{"русский", faq.RU, true}, {"ru", faq.RU, true}, {"по-русски", faq.RU, true}, {"російська", faq.RU, true},
		{"polski", faq.PL, true}, {"po polsku", faq.PL, true}, {"польська", faq.PL, true}, {"Polish", faq.PL, true},
		{"англ", faq.EN, true}, {"English", faq.EN, true}, {"англійська мова", faq.EN, true}, {"angielski", faq.EN, true},
		{"українська", faq.UK, true}, {"укр", faq.UK, true}, {"Ukrainian", faq.UK, true}, {"UA", faq.UK, true},
		{"курси польської мови", 0, false}, {"karta pobytu", 0, false}, {"", 0, false}, {"police", 0, false},
	}
	for _, tt := range tests {
		got, ok := faq.ParseLangName(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseLangName(%q) = %v, %t; want %v, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsGreeting(t *testing.T) {
	for in, want := range map[string]bool{
		"Привіт!": true, "Dzień dobry": true, "hello": true, "Добрый день": true, "дякую": true,
		"привіт, де знайти роботу": false, "pesel": false, "": false,
	} {
		if got := faq.IsGreeting(in); got != want {
			t.Errorf("IsGreeting(%q) = %t, want %t", in, got, want)
		}
	}
}
