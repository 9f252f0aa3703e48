package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/scheduler"
)

// serviceHook, when set (by tests only), sees the service before it starts:
// the end-to-end tests inject the reminders' clock through it.
var serviceHook func(s *service)

// startReminders runs a reminder pass at start (the catch-up after
// downtime) and then every minute on a cron entry in the info point's zone.
// The pass itself is pure scheduling plus store transactions; cron only
// triggers it.
func (s *service) startReminders(ctx context.Context, examples bool) error {
	quiet, err := scheduler.ParseQuietHours(s.cfg.QuietHours)
	if err != nil {
		return fmt.Errorf("INFOPUNKT_QUIET_HOURS: %w", err)
	}
	var off []bot.Channel
	if s.cfg.ViberReminderCap == 0 {
		off = append(off, bot.Viber) // the adapter refuses reminders without a cap
	}
	s.reminders = scheduler.New(scheduler.Options{Off: off,
		Store: s.db, Content: s.engine.Content, Examples: examples, Quiet: quiet, Now: s.now,
		CalendarURL: s.calendarURL, Notify: s.worker.Notify, Logger: s.logger.With("part", "reminders"),
	})
	l := cronLogger{s.logger.With("part", "cron")}
	c := cron.New(cron.WithLocation(s.loc), cron.WithLogger(l),
		cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l)))
	if _, err := c.AddFunc("* * * * *", func() { s.reminderPass(ctx) }); err != nil {
		return fmt.Errorf("schedule reminder passes: %w", err)
	}
	s.goBG(func() { s.reminderPass(ctx) })
	c.Start()
	s.goBG(func() {
		<-ctx.Done()
		<-c.Stop().Done()
	})
	return nil
}

// reminderPass runs one pass and logs its outcome (counts, no personal data).
func (s *service) reminderPass(ctx context.Context) {
	res, err := s.reminders.Pass(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Error("reminder pass failed; the next pass retries", "err", err)
	case res.Slots > 0 || res.Withdrawn > 0 || res.Notified > 0:
		s.logger.Info("reminder pass", "slots", res.Slots, "queued", res.Queued, "skipped", res.Skipped,
			"withdrawn", res.Withdrawn, "notified", res.Notified)
	}
}

// calendarURL is the public link of an occurrence's .ics file.
func (s *service) calendarURL(event string, start time.Time) string {
	return strings.TrimRight(s.publicURL(), "/") + "/calendar/" + url.PathEscape(event) + "/" + strconv.FormatInt(start.Unix(), 10) + ".ics"
}

// publicURL is where users' phones reach the public listener:
// INFOPUNKT_PUBLIC_URL, else the origin of a webhook URL, else the listen
// address.
func (s *service) publicURL() string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	for _, raw := range []string{s.cfg.TelegramWebhookURL, s.cfg.ViberWebhookURL} {
		if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	return "http://" + s.cfg.Listen
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "err", err)...)
}

// ReminderCounts are the reminder counters of one day, for /metrics.
type ReminderCounts struct {
	Queued, Sent, Skipped, Unsubscribed uint64
}

// reminderCounts reads day's ("2006-01-02") reminder counters from the
// store's stats: reminders/queued (enqueued by a pass), reminders/sent
// (delivered), reminders/skipped (missed while down, event started;
// counted per subscriber), reminders/unsubscribed.
func reminderCounts(ctx context.Context, db *store.DB, day string) (ReminderCounts, error) {
	stats, err := db.Stats(ctx, day)
	if err != nil {
		return ReminderCounts{}, err
	}
	return ReminderCounts{Queued: stats["reminders/queued"], Sent: stats["reminders/sent"],
		Skipped: stats["reminders/skipped"], Unsubscribed: stats["reminders/unsubscribed"]}, nil
}
