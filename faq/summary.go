package faq

import "io/fs"

// Summary is the report of `infopunkt validate --json`.
type Summary struct {
	// Topics maps a topic id to its size.
	Topics map[string]TopicSummary `json:"topics"`
	// Languages maps a language code to the share of nodes (0..1) fully
	// translated into it: title, and text where the node has text.
	Languages map[string]float64 `json:"languages"`
	// AnswersWithoutSources counts answers that cite no source.
	AnswersWithoutSources int `json:"answers_without_sources"`
	// Warnings and Errors are problems as "file:line:col: message".
	Warnings []string `json:"warnings"`
	Errors   []string `json:"errors"`
}

// TopicSummary counts the nodes of one topic.
type TopicSummary struct {
	Nodes   int `json:"nodes"`   // every node of the tree, the root included
	Answers int `json:"answers"` // leaves
}

// Summarize reports on loaded content and its problems. c may be nil (the
// content had errors): the counts are then empty and Errors is filled.
func Summarize(c *Content, p Problems) Summary {
	s := Summary{
		Topics:    map[string]TopicSummary{},
		Languages: map[string]float64{},
		Warnings:  p.Warnings().Strings(),
		Errors:    p.Errors().Strings(),
	}
	if c == nil {
		return s
	}
	var nodes int
	var translated [NumLangs]int
	for _, t := range c.Topics {
		ts := TopicSummary{}
		walkTree(t.Root, func(n *Node) {
			ts.Nodes++
			nodes++
			if n.IsAnswer() {
				ts.Answers++
				if len(n.Sources) == 0 {
					s.AnswersWithoutSources++
				}
			}
			for _, l := range Langs {
				if isTranslated(n, l) {
					translated[l]++
				}
			}
		})
		s.Topics[t.ID] = ts
	}
	for _, l := range Langs {
		if nodes > 0 {
			s.Languages[l.String()] = float64(translated[l]) / float64(nodes)
		}
	}
	return s
}

// Validate loads fsys like Load and summarises what it could read, even
// when there are errors, so the counts show how far a draft has come.
func Validate(fsys fs.FS, opts Options) Summary {
	c, p := load(fsys, opts)
	return Summarize(c, p)
}

// isTranslated reports whether n has its title, and its text if it has
// text in any language, in l.
func isTranslated(n *Node, l Lang) bool {
	if n.Title[l] == "" {
		return false
	}
	return n.Text == Text{} || n.Text[l] != ""
}

// walkTree calls fn for n and every node below it, parents first.
func walkTree(n *Node, fn func(*Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, c := range n.Children {
		walkTree(c, fn)
	}
}
