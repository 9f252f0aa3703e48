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
	"strings"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// lockWait is how long the tools wait for the data file's lock before
// concluding that a running bot holds it.
const lockWait = 200 * time.Millisecond

// runBackup writes a compacted copy of the data file. When the bot is
// stopped it opens the file itself; when a running bot holds the lock it
// asks that bot's admin listener, after checking that the bot serves this
// very file. Either way the copy is checked by opening it before it gets
// its name.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := cmdBackup.flags()
	if done, err := parseCommand(cmdBackup, fl, args, stdout, stderr); done || err != nil {
		return err
	}
	target := fl.Arg(0)
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	red := newRedactor(cfg)
	if err := mustExist(cfg.Data); err != nil {
		return err
	}
	write := func(path string) error { return backupOffline(ctx, cfg.Data, path) }
	db, err := store.Open(cfg.Data, store.Options{Timeout: lockWait})
	switch {
	case err == nil:
		db.Close()
	case errors.Is(err, bot.ErrLocked):
		write = func(path string) error { return backupFromServer(ctx, cfg, path) }
	default:
		return err
	}
	n, err := backupTo(target, write)
	if err != nil {
		return red.wrap(err)
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes)\n", target, n)
	return nil
}

// mustExist refuses a data path that does not exist: a mistyped
// INFOPUNKT_DATA would otherwise create and back up an empty file.
func mustExist(path string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("INFOPUNKT_DATA: no data file at %s", path)
		}
		return fmt.Errorf("INFOPUNKT_DATA: %w", err)
	}
	return nil
}

func backupOffline(ctx context.Context, data, path string) error {
	db, err := store.Open(data, store.Options{Timeout: lockWait, FullCheck: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.BackupFile(ctx, path)
}

// adminRequest sends an authenticated request to the running bot's admin
// listener.
func adminRequest(ctx context.Context, cfg Config, method, path string) (*http.Response, error) {
	if cfg.AdminListen == adminOff {
		return nil, errAdminOff
	}
	if cfg.AdminToken == "" {
		return nil, errors.New("INFOPUNKT_ADMIN_TOKEN: needed to reach the running bot's admin listener")
	}
	host, port, err := net.SplitHostPort(cfg.AdminListen)
	if err != nil {
		return nil, fmt.Errorf("INFOPUNKT_ADMIN_LISTEN %q: %w", cfg.AdminListen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the data file is in use and the running bot's admin listener did not answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("the running bot refused %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return resp, nil
}

// backupFromServer downloads a backup from the running bot into path,
// checking that the bot serves the same data file as INFOPUNKT_DATA.
func backupFromServer(ctx context.Context, cfg Config, path string) error {
	want, err := fileID(cfg.Data)
	if err != nil {
		return fmt.Errorf("INFOPUNKT_DATA: %w", err)
	}
	resp, err := adminRequest(ctx, cfg, http.MethodGet, "/backup")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if got := resp.Header.Get(headerDataID); got != want {
		return fmt.Errorf("the bot at INFOPUNKT_ADMIN_LISTEN %s serves another data file than INFOPUNKT_DATA %s; nothing saved", cfg.AdminListen, cfg.Data)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// backupTo has write create a file next to path, syncs and checks that it
// opens as a data file, and renames it to path, so a failed backup never
// leaves a truncated file under the final name.
func backupTo(path string, write func(tmp string) error) (int64, error) {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d.tmp", filepath.Base(path), time.Now().UnixNano()))
	defer os.Remove(tmp)
	err := write(tmp)
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = checkDataFile(tmp)
	}
	var info os.FileInfo
	if err == nil {
		info, err = os.Stat(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return info.Size(), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkDataFile opens path as a data file: a truncated or damaged copy
// fails here.
func checkDataFile(path string) error {
	db, err := store.Open(path, store.Options{Timeout: lockWait, FullCheck: true})
	if err != nil {
		return fmt.Errorf("not a valid data file: %w", err)
	}
	return db.Close()
}

// runRestore replaces the data file with a verified backup while no bot
// runs. The backup is copied next to the data file and opened (which also
// migrates an older one) before it takes the data file's name; the
// replaced file is kept as INFOPUNKT_DATA.replaced.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := cmdRestore.flags()
	if done, err := parseCommand(cmdRestore, fl, args, stdout, stderr); done || err != nil {
		return err
	}
	src := fl.Arg(0)
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Data), 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Hold the current file's lock (if it opens) so no bot starts on it
	// while it is replaced.
	cur, err := store.Open(cfg.Data, store.Options{Timeout: lockWait})
	switch {
	case errors.Is(err, bot.ErrLocked):
		return fmt.Errorf("restore: a running bot holds %s; stop it first", cfg.Data)
	case errors.Is(err, store.ErrCorrupt):
		cur = nil // a damaged file is what restore is for
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	}
	if cur != nil {
		defer cur.Close()
	}
	tmp := filepath.Join(filepath.Dir(cfg.Data), fmt.Sprintf(".restore-%d.db", time.Now().UnixNano()))
	defer os.Remove(tmp)
	if err := copyFile(src, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkDataFile(tmp); err != nil {
		return fmt.Errorf("restore: %s is %w; the data file is unchanged", src, err)
	}
	if err := os.Rename(cfg.Data, cfg.Data+".replaced"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore: keep the old file: %w", err)
	}
	if err := os.Rename(tmp, cfg.Data); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s from %s; the replaced file is %s.replaced (delete it once the bot runs well: it holds personal data)\n", cfg.Data, src, cfg.Data)
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// runCompact rewrites the data file without freed pages: itself when no
// bot runs, through the running bot's admin listener otherwise.
func runCompact(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if done, err := parseFlags(cmdCompact, args, stdout, stderr); done || err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := mustExist(cfg.Data); err != nil {
		return err
	}
	db, err := store.Open(cfg.Data, store.Options{Timeout: lockWait, FullCheck: true})
	if errors.Is(err, bot.ErrLocked) {
		resp, err := adminRequest(ctx, cfg, http.MethodPost, "/compact")
		if err != nil {
			return newRedactor(cfg).wrap(err)
		}
		defer resp.Body.Close()
		_, err = io.Copy(stdout, resp.Body)
		return err
	}
	if err != nil {
		return err
	}
	defer db.Close()
	before, _ := db.Size()
	if err := db.Compact(ctx); err != nil {
		return err
	}
	after, _ := db.Size()
	fmt.Fprintf(stdout, "compacted: %d -> %d bytes\n", before, after)
	return nil
}
