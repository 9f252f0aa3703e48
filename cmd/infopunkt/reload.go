package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// contentWatcher reloads a content directory when its files change. Broken
// content is reported (file:line:col per problem) and the last good content
// keeps serving.
type contentWatcher struct {
	dir    string
	maxAge time.Duration
	engine *bot.Engine
	logger *slog.Logger
	every  time.Duration
	// onReload, if set, learns whether each reload was taken (metrics).
	onReload func(ok bool)
	last     string // fingerprint of the files last loaded (good or bad)
}

// run polls until ctx is done. Polling is portable and cheap for a few
// dozen files; it also catches edits over network file systems.
func (w *contentWatcher) run(ctx context.Context) {
	w.last, _ = fingerprint(w.dir)
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.check()
		}
	}
}

func (w *contentWatcher) check() {
	fp, err := fingerprint(w.dir)
	if err != nil {
		w.logger.Error("content watch", "err", err)
		return
	}
	if fp == w.last {
		return
	}
	w.last = fp
	w.reload()
}

// reload loads the directory and swaps it in if it is valid.
func (w *contentWatcher) reload() bool {
	c, probs, err := loadContent(w.dir, w.maxAge)
	if err != nil {
		for _, p := range probs.Errors() {
			w.logger.Error("content reload rejected; still serving the last good content", "problem", p.String())
		}
		if w.onReload != nil {
			w.onReload(false)
		}
		return false
	}
	for _, p := range probs.Warnings() {
		w.logger.Warn("content warning", "problem", p.String())
	}
	w.engine.SetContent(c)
	if w.onReload != nil {
		w.onReload(true)
	}
	w.logger.Info("content reloaded", "topics", len(c.Topics), "nodes", len(c.Nodes))
	return true
}

// fingerprint summarises names, sizes and modification times of the YAML
// files under dir.
func fingerprint(dir string) (string, error) {
	var parts []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s|%d|%d", path, info.Size(), info.ModTime().UnixNano()))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("scan %s: %w", dir, err)
	}
	sort.Strings(parts)
	return strings.Join(parts, "\n"), nil
}
