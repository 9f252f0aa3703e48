package telegramtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// marshal is json.Marshal for the values handlers answer with: the maps
// of msgJSON and friends are appended directly (reflection over maps of
// any, with their keys sorted, was most of the fake's cost of answering a
// send), anything else goes through encoding/json. The bytes are the
// same either way.
func marshal(v any) ([]byte, error) {
	if b, ok := appendJSON(nil, v); ok {
		return b, nil
	}
	return json.Marshal(v)
}

// appendJSON appends v as json.Marshal writes it; ok is false when v holds
// a type it leaves to encoding/json.
func appendJSON(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case string:
		return appendJSONString(b, x), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case map[string]any:
		return appendObject(b, x)
	case []any:
		return appendArray(b, x, appendJSON)
	case []map[string]any:
		return appendArray(b, x, appendObject)
	case [][]InlineButton:
		return appendKeyboard(b, x), true
	}
	return b, false
}

func appendObject(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = appendJSON(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendArray appends a, each element by elem; nil is null, as
// json.Marshal writes a nil slice.
func appendArray[T any](b []byte, a []T, elem func([]byte, T) ([]byte, bool)) ([]byte, bool) {
	if a == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = elem(b, v); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendKeyboard appends rows as json.Marshal writes InlineButton's tags.
func appendKeyboard(b []byte, rows [][]InlineButton) []byte {
	if rows == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		if row == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, btn := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"text":`...)
			b = appendJSONString(b, btn.Text)
			if btn.CallbackData != "" {
				b = append(b, `,"callback_data":`...)
				b = appendJSONString(b, btn.CallbackData)
			}
			if btn.URL != "" {
				b = append(b, `,"url":`...)
				b = appendJSONString(b, btn.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendJSONString appends s quoted as json.Marshal quotes it.
func appendJSONString(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029', r == utf8.RuneError:
			q, _ := json.Marshal(s) // a string: cannot fail
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
