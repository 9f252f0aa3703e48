package faq_test

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/infopunkt/infopunkt/faq"
)

// FuzzLoad feeds arbitrary bytes to Load as a topic file next to valid
// messages and events. Load must never panic, and content it accepts must
// be searchable and summarisable.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*/faq/*.yaml")
	valid, _ := filepath.Glob("testdata/valid/faq/*.yaml")
	for _, name := range append(seeds, valid...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "\t", "~", "&a [*a]", "a: &a [*a]\nb: *a", "- - -", "topic: x\nchildren: [{id: y, goto: y}]", "{", "\xef\xbb\xbf"} {
		f.Add([]byte(s))
	}
	base := fstest.MapFS{}
	for _, name := range []string{"messages.yaml", "events.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/valid", name))
		if err != nil {
			f.Fatal(err)
		}
		base[name] = &fstest.MapFile{Data: data}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"faq/fuzz.yaml": &fstest.MapFile{Data: data}}
		for k, v := range base {
			fsys[k] = v
		}
		c, ps, err := faq.Load(fsys, testOptions())
		if (c == nil) != (err != nil) || (err != nil) != ps.HasErrors() {
			t.Fatalf("content %v, error %v, problems %v", c != nil, err, ps)
		}
		for _, p := range ps {
			if p.Pos.File != "content/faq/fuzz.yaml" || p.Pos.Line < 1 || p.Msg == "" {
				t.Errorf("bad problem %q", p)
			}
		}
		if c != nil {
			c.Index.Search(string(data), faq.UK, 3)
		}
		faq.Summarize(c, ps)
		faq.Validate(fsys, testOptions())
	})
}
