package faq

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	idPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)
	reviewedPattern = regexp.MustCompile(`^\d{4}-\d{2}(-\d{2})?$`)
)

// id decodes the id in key what, reporting an empty or malformed one.
func (f *file) id(v *yaml.Node, what string) string {
	id := f.str(v, what)
	switch {
	case id == "" && v.Kind == yaml.ScalarNode && v.Tag != "!!null":
		f.errorf(v, "%s is empty", what)
	case id != "" && !idPattern.MatchString(id):
		f.errorf(v, "invalid id %q: use 1-48 lowercase letters, digits and hyphens, starting with a letter or digit", id)
	}
	return id
}

// nodeID decodes a node's id and registers the node under it. Ids are
// unique across all topic files; the first definition wins.
func (l *loader) nodeID(f *file, v *yaml.Node, what string, n *Node) string {
	if v == nil {
		return ""
	}
	id := f.id(v, what)
	if id == "" {
		return ""
	}
	if first, dup := l.ids[id]; dup {
		f.errorf(v, "duplicate id %q (first defined at %s)", id, first)
		return id
	}
	l.ids[id] = f.pos(v)
	l.c.Nodes[id] = n
	return id
}

// url decodes a URL, which must be absolute http(s) with a host.
func (l *loader) url(f *file, v *yaml.Node, what string) string {
	s := f.str(v, what)
	if s == "" {
		if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			f.errorf(v, "%s: empty URL", what)
		}
		return ""
	}
	if err := checkURL(s); err != nil {
		f.errorf(v, "malformed URL %q: %v", s, err)
	}
	return s
}

func checkURL(s string) error {
	if strings.ContainsAny(s, " \t\r\n") {
		return errors.New("contains a space")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("cannot be parsed")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must start with https:// or http://")
	case u.Hostname() == "":
		return errors.New("has no host")
	}
	return nil
}

// reviewed decodes a reviewed date (YYYY-MM or YYYY-MM-DD) and warns when it
// is older than Options.MaxReviewAge or in the future.
func (l *loader) reviewed(f *file, v *yaml.Node) time.Time {
	s := f.str(v, "reviewed")
	if s == "" {
		return time.Time{}
	}
	layout, next := "2006-01-02", [3]int{0, 0, 1}
	if len(s) == len("2006-01") {
		layout, next = "2006-01", [3]int{0, 1, 0}
	}
	t, err := time.Parse(layout, s)
	if err != nil || !reviewedPattern.MatchString(s) {
		f.errorf(v, "reviewed: %q is not a date; use YYYY-MM or YYYY-MM-DD", s)
		return time.Time{}
	}
	// A month counts as reviewed until its last day.
	end := t.AddDate(next[0], next[1], next[2])
	now := l.opts.Now()
	switch {
	case now.Sub(end) > l.opts.MaxReviewAge:
		days := int(l.opts.MaxReviewAge / (24 * time.Hour))
		f.warnf(v, "reviewed %s is more than %d days ago; check the answer and update the date", s, days)
	case t.After(now):
		f.warnf(v, "reviewed %s is in the future", s)
	}
	return t
}

// checkRefs reports gotos to missing nodes and subscriptions to missing
// event categories. It runs after every file is read.
func (l *loader) checkRefs() {
	for _, r := range l.refs {
		switch {
		case r.subscribe && l.cats[r.id] == (Pos{}):
			r.file.add(r.pos, false, "subscribe: no event category %q in events.yaml", r.id)
		case !r.subscribe && l.c.Nodes[r.id] == nil:
			r.file.add(r.pos, false, "goto: no node with id %q", r.id)
		}
	}
}

// checkCycles reports each cycle of goto nodes once, at the goto of the
// cycle's first node in file order.
func (l *loader) checkCycles() {
	gotoRef := map[*Node]ref{}
	for _, r := range l.refs {
		if !r.subscribe {
			gotoRef[r.from] = r
		}
	}
	done := map[*Node]bool{}
	for _, r := range l.refs {
		if r.subscribe {
			continue
		}
		var path []*Node
		onPath := map[*Node]int{}
		for n := r.from; n != nil && n.Goto != "" && !done[n]; n = l.c.Nodes[n.Goto] {
			if i, seen := onPath[n]; seen {
				first := gotoRef[n]
				first.file.add(first.pos, false, "goto cycle: %s", cycleString(path[i:]))
				break
			}
			onPath[n] = len(path)
			path = append(path, n)
		}
		for _, n := range path {
			done[n] = true
		}
	}
}

// cycleString formats a cycle as "a -> b -> a".
func cycleString(cycle []*Node) string {
	ids := make([]string, 0, len(cycle)+1)
	for _, n := range cycle {
		ids = append(ids, n.ID)
	}
	return strings.Join(append(ids, cycle[0].ID), " -> ")
}
