package telegramtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// allowedTags are the tags Telegram's HTML parse mode accepts.
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "tg-emoji": true, "code": true, "pre": true, "blockquote": true,
}

var namedEntities = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "quot": '"'}

// parseHTML checks s the way Telegram's HTML parse mode does and returns the
// visible text. A bare '&' that starts no entity is an error here.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("can't find end of the tag at byte offset %d", i)
			}
			var err error
			stack, err = tag(s[i+1:i+end], stack, i)
			if err != nil {
				return "", err
			}
			i += end + 1
		case '&':
			r, n, err := entity(s[i:])
			if err != nil {
				return "", fmt.Errorf("%v at byte offset %d", err, i)
			}
			out.WriteRune(r)
			i += n
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("can't find end tag corresponding to start tag %q", stack[len(stack)-1])
	}
	if !utf8.ValidString(out.String()) {
		return "", errors.New("strings must be encoded in UTF-8")
	}
	return out.String(), nil
}

// tag applies the tag whose inside (between < and >) is in, at offset off.
func tag(in string, stack []string, off int) ([]string, error) {
	if name, ok := strings.CutPrefix(in, "/"); ok {
		name = strings.ToLower(strings.TrimSpace(name))
		if len(stack) == 0 {
			return nil, fmt.Errorf("unexpected end tag at byte offset %d", off)
		}
		if top := stack[len(stack)-1]; top != name {
			return nil, fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", off, top, name)
		}
		return stack[:len(stack)-1], nil
	}
	name, attrs, _ := strings.Cut(in, " ")
	name = strings.ToLower(name)
	if !allowedTags[name] {
		return nil, fmt.Errorf("unsupported start tag %q at byte offset %d", name, off)
	}
	switch name {
	case "a":
		if !strings.Contains(attrs, "href=") {
			return nil, fmt.Errorf("tag \"a\" must have attribute \"href\" at byte offset %d", off)
		}
		if strings.Count(attrs, `"`)%2 != 0 {
			return nil, fmt.Errorf("unclosed attribute value at byte offset %d", off)
		}
	case "span":
		if !strings.Contains(attrs, "tg-spoiler") {
			return nil, fmt.Errorf("tag \"span\" must have class \"tg-spoiler\" at byte offset %d", off)
		}
	}
	return append(stack, name), nil
}

// entity decodes the entity at the start of s, returning the rune and the
// number of bytes it spans.
func entity(s string) (rune, int, error) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0, errors.New("character '&' must be escaped as \"&amp;\"")
	}
	name := s[1:end]
	if r, ok := namedEntities[name]; ok {
		return r, end + 1, nil
	}
	num, ok := strings.CutPrefix(name, "#")
	if !ok {
		return 0, 0, fmt.Errorf("unsupported HTML entity %q", "&"+name+";")
	}
	base := 10
	if h, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
		num, base = h, 16
	}
	v, err := strconv.ParseUint(num, base, 32)
	if err != nil || v == 0 || v > utf8.MaxRune {
		return 0, 0, fmt.Errorf("invalid numeric entity %q", "&"+name+";")
	}
	return rune(v), end + 1, nil
}

// utf16Len counts s in UTF-16 code units, as Telegram measures text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
