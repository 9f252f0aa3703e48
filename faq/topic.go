package faq

import (
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The keys each kind of mapping may have.
var (
	topicKeys  = []string{"topic", "order", "title", "text", "keywords", "questions", "children"}
	nodeKeys   = []string{"id", "title", "text", "keywords", "questions", "children", "goto", "sources", "reviewed", "actions"}
	gotoKeys   = []string{"id", "title", "goto", "keywords", "questions"}
	actionKeys = []string{"handoff", "subscribe", "url", "label"}
	labelRule  = textRule{what: "label", all: true, max: 48, length: utf8.RuneCountInString}
)

// maxDepth bounds the nesting of a tree; no one taps through more menus.
const maxDepth = 32

// topic decodes the top mapping of a topic file; its root node is the topic.
func (l *loader) topic(f *file, root *yaml.Node) *Topic {
	fs := f.fields(root, "topic file", topicKeys)
	if fs == nil {
		return nil
	}
	f.require(root, fs, "topic", "title", "children")
	n := &Node{Pos: f.pos(root)}
	n.ID = l.nodeID(f, fs.val("topic"), "topic", n)
	n.Topic = n.ID
	t := &Topic{ID: n.ID, Root: n, File: f.name}
	if v := fs.val("order"); v != nil {
		t.Order = f.integer(v, "order")
	}
	l.common(f, fs, n)
	if v := fs.val("text"); v != nil {
		n.Text = f.text(v, bodyRule)
	}
	if v := fs.val("children"); v != nil {
		n.Children = l.children(f, v, n, 1)
	}
	return t
}

// node decodes one node of a tree and, recursively, its children.
func (l *loader) node(f *file, yn *yaml.Node, parent *Node, depth int) *Node {
	fs := f.fields(yn, "node", nodeKeys)
	if fs == nil {
		return nil
	}
	f.require(yn, fs, "id", "title")
	n := &Node{Pos: f.pos(yn), Parent: parent, Topic: parent.Topic}
	n.ID = l.nodeID(f, fs.val("id"), "id", n)
	l.common(f, fs, n)
	switch {
	case fs.val("goto") != nil:
		l.gotoNode(f, fs, n)
	case fs.val("children") != nil:
		l.menu(f, fs, n, depth)
	default:
		l.answer(f, yn, fs, n)
	}
	return n
}

// common decodes the keys every node has: title and keywords.
func (l *loader) common(f *file, fs fieldSet, n *Node) {
	if v := fs.val("title"); v != nil {
		n.Title = f.text(v, titleRule)
	}
	if v := fs.val("keywords"); v != nil {
		n.Keywords = f.keywords(v)
	}
	if v := fs.val("questions"); v != nil {
		n.Questions = f.questions(v)
	}
}

// gotoNode decodes a redirect, which may have nothing else to show.
func (l *loader) gotoNode(f *file, fs fieldSet, n *Node) {
	for _, k := range nodeKeys {
		if p, ok := fs[k]; ok && !slices.Contains(gotoKeys, k) {
			f.errorf(p.key, "a goto node has only id, title, goto, keywords and questions; remove %q", k)
		}
	}
	v := fs.val("goto")
	n.Goto = f.str(v, "goto")
	if n.Goto == "" && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		f.errorf(v, "goto is empty")
	}
	if n.Goto != "" {
		l.refs = append(l.refs, ref{id: n.Goto, pos: f.pos(v), from: n, file: f})
	}
}

// menu decodes a node with children and an optional intro text.
func (l *loader) menu(f *file, fs fieldSet, n *Node, depth int) {
	if v := fs.val("text"); v != nil {
		n.Text = f.text(v, bodyRule)
	}
	n.Children = l.children(f, fs.val("children"), n, depth+1)
	l.extras(f, fs, n)
}

// answer decodes a leaf, which needs text, sources and a reviewed date.
func (l *loader) answer(f *file, yn *yaml.Node, fs fieldSet, n *Node) {
	if v := fs.val("text"); v != nil {
		n.Text = f.text(v, bodyRule)
	} else {
		f.errorf(yn, "answer has no text")
	}
	if fs.val("sources") == nil {
		f.errorf(yn, "answer has no sources")
	}
	if fs.val("reviewed") == nil {
		f.errorf(yn, "answer has no reviewed date")
	}
	l.extras(f, fs, n)
	if v := fs.val("sources"); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		f.errorf(v, "answer has no sources")
	}
}

// extras decodes the optional keys of menus and answers.
func (l *loader) extras(f *file, fs fieldSet, n *Node) {
	if v := fs.val("sources"); v != nil {
		for _, item := range f.list(v, "sources") {
			if s := l.url(f, item, "sources"); s != "" {
				n.Sources = append(n.Sources, s)
			}
		}
	}
	if v := fs.val("reviewed"); v != nil {
		n.Reviewed = l.reviewed(f, v)
	}
	if v := fs.val("actions"); v != nil {
		for _, item := range f.list(v, "actions") {
			if a, ok := l.action(f, item); ok {
				n.Actions = append(n.Actions, a)
			}
		}
	}
}

// children decodes the list of a menu's children.
func (l *loader) children(f *file, v *yaml.Node, parent *Node, depth int) []*Node {
	items := f.list(v, "children")
	if items == nil {
		if v.Kind == yaml.SequenceNode {
			f.errorf(v, "children: a menu needs at least one child")
		}
		return nil
	}
	if depth > maxDepth {
		f.errorf(v, "children: the tree is nested more than %d levels deep", maxDepth)
		return nil
	}
	out := make([]*Node, 0, len(items))
	for _, item := range items {
		if c := l.node(f, item, parent, depth); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// action decodes one button: exactly one of handoff, subscribe or url.
func (l *loader) action(f *file, item *yaml.Node) (Action, bool) {
	fs := f.fields(item, "action", actionKeys)
	if fs == nil {
		return Action{}, false
	}
	a := Action{Pos: f.pos(item)}
	kinds := 0
	for _, k := range actionKeys[:3] {
		if _, ok := fs[k]; ok {
			kinds++
		}
	}
	if kinds != 1 {
		f.errorf(item, "an action needs exactly one of handoff, subscribe, url")
		return a, false
	}
	switch {
	case fs.val("handoff") != nil:
		a.Kind = ActionHandoff
		if v := fs.val("handoff"); v.Tag != "!!bool" || !strings.EqualFold(v.Value, "true") {
			f.errorf(v, "handoff: must be true")
		}
	case fs.val("subscribe") != nil:
		a.Kind = ActionSubscribe
		v := fs.val("subscribe")
		if a.Category = f.str(v, "subscribe"); a.Category != "" {
			l.refs = append(l.refs, ref{subscribe: true, id: a.Category, pos: f.pos(v), file: f})
		}
	default:
		a.Kind = ActionURL
		a.URL = l.url(f, fs.val("url"), "url")
	}
	if p, ok := fs["label"]; ok {
		if a.Kind != ActionURL {
			f.errorf(p.key, "label: only a url action has a label")
		}
		a.Label = f.text(p.val, labelRule)
	}
	return a, true
}
