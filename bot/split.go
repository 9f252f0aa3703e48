package bot

import (
	"strings"
	"unicode/utf8"
)

// SplitText cuts s into parts of at most limit runes, preferring paragraph
// breaks, then line breaks, then spaces, so no word is cut unless a single
// word is longer than limit. Adapters split plain text first and render
// each part, so markup is never broken.
func SplitText(s string, limit int) []string {
	if limit <= 0 || utf8.RuneCountInString(s) <= limit {
		return []string{s}
	}
	var parts []string
	for utf8.RuneCountInString(s) > limit {
		cut := cutPoint(s, limit)
		if p := strings.TrimRight(s[:cut], " \n"); p != "" {
			parts = append(parts, p)
		}
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s = strings.TrimRight(s, " \n"); s != "" {
		parts = append(parts, s)
	}
	return parts
}

// cutPoint returns the byte offset to cut s at so that s[:cut] has at most
// limit runes and ends at the best boundary available.
func cutPoint(s string, limit int) int {
	max := byteOffset(s, limit)
	window := s[:max]
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(window, sep); i > max/2 {
			return i + len(sep)
		}
	}
	return max
}

// byteOffset returns the byte index of the n-th rune of s.
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
