package faq

import (
	"cmp"
	"io/fs"
	"path"
	"slices"
	"time"
)

// DefaultMaxReviewAge is the default Options.MaxReviewAge: twelve months.
const DefaultMaxReviewAge = 365 * 24 * time.Hour

// Options configure Load. The zero value is ready to use.
type Options struct {
	// Name is prepended to file names in positions: "content" gives
	// "content/faq/legal.yaml:12:5". Default: "" (paths relative to fsys).
	Name string
	// Now returns the current time, for the reviewed-date check.
	// Default: time.Now.
	Now func() time.Time
	// MaxReviewAge is how old a reviewed date may be before Load warns.
	// Default: DefaultMaxReviewAge.
	MaxReviewAge time.Duration
	// Location is the zone event dates are read in. Default: EventZone.
	Location *time.Location
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxReviewAge <= 0 {
		o.MaxReviewAge = DefaultMaxReviewAge
	}
	if o.Location == nil {
		o.Location = eventZone()
	}
	return o
}

// Load reads and validates the content in fsys: faq/*.yaml (one topic per
// file), messages.yaml and, if present, events.yaml, crisis.yaml (danger
// signals) and synonyms.yaml (words search treats as the same).
//
// It reports every problem at once, sorted by position. When any problem is
// an error, Load returns a nil *Content, all problems and a non-nil error:
// the Problems that are errors, which matches ErrInvalid. Otherwise the
// error is nil, the problems hold only warnings and the Content is complete:
// topics in menu order (Order, then ID), Nodes filled, Parent and Topic set
// on every node and the search Index built.
func Load(fsys fs.FS, opts Options) (*Content, Problems, error) {
	c, ps := load(fsys, opts)
	if ps.HasErrors() {
		return nil, ps, ps.Errors()
	}
	c.Index = NewIndex(c)
	if c.Crisis == nil {
		c.Crisis = &Crisis{}
	}
	return c, ps, nil
}

// load decodes everything it can. The Content it returns may be partial
// when there are errors; only Validate looks at it then.
func load(fsys fs.FS, opts Options) (*Content, Problems) {
	l := &loader{
		opts: opts.withDefaults(),
		c:    &Content{Nodes: map[string]*Node{}, Messages: Messages{}},
		ids:  map[string]Pos{},
		cats: map[string]Pos{},
	}
	l.loadEvents(fsys)
	l.loadDesk(fsys)
	l.loadMessages(fsys)
	l.loadTopics(fsys)
	l.loadCrisis(fsys)
	l.loadSynonyms(fsys)
	l.checkRefs()
	l.checkCycles()
	l.checkPlaceholders()
	l.checkCrisis()
	slices.SortStableFunc(l.c.Topics, func(a, b *Topic) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
	})
	l.probs.sort()
	return l.c, l.probs
}

// loader holds the state shared by the files of one Load.
type loader struct {
	opts  Options
	c     *Content
	probs Problems
	ids   map[string]Pos // where each node id is first defined
	cats  map[string]Pos // where each event category id is defined
	refs  []ref          // checked once every file is read
	// crisisRefs are the answers crisis groups name, checked likewise.
	crisisRefs []crisisRef
}

// ref is a reference to a node (goto) or an event category (subscribe).
type ref struct {
	subscribe bool
	id        string
	pos       Pos   // of the referring value
	from      *Node // the goto node; nil for subscribe
	file      *file // where the reference is
}

func (l *loader) file(rel string) *file {
	return &file{name: path.Join(l.opts.Name, rel), probs: &l.probs}
}

// loadTopics decodes every faq/*.yaml file.
func (l *loader) loadTopics(fsys fs.FS) {
	names, _ := fs.Glob(fsys, "faq/*.yaml") // the pattern is valid
	if len(names) == 0 {
		l.file("faq").errorAt(1, 1, "no topic files (faq/*.yaml)")
	}
	for _, name := range names {
		f := l.file(name)
		if root := f.load(fsys, name, true); root != nil {
			if t := l.topic(f, root); t != nil {
				l.c.Topics = append(l.c.Topics, t)
			}
		}
	}
}
