package faq

// Hit is one search result: a node and how well it matched.
type Hit struct {
	Node  *Node
	Score float64
}
