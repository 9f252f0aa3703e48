package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/scheduler"
)

// eventsReport is one upcoming occurrence in `infopunkt events --json`.
type eventsReport struct {
	Event       string       `json:"event"`
	Category    string       `json:"category"`
	Title       string       `json:"title"`
	Start       time.Time    `json:"start"`
	Example     bool         `json:"example,omitempty"`
	Subscribers *int         `json:"subscribers"` // null when the data file is in use by the bot
	Slots       []slotReport `json:"slots"`
}

type slotReport struct {
	Offset string    `json:"offset"`
	At     time.Time `json:"at"`
}

// runEvents is `infopunkt events [--days N] [--json] [--examples]`: the
// coming occurrences, their reminder slots (after quiet hours) and how
// many subscribers each reaches.
func runEvents(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("events", flag.ContinueOnError)
	fl.SetOutput(stderr)
	days := fl.Int("days", 28, "how many days ahead")
	asJSON := fl.Bool("json", false, "print JSON")
	examples := fl.Bool("examples", false, "include example events")
	if err := fl.Parse(args); err != nil {
		return exitError(2)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	c, probs, err := loadContent(cfg.Content, cfg.MaxReviewAge)
	if err != nil {
		return fmt.Errorf("content is not valid:\n%s", probs.Error())
	}
	quiet, err := scheduler.ParseQuietHours(cfg.QuietHours)
	if err != nil {
		return fmt.Errorf("INFOPUNKT_QUIET_HOURS: %w", err)
	}
	db, err := store.Open(cfg.Data, store.Options{Timeout: 200 * time.Millisecond})
	switch {
	case errors.Is(err, bot.ErrLocked):
		fmt.Fprintln(stderr, "note: the bot holds the data file; subscriber counts are not shown")
		db = nil
	case err != nil:
		return err
	default:
		defer db.Close()
	}
	plan := scheduler.Plan{Loc: bot.EventZone, Quiet: quiet}
	now := time.Now()
	var out []eventsReport
	for _, o := range plan.Occurrences(c.LiveEvents(*examples), now, now.AddDate(0, 0, *days)) {
		r := eventsReport{Event: o.Event.ID, Category: o.Event.Category, Title: o.Event.Title.In(0), Start: o.Start, Example: o.Event.Example}
		for _, s := range plan.Slots(o) {
			r.Slots = append(r.Slots, slotReport{Offset: s.Offset.String(), At: s.At})
		}
		if db != nil {
			n, err := db.CountSubscribers(ctx, bot.ReminderTargets(o.Event))
			if err != nil {
				return err
			}
			r.Subscribers = &n
		}
		out = append(out, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printEvents(stdout, out)
	return nil
}

func printEvents(w io.Writer, out []eventsReport) {
	if len(out) == 0 {
		fmt.Fprintln(w, "no upcoming events")
	}
	for _, r := range out {
		subs := "?"
		if r.Subscribers != nil {
			subs = fmt.Sprint(*r.Subscribers)
		}
		fmt.Fprintf(w, "%s  %-28s %s subscribers\n", r.Start.In(bot.EventZone).Format("2006-01-02 15:04 Mon"), r.Event, subs)
		for _, s := range r.Slots {
			fmt.Fprintf(w, "    reminder %-8s at %s\n", s.Offset, s.At.In(bot.EventZone).Format("2006-01-02 15:04"))
		}
	}
}
