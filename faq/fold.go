package faq

import (
	"strings"
	"unicode"
)

// runeFold maps a lowercase letter to its Latin spelling. Cyrillic follows
// a simple Ukrainian-friendly transliteration (г is h, и/і/ї/й/ы are i); Polish
// and other Latin diacritics are stripped, except letters that stand for a
// sound written with two letters elsewhere (ż, ž as zh; š as sh; č as ch).
var runeFold = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e", 'є': "e",
	'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'і': "i", 'ї': "i", 'й': "i", 'к': "k",
	'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ў': "u", 'ф': "f", 'х': "h", 'ц': "c", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "i", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'ą': "a", 'ć': "c", 'ę': "e", 'ł': "l", 'ń': "n", 'ó': "o", 'ś': "s", 'ź': "z", 'ż': "zh",
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ç': "c", 'č': "ch",
	'ď': "d", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ě': "e", 'ē': "e", 'ì': "i", 'í': "i",
	'î': "i", 'ï': "i", 'ī': "i", 'ı': "i", 'ľ': "l", 'ĺ': "l", 'ñ': "n", 'ň': "n", 'ò': "o",
	'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ř': "zh", 'š': "sh", 'ş': "sh", 'ť': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ů': "u", 'ū': "u", 'ý': "i", 'ÿ': "i", 'ž': "zh",
	'ğ': "g", 'ß': "ss",
	// Apostrophes inside Ukrainian words (об'єкт) and accent marks vanish.
	'’': "", 'ʼ': "", '´': "", '\u0301': "",
}

// digraphs fold Latin spellings of one sound to one form, so Polish,
// English and transliterated spellings meet: "szkoła" and "shkola",
// "rz" and "ż" (zh), "kh" and "h", "ts" and "c".
var digraphs = [...]struct{ from, to string }{
	{"sz", "sh"}, {"cz", "ch"}, {"rz", "zh"}, {"kh", "h"}, {"ts", "c"},
}

// Fold normalises text for search: lowercase, diacritics stripped, Cyrillic
// transliterated, spelling variants folded (y/i/j → i, w → v, g → h,
// sz → sh, cz → ch, rz/ż → zh, kh → h, ts → c), doubled letters collapsed
// and everything that is not a letter or digit turned into single spaces.
// "Карта побиту", "karta pobytu" and "KARTA POBYTU" all fold to
// "karta pobitu"; "песель" and "PESEL" to "pesel".
func Fold(s string) string {
	return foldLatin(transliterate(s))
}

// transliterate lowercases s and spells it in Latin letters, with single
// spaces between words.
func transliterate(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	space := true
	for _, r := range s {
		if r < 0x80 {
			space = foldASCII(&b, byte(r), space)
			continue
		}
		r = unicode.ToLower(r)
		if m, ok := runeFold[r]; ok {
			b.WriteString(m)
			space = space && m == ""
			continue
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		case unicode.Is(unicode.Mn, r):
			// A combining mark from decomposed input: drop it.
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return b.String()
}

// foldASCII writes the lowercase letter or digit c, drops an apostrophe
// and turns anything else into a space unless one was just written. It
// returns whether the output now ends in a space.
func foldASCII(b *strings.Builder, c byte, space bool) bool {
	switch {
	case c >= 'A' && c <= 'Z':
		b.WriteByte(c + 'a' - 'A')
	case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		b.WriteByte(c)
	case c == '\'' || c == '`':
		return space
	case !space:
		b.WriteByte(' ')
		return true
	default:
		return true
	}
	return false
}

// foldLatin applies the digraph and letter folds and collapses doubled
// letters ("adress", "zamelduvannia" vs "zameldowanie").
func foldLatin(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c, step := foldAt(s, i)
		i += step
		for j := 0; j < len(c); j++ {
			if n := len(out); n > 0 && out[n-1] == c[j] && c[j] >= 'a' && c[j] <= 'z' {
				continue
			}
			out = append(out, c[j])
		}
	}
	return strings.TrimSpace(string(out))
}

// foldAt returns the folded spelling of the letter or digraph at s[i] and
// how many extra bytes it consumed.
func foldAt(s string, i int) (string, int) {
	if i+1 < len(s) {
		for _, d := range digraphs {
			if s[i] == d.from[0] && s[i+1] == d.from[1] {
				return d.to, 1
			}
		}
	}
	switch s[i] {
	case 'y', 'j':
		return "i", 0
	case 'w':
		return "v", 0
	case 'g':
		return "h", 0
	case 'q':
		return "k", 0
	}
	return s[i : i+1], 0
}
