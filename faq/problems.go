package faq

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid is matched (errors.Is) by the error Load returns when the
// content has errors. The error is a Problems holding those errors.
var ErrInvalid = errors.New("faq: invalid content")

// Problem is one finding of the validator, located in a content file.
type Problem struct {
	Pos     Pos
	Warning bool // a warning does not stop the content from loading
	Msg     string
}

// String formats the problem as "file:line:col: message", for warnings too.
func (p Problem) String() string { return p.Pos.String() + ": " + p.Msg }

// Problems is a list of findings sorted by file, line and column. It
// implements error: one problem per line.
type Problems []Problem

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems { return ps.filter(false) }

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems { return ps.filter(true) }

// HasErrors reports whether any problem is an error.
func (ps Problems) HasErrors() bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return !p.Warning })
}

// Strings returns each problem formatted by Problem.String; never nil, so
// it marshals to a JSON array.
func (ps Problems) Strings() []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// Error returns the problems one per line.
func (ps Problems) Error() string { return strings.Join(ps.Strings(), "\n") }

// Is reports whether target is ErrInvalid.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

func (ps Problems) filter(warnings bool) Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning == warnings {
			out = append(out, p)
		}
	}
	return out
}

// sort orders the problems by position, keeping the discovery order of
// problems at the same position.
func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
	})
}

// add records a problem.
func (ps *Problems) add(pos Pos, warning bool, format string, args ...any) {
	*ps = append(*ps, Problem{Pos: pos, Warning: warning, Msg: fmt.Sprintf(format, args...)})
}
