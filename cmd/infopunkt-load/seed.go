package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
)

// seedChunk is how many chats go into one seeding transaction.
const seedChunk = 20000

// seedCategories are event categories of the shipped content that seeded
// subscriptions are spread over.
var seedCategories = []string{"workshops", "jobfairs", "polish-courses", "meetings", "consultations"}

// seed prepares the data file at path: from cfg.seedCache when that
// exists, else by seedStore (and then kept in cfg.seedCache if set).
//
// The file is synced before the bot starts: otherwise the bot's first
// commit would write back the whole freshly written file and the start-up
// measured would be the disk's.
func seed(ctx context.Context, cfg config, path string, log io.Writer) error {
	if cfg.seedCache != "" {
		if _, err := os.Stat(cfg.seedCache); err == nil {
			fmt.Fprintln(log, "copying the seeded store from", cfg.seedCache)
			if err := copyFile(cfg.seedCache, path); err != nil {
				return err
			}
			return syncFile(path)
		}
	}
	if err := seedStore(ctx, path, cfg.seedUsers, cfg.seedSubs, log); err != nil {
		return err
	}
	if cfg.seedCache != "" {
		if err := copyFile(path, cfg.seedCache); err != nil {
			return err
		}
	}
	return syncFile(path)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}

// seedStore fills the data file at path with users chats that have
// accepted the notice and browse the menu, the first subs of them
// subscribed to one event category, as if they had used the bot before.
// Their chat ids are far from the load's own.
func seedStore(ctx context.Context, path string, users, subs int, log io.Writer) error {
	began := time.Now()
	db, err := store.Open(path, store.Options{NoSync: true}) // a benchmark fixture: synced by the OS
	if err != nil {
		return err
	}
	defer db.Close()
	langs := []faq.Lang{faq.UK, faq.PL, faq.RU, faq.EN}
	now := time.Now().UTC()
	for lo := 0; lo < users; lo += seedChunk {
		chunk := map[bot.ChatKey]bot.State{}
		for i := lo; i < min(lo+seedChunk, users); i++ {
			st := bot.State{Mode: bot.ModeBrowse, Lang: langs[i%len(langs)], LangSet: true, Consent: true,
				Created: now.Add(-time.Duration(i) * time.Second), LastSeen: now}
			if i < subs {
				st.Subs = []string{seedCategories[i%len(seedCategories)]}
			}
			chunk[bot.NewChatKey(bot.Telegram, strconv.Itoa(500_000_000+i))] = st
		}
		if err := db.PutStates(ctx, chunk); err != nil {
			return err
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "seeded %d users, %d subscriptions in %.1fs: %.0f MiB\n", users, subs, time.Since(began).Seconds(), float64(fi.Size())/(1<<20))
	return nil
}
