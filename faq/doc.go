// Package faq loads, validates and searches the helpdesk content: the
// decision trees staff write in YAML, the UI strings and the event
// categories. docs/content-format.md is the format's specification.
//
// # Loading
//
// Load reads a content directory (an fs.FS, usually the embedded content/):
//
//	faq/*.yaml     one decision tree (Topic) per file
//	messages.yaml  UI strings in the four languages
//	events.yaml    event categories users can subscribe to (optional)
//
// It walks the YAML node trees itself so every finding carries a file, line
// and column, and it reports every problem at once, never only the first.
// Content with errors is rejected as a whole (a nil *Content), so a bad edit
// never reaches users; warnings (such as an answer not reviewed for a year)
// do not stop loading. Load never panics, whatever the input.
//
// # Problems
//
// A Problem prints as "file:line:col: message", the format editors and CI
// annotate. Problems is a sorted list of them that also implements error;
// errors.Is(err, ErrInvalid) reports content rejected for its problems.
//
// # Search
//
// Content.Index answers free-text questions (Index.Search) across the four
// languages and across alphabets: a Ukrainian typing Latin "karta pobytu"
// finds a node whose keywords say "карта побуту". Fold is the normalisation
// behind it: lowercase, Polish diacritics stripped, Cyrillic transliterated
// and spelling variants (y/i/j, w/v, sz/sh, cz/ch, rz/ż/zh) folded. Tokens
// then match exactly, by a shared stem (inflections) or within one edit
// (typos).
//
// # Summaries
//
// Summarize and Validate produce the JSON of `infopunkt validate --json`:
// node counts per topic, translation coverage per language, and the
// problems as strings.
package faq
