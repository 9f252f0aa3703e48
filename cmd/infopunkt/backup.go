package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// runBackup writes a consistent copy of the data file. When the bot is
// stopped it opens the file itself; when a running bot holds the lock it
// asks that bot for a hot backup over its loopback-only /backup endpoint.
// Either way the copy is checked by opening it before it gets its name.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: infopunkt backup FILE")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	write := func(w io.Writer) (int64, error) { return backupFromFile(ctx, cfg.Data, w) }
	if db, err := store.Open(cfg.Data, store.Options{Timeout: 100 * time.Millisecond}); err == nil {
		db.Close()
	} else if errors.Is(err, bot.ErrLocked) {
		write = func(w io.Writer) (int64, error) { return backupFromServer(ctx, cfg.Listen, w) }
	} else {
		return err
	}
	n, err := backupTo(args[0], write)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes)\n", args[0], n)
	return nil
}

func backupFromFile(ctx context.Context, path string, w io.Writer) (int64, error) {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return db.Backup(ctx, w)
}

// backupFromServer streams a hot backup from the running bot at listen.
func backupFromServer(ctx context.Context, listen string, w io.Writer) (int64, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return 0, fmt.Errorf("INFOPUNKT_LISTEN %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/backup", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("the data file is in use and the running bot did not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the running bot refused the backup: %s", resp.Status)
	}
	return io.Copy(w, resp.Body)
}

// backupTo writes the backup to a temporary file, checks that it opens as a
// data file, and renames it, so a failed backup never leaves a truncated
// file under the final name.
func backupTo(path string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkBackup(tmp.Name())
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// checkBackup opens the copy as a data file: a truncated stream fails here.
func checkBackup(path string) error {
	db, err := store.Open(path, store.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("the backup copy is not a valid data file: %w", err)
	}
	return db.Close()
}
