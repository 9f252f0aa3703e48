package telegram

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// A scanner walks JSON in place without building values: the Bot API's
// answers and update batches are read in one pass, and only the few parts
// the adapter needs are decoded. It checks the syntax as encoding/json
// does (json.Valid), so a truncated or foreign body is an error.
type scanner struct {
	b []byte
	i int
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// jsonError is a syntax error at an offset; it never quotes the input.
type jsonError struct {
	off  int
	want string
}

func (e *jsonError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: want %s", e.off, e.want)
}

func (s *scanner) fail(want string) error { return &jsonError{off: s.i, want: want} }

// next skips white space and returns the next byte, 0 at the end.
func (s *scanner) next() byte {
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// atEnd reports whether only white space is left.
func (s *scanner) atEnd() bool {
	s.next()
	return s.i >= len(s.b)
}

// value skips one value at nesting depth.
func (s *scanner) value(depth int) error {
	switch c := s.next(); {
	case c == '{':
		return s.object(depth+1, nil)
	case c == '[':
		return s.array(depth+1, nil)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.fail("a value")
}

// object reads the object at s.i. For each member, field is called with
// the key (unescaped) and s.i at the value, and must consume the value; a
// nil field skips them all.
func (s *scanner) object(depth int, field func(key []byte) error) error {
	if depth > maxDepth {
		return s.fail("less nesting")
	}
	s.i++ // '{'
	if s.next() == '}' {
		s.i++
		return nil
	}
	for {
		if s.next() != '"' {
			return s.fail("an object key")
		}
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		if s.next() != ':' {
			return s.fail("':'")
		}
		s.i++
		if field == nil {
			err = s.value(depth)
		} else {
			err = field(unescapeKey(raw, esc))
		}
		if err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("',' or '}'")
		}
	}
}

// unescapeKey returns a key's text; raw is between the quotes.
func unescapeKey(raw []byte, esc bool) []byte {
	if !esc {
		return raw
	}
	var k string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	_ = json.Unmarshal(quoted, &k) // valid: str checked the escapes
	return []byte(k)
}

// array reads the array at s.i, calling elem with s.i at each element (it
// must consume it); a nil elem skips them.
func (s *scanner) array(depth int, elem func() error) error {
	if depth > maxDepth {
		return s.fail("less nesting")
	}
	s.i++ // '['
	if s.next() == ']' {
		s.i++
		return nil
	}
	for {
		var err error
		if elem == nil {
			err = s.value(depth)
		} else {
			s.next()
			err = elem()
		}
		if err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("',' or ']'")
		}
	}
}

// str reads the string at s.i and returns its raw content between the
// quotes and whether it holds escapes.
func (s *scanner) str() (raw []byte, esc bool, err error) {
	s.i++ // '"'
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, esc, nil
		case c == '\\':
			esc = true
			if s.i+1 >= len(s.b) {
				return nil, false, s.fail("an escape")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, false, s.fail("four hex digits")
				}
				s.i += 6
			default:
				return nil, false, s.fail("an escape")
			}
		case c < 0x20:
			return nil, false, s.fail("no control character in a string")
		default:
			s.i++
		}
	}
	return nil, false, s.fail("'\"'")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case !s.digits():
		return s.fail("a digit")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return s.fail("a digit")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return s.fail("a digit")
		}
	}
	return nil
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return s.fail(lit)
	}
	s.i += len(lit)
	return nil
}

// span skips one value and returns its text.
func (s *scanner) span(depth int) ([]byte, error) {
	s.next()
	start := s.i
	err := s.value(depth)
	return s.b[start:s.i], err
}

// decode skips one value and decodes it into v with encoding/json, for
// the rare parts whose exact decoding rules matter more than speed.
func (s *scanner) decode(depth int, v any) error {
	raw, err := s.span(depth)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// int64Of parses a JSON number token as encoding/json does into an int64:
// an integer without fraction or exponent, in range.
func int64Of(tok []byte) (int64, bool) {
	neg := len(tok) > 0 && tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	if len(tok) == 0 || len(tok) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n <= 1<<63:
		return int64(-n), true // -(1<<63) wraps to itself: MinInt64
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as with encoding/json; HTML characters are not escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// splitArray returns the elements of a JSON array, within b; null is an
// empty array, as for encoding/json.
func splitArray(b []byte) ([]json.RawMessage, error) {
	s := scanner{b: b}
	var out []json.RawMessage
	switch s.next() {
	case 'n':
		if err := s.literal("null"); err != nil {
			return nil, err
		}
	case '[':
		err := s.array(1, func() error {
			raw, err := s.span(1)
			out = append(out, raw)
			return err
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, s.fail("an array")
	}
	if !s.atEnd() {
		return nil, s.fail("the end")
	}
	return out, nil
}
