package faq

import "strings"

// langStems are folded beginnings of each language's name in the four
// languages ("українська", "украинский", "ukrainian", "ukraiński" all fold
// to words starting "ukr").
var langStems = [NumLangs][]string{
	UK: {"ukr"},
	PL: {"pols", "polish"},
	RU: {"rus", "rosi"},
	EN: {"anhl", "anhie", "enhl"},
}

// langFillers are words around a typed language name that do not change it:
// "по-русски", "po polsku", "english please", "українська мова".
var langFillers = foldSet(strings.Fields(`po na v in mova movi movoiu iazik iazike iazikom język języku language
	please proszę prosze пожалуйста будь ласка bud laska я i хочу chcę want the`))

// ParseLangName maps a typed language name or code in any of the four
// languages ("русский", "ru", "polski", "англ", "українська", "English",
// "по-русски") to a content language. It reports false for anything else,
// including longer messages that merely contain a language name.
func ParseLangName(s string) (Lang, bool) {
	if l, ok := ParseLang(s); ok {
		return l, true
	}
	words := strings.Fields(Fold(s))
	if len(words) > 4 {
		return 0, false
	}
	var name string
	for _, w := range words {
		if langFillers[w] {
			continue
		}
		if name != "" {
			return 0, false
		}
		name = w
	}
	if l, ok := ParseLang(name); ok {
		return l, true
	}
	for _, l := range Langs {
		for _, stem := range langStems[l] {
			if strings.HasPrefix(name, stem) || len(name) == 3 && strings.HasPrefix(stem, name) {
				return l, true
			}
		}
	}
	return 0, false
}

// greetings are folded words that only greet or thank.
var greetings = foldSet(strings.Fields(`привіт привет вітаю добрий добрий день доброго ранку вечір вечора здравствуйте здрастуйте
	добрый добрый утро вечер дякую спасибо dzień dobry cześć czesc witam witaj dziękuję dzieki dzięki siema hej hello hi hey
	thanks thank you good morning evening afternoon день ok ок okay dobrze добре хорошо hallo hola salut ciao servus`))

// IsGreeting reports whether s only greets or thanks ("Привіт!", "Dzień
// dobry", "thanks"): a message to answer with the menu, not to search.
func IsGreeting(s string) bool {
	words := strings.Fields(Fold(s))
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		if !greetings[w] && !stopwords[w] {
			return false
		}
	}
	return true
}
