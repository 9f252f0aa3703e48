package faq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest content file Load accepts, in bytes.
const MaxFileSize = 1 << 20

var errTooLarge = errors.New("file too large")

// maxFileProblems caps the problems reported for one file: past that, the
// file is not what the format expects at all and more lines do not help.
const maxFileProblems = 200

// file is one content file being decoded; it records problems with their
// positions in that file.
type file struct {
	name  string // the path shown in positions
	probs *Problems
	count int // problems reported so far
}

func (f *file) pos(n *yaml.Node) Pos { return Pos{File: f.name, Line: n.Line, Column: n.Column} }

func (f *file) errorf(n *yaml.Node, format string, args ...any) {
	f.add(f.pos(n), false, format, args...)
}

func (f *file) warnf(n *yaml.Node, format string, args ...any) {
	f.add(f.pos(n), true, format, args...)
}

func (f *file) errorAt(line, col int, format string, args ...any) {
	f.add(Pos{File: f.name, Line: line, Column: col}, false, format, args...)
}

func (f *file) add(pos Pos, warning bool, format string, args ...any) {
	f.count++
	switch {
	case f.count <= maxFileProblems:
		f.probs.add(pos, warning, format, args...)
	case f.count == maxFileProblems+1:
		f.probs.add(pos, false, "too many problems in this file; fix the ones above first")
	}
}

// load reads and parses name from fsys. A missing file is reported only
// when required. It returns nil when there is nothing to decode.
func (f *file) load(fsys fs.FS, name string, required bool) *yaml.Node {
	data, err := readLimited(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !required:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		f.errorAt(1, 1, "file not found")
		return nil
	case errors.Is(err, errTooLarge):
		f.errorAt(1, 1, "file is larger than %d bytes; split the topic", MaxFileSize)
		return nil
	case err != nil:
		f.errorAt(1, 1, "cannot read file: %v", err)
		return nil
	}
	return f.parse(data)
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	r, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

// parse decodes data into a YAML node tree and returns its top node, or nil
// after reporting why there is none.
func (f *file) parse(data []byte) *yaml.Node {
	if !f.checkBytes(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decode(dec, &doc); err != nil {
		f.syntaxError(err, data)
		return nil
	}
	var extra yaml.Node
	if err := decode(dec, &extra); err == nil {
		f.errorf(&extra, "only one YAML document per file is allowed")
	} else if !errors.Is(err, io.EOF) {
		f.syntaxError(err, data)
	}
	if len(doc.Content) == 0 {
		f.errorAt(1, 1, "file is empty")
		return nil
	}
	f.checkAnchors(doc.Content[0])
	return doc.Content[0]
}

// decode runs the YAML decoder, turning a panic inside the library into an
// error so that no input can crash the loader.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal parser error: %v", r)
		}
	}()
	return dec.Decode(n)
}

// checkBytes reports encodings and characters YAML rejects without a line
// number, so that the problem gets one.
func (f *file) checkBytes(data []byte) bool {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			f.errorAt(line, col, "file is not valid UTF-8; save it as UTF-8")
			return false
		case r == '\n':
			line, col = line+1, 0
		case unicode.IsControl(r) && r != '\t' && r != '\r' && r != 0x85:
			f.errorAt(line, col, "control character %U is not allowed", r)
			return false
		}
		i += size
		col++
	}
	if len(bytes.TrimSpace(data)) == 0 {
		f.errorAt(1, 1, "file is empty")
		return false
	}
	return true
}

var (
	lineErr   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	anchorErr = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError reports a YAML decoding error. yaml.v3 gives only a line, and
// none at all for the first line or an unknown anchor.
func (f *file) syntaxError(err error, data []byte) {
	msg := err.Error()
	if errors.Is(err, io.EOF) {
		f.errorAt(1, 1, "file is empty")
		return
	}
	if m := lineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		f.errorAt(max(line, 1), 1, "YAML syntax: %s%s", m[2], tabHint(data, line))
		return
	}
	line := 1
	if m := anchorErr.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line += bytes.Count(data[:i], []byte("\n"))
		}
	}
	f.errorAt(line, 1, "YAML syntax: %s", strings.TrimPrefix(msg, "yaml: "))
}

// tabHint explains the usual cause of a syntax error near a line indented
// with a tab; YAML allows only spaces.
func tabHint(data []byte, line int) string {
	lines := bytes.Split(data, []byte("\n"))
	for _, i := range []int{line - 1, line} {
		if i >= 0 && i < len(lines) {
			l := lines[i]
			if indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]; bytes.IndexByte(indent, '\t') >= 0 {
				return " (indent with spaces, not tabs)"
			}
		}
	}
	return ""
}

// checkAnchors reports every anchor and alias: they make the content hard to
// read for the staff who edit it, and an alias can point at its own parent.
// The walk never follows an alias, so it ends on any tree.
func (f *file) checkAnchors(n *yaml.Node) {
	if n.Anchor != "" {
		f.errorf(n, "anchors (&%s) are not supported; write the value out", n.Anchor)
	}
	if n.Kind == yaml.AliasNode {
		f.errorf(n, "aliases (*%s) are not supported; write the value out", n.Value)
		return
	}
	for _, c := range n.Content {
		f.checkAnchors(c)
	}
}
