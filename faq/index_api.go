package faq

// Hit is one search result: a node and how well it matched.
type Hit struct {
	Node  *Node
	Score float64
	// Exact is true when the query, folded word for word, is one of the
	// node's keywords: the user typed exactly what the staff listed.
	Exact bool
}
