package faq_test

import (
	"io/fs"
	"os"
	"path"
	"testing"
	"testing/fstest"
	"time"

	"github.com/infopunkt/infopunkt/faq"
)

// testNow is the clock of every test: the fixtures were reviewed recently.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func testOptions() faq.Options {
	return faq.Options{Name: "content", Now: func() time.Time { return testNow }}
}

// dirFS reads a testdata directory into memory.
func dirFS(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path.Join(dir, name))
		m[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return m
}

// overlay returns the valid fixture with the files of testdata/broken/name
// replacing or adding to it, and the files in remove taken out.
func overlay(t testing.TB, name string, remove ...string) fstest.MapFS {
	t.Helper()
	m := dirFS(t, "testdata/valid")
	if name != "" {
		for k, v := range dirFS(t, path.Join("testdata/broken", name)) {
			m[k] = v
		}
	}
	for _, k := range remove {
		delete(m, k)
	}
	return m
}

// mustLoad loads fsys and fails the test on any error.
func mustLoad(t testing.TB, fsys fs.FS) *faq.Content {
	t.Helper()
	c, _, err := faq.Load(fsys, testOptions())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}
