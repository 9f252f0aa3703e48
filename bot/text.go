package bot

import "strings"

// fill replaces a placeholder such as {category} in a UI string.
func fill(s, placeholder, value string) string { return strings.ReplaceAll(s, placeholder, value) }
