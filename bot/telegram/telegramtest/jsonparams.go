package telegramtest

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// paramValue is a JSON body's member as a parameter: a string's value,
// the JSON text of anything else (null reads as "", as it decodes into a
// string).
func paramValue(v json.RawMessage) string {
	var str string
	if json.Unmarshal(v, &str) == nil {
		return str
	}
	return string(v)
}

// splitObject sets p's parameters from a JSON object body as decoding it
// into a map of json.RawMessage and each value by paramValue would, and
// reports whether it did; false (p untouched) for a body that is no valid
// JSON object, which the caller decodes with encoding/json for its error.
// Every call of a bot with a JSON body comes this way, and decoding it into
// a map costs more than all the rest of the call.
func splitObject(body []byte, p params) bool {
	if !json.Valid(body) {
		return false
	}
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	i := 1
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			return true
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		kEnd := stringEnd(b, i)
		key := jsonStringValue(b[i:kEnd])
		i = skipSpace(b, kEnd)
		i = skipSpace(b, i+1) // the colon
		vEnd := valueEnd(b, i)
		v := b[i:vEnd]
		switch v[0] {
		case '"':
			p[key] = jsonStringValue(v)
		case 'n':
			p[key] = "" // null
		default:
			p[key] = string(v)
		}
		i = vEnd
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index after the valid JSON string starting at i.
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// valueEnd returns the index after the valid JSON value starting at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	return i
}

// jsonStringValue decodes the valid JSON string q (quotes included).
func jsonStringValue(q []byte) string {
	inner := q[1 : len(q)-1]
	if !utf8.Valid(inner) {
		var s string
		_ = json.Unmarshal(q, &s) // valid: cannot fail
		return s
	}
	esc := bytes.IndexByte(inner, '\\')
	if esc < 0 {
		return string(inner)
	}
	out := make([]byte, 0, len(inner))
	for esc >= 0 {
		out = append(out, inner[:esc]...)
		r, n := unescape(string(inner[esc:min(esc+6, len(inner))]))
		if n == 0 { // a surrogate pair: encoding/json's business
			var s string
			_ = json.Unmarshal(q, &s)
			return s
		}
		out = utf8.AppendRune(out, r)
		inner = inner[esc+n:]
		esc = bytes.IndexByte(inner, '\\')
	}
	return string(append(out, inner...))
}
