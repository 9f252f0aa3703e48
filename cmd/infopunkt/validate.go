package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
)

// contentSource returns the content file system and the name used in
// problem positions: a directory when given, else the embedded content.
func contentSource(dir string) (fs.FS, string) {
	if dir == "" {
		return content.FS(), "content"
	}
	return os.DirFS(dir), filepath.ToSlash(filepath.Clean(dir))
}

func loadContent(dir string, maxAge time.Duration) (*faq.Content, faq.Problems, error) {
	fsys, name := contentSource(dir)
	return faq.Load(fsys, faq.Options{Name: name, MaxReviewAge: maxAge})
}

// runValidate checks a content directory: exit 0 when valid (warnings
// allowed), 1 with every problem on stderr otherwise.
func runValidate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := cmdValidate.flags()
	if done, err := parseCommand(cmdValidate, fl, args, stdout, stderr); done || err != nil {
		return err
	}
	asJSON := fl.Lookup("json").Value.(flag.Getter).Get().(bool)
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	dir := fl.Arg(0)
	c, probs, loadErr := loadContent(dir, cfg.MaxReviewAge)
	for _, p := range probs {
		fmt.Fprintln(stderr, p.String())
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(faq.Summarize(c, probs)); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	if loadErr != nil {
		fmt.Fprintf(stderr, "%d error(s), %d warning(s)\n", len(probs.Errors()), len(probs.Warnings()))
		return exitError(1)
	}
	if !asJSON {
		fmt.Fprintf(stdout, "ok: %d topics, %d nodes, %d warning(s)\n", len(c.Topics), len(c.Nodes), len(probs.Warnings()))
	}
	return nil
}
