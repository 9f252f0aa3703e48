package telegramtest

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanKeyboard reads the usual shape of an inline keyboard markup,
// {"inline_keyboard":[[{"text":"…","callback_data":"…"},…],…]}, whose
// button fields are text, callback_data and url with strings, without
// reflection: clients send little else, and the fake
// parses every keyboard of every send. ok is false for any other input,
// which parseKeyboard then decodes with encoding/json; for the inputs
// scanKeyboard takes, both ways give the same fields (the last of
// repeated keys wins, as in a decoded map).
func scanKeyboard(markup string) (rows [][]buttonField, ok bool) {
	sc := scanner{s: markup}
	if !sc.byte('{') || sc.str() != "inline_keyboard" || !sc.byte(':') || !sc.byte('[') {
		return nil, false
	}
	for first := true; !sc.byte(']'); first = false {
		if (!first && !sc.byte(',')) || !sc.byte('[') {
			return nil, false
		}
		var row []buttonField
		for firstB := true; !sc.byte(']'); firstB = false {
			if !firstB && !sc.byte(',') {
				return nil, false
			}
			f, ok := sc.button()
			if !ok {
				return nil, false
			}
			row = append(row, f)
		}
		if sc.bad {
			return nil, false
		}
		rows = append(rows, row)
	}
	if sc.bad || !sc.byte('}') {
		return nil, false
	}
	sc.space()
	return rows, sc.i == len(sc.s)
}

// scanner reads a small subset of JSON; bad is set once input left it.
type scanner struct {
	s   string
	i   int
	bad bool
}

func (sc *scanner) space() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == '\n' || sc.s[sc.i] == '\r') {
		sc.i++
	}
}

// byte skips white space and then c, reporting whether c was there.
func (sc *scanner) byte(c byte) bool {
	sc.space()
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	if sc.i >= len(sc.s) {
		sc.bad = true
	}
	return false
}

// str reads a string whose escapes are simple (\n, \", \u0026, …; no
// surrogates) and which holds no control characters or invalid UTF-8; on
// anything else it sets bad and returns "".
func (sc *scanner) str() string {
	if !sc.byte('"') {
		sc.bad = true
		return ""
	}
	start := sc.i
	var esc []byte // the unescaped string once an escape was seen
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '"':
			v := sc.s[start:sc.i]
			sc.i++
			if !utf8.ValidString(v) {
				sc.bad = true
				return ""
			}
			if esc != nil {
				return string(append(esc, v...))
			}
			return v
		case c == '\\':
			if esc == nil {
				esc = make([]byte, 0, len(sc.s)-start)
			}
			if !utf8.ValidString(sc.s[start:sc.i]) {
				sc.bad = true
				return ""
			}
			esc = append(esc, sc.s[start:sc.i]...)
			r, n := unescape(sc.s[sc.i:])
			if n == 0 {
				sc.bad = true
				return ""
			}
			esc = utf8.AppendRune(esc, r)
			sc.i += n
			start = sc.i
			continue
		case c < 0x20:
			sc.bad = true
			return ""
		}
		sc.i++
	}
	sc.bad = true
	return ""
}

// unescape decodes the escape at the start of s and its length; n is 0
// for an escape scanKeyboard leaves to encoding/json (surrogates).
func unescape(s string) (r rune, n int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		if len(s) < 6 {
			return 0, 0
		}
		v, err := strconv.ParseUint(s[2:6], 16, 32)
		if err != nil || utf16.IsSurrogate(rune(v)) {
			return 0, 0
		}
		return rune(v), 6
	}
	return 0, 0
}

// button reads a button object of text, callback_data and url fields.
func (sc *scanner) button() (buttonField, bool) {
	if !sc.byte('{') {
		return nil, false
	}
	var v [3]string
	var present [3]bool
	for first := true; !sc.byte('}'); first = false {
		if !first && !sc.byte(',') {
			return nil, false
		}
		k := buttonKey(sc.str())
		if k < 0 || !sc.byte(':') {
			return nil, false
		}
		v[k], present[k] = sc.str(), true
		if sc.bad {
			return nil, false
		}
	}
	if sc.bad {
		return nil, false
	}
	return func(key string) (string, bool, bool) {
		k := buttonKey(key)
		if k < 0 || !present[k] {
			return "", false, false
		}
		return v[k], true, true
	}, true
}

// buttonKey numbers the button fields scanKeyboard reads; -1 for others.
func buttonKey(k string) int {
	switch k {
	case "text":
		return 0
	case "callback_data":
		return 1
	case "url":
		return 2
	}
	return -1
}
