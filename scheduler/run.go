package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// Defaults of Options.
const (
	DefaultBatch    = 2000
	DefaultLookback = 7 * 24 * time.Hour
	// metaLastPass holds the end of the last completed pass (RFC 3339).
	metaLastPass = "scheduler/last_pass"
	// keepMarks is how long after an occurrence started its marks are kept.
	keepMarks = 48 * time.Hour
)

// Options configure a Scheduler.
type Options struct {
	Store bot.ReminderStore
	// Content returns the content being served (it is hot-reloaded).
	Content func() *faq.Content
	// Examples includes example events (local mode). Default false.
	Examples bool
	// Quiet hours; the zero value means none (use DefaultQuietHours).
	Quiet QuietHours
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// CalendarURL returns the .ics link of an occurrence; nil for none.
	CalendarURL func(event string, start time.Time) string
	// Off lists channels reminders are not sent on (Viber without a
	// reminder cap). Their subscribers are left out of every fan-out.
	Off []bot.Channel
	// Notify wakes the outbox after a batch. Optional.
	Notify func()
	// Batch is how many subscribers one transaction handles. Default
	// DefaultBatch (2000).
	Batch int
	// Lookback bounds the catch-up after downtime. Default DefaultLookback.
	Lookback time.Duration
	Logger   *slog.Logger
}

// Scheduler runs reminder passes. Pass is safe to call concurrently: passes
// are serialised, and the store's slot marks make a repeated pass harmless.
type Scheduler struct {
	opts Options
	plan Plan
	mu   sync.Mutex
}

// New returns a scheduler; it does nothing until Pass is called.
func New(opts Options) *Scheduler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Lookback <= 0 {
		opts.Lookback = DefaultLookback
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{opts: opts, plan: Plan{Loc: bot.EventZone, Quiet: opts.Quiet}}
}

// Plan returns the slot computation the scheduler uses.
func (s *Scheduler) Plan() Plan { return s.plan }

// PassResult counts what one pass did.
type PassResult struct {
	Slots     int // slots that came due
	Queued    int // reminders enqueued
	Skipped   int // slots skipped because their event had started (downtime)
	Withdrawn int // pending reminders taken back (event moved or cancelled)
	Notified  int // change notices queued
}

// Pass runs one pass at the scheduler's clock: it takes back the
// reminders of occurrences that moved or were cancelled, enqueues every
// slot due since the last completed pass, and records the pass.
func (s *Scheduler) Pass(ctx context.Context) (PassResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	var res PassResult
	last, err := s.lastPass(ctx, now)
	if err != nil {
		return res, err
	}
	c := s.opts.Content()
	if err := s.withdrawChanged(ctx, c, now, &res); err != nil {
		return res, err
	}
	for _, slot := range s.plan.Due(c.LiveEvents(s.opts.Examples), last, now) {
		res.Slots++
		if err := s.send(ctx, c, slot, now, &res); err != nil {
			return res, err
		}
	}
	if err := s.opts.Store.ForgetBefore(ctx, now.Add(-keepMarks)); err != nil {
		return res, err
	}
	if err := s.opts.Store.PutMeta(ctx, metaLastPass, []byte(now.UTC().Format(time.RFC3339Nano))); err != nil {
		return res, fmt.Errorf("record pass: %w", err)
	}
	return res, nil
}

// lastPass returns where this pass starts: the end of the last completed
// one, at most Lookback ago; a first run starts now.
func (s *Scheduler) lastPass(ctx context.Context, now time.Time) (time.Time, error) {
	raw, err := s.opts.Store.GetMeta(ctx, metaLastPass)
	if errors.Is(err, bot.ErrNotFound) {
		return now, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read last pass: %w", err)
	}
	last, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("decode last pass %q: %w", raw, err)
	}
	if floor := now.Add(-s.opts.Lookback); last.Before(floor) {
		last = floor
	}
	return last, nil
}

// send fans a due slot out, or skips it when its event has started (the
// bot was down when it fell due).
func (s *Scheduler) send(ctx context.Context, c *faq.Content, slot Slot, now time.Time, res *PassResult) error {
	e := slot.Event
	if !now.Before(slot.Start) {
		n, err := s.opts.Store.CountSubscribers(ctx, bot.ReminderTargets(e))
		if err != nil {
			return err
		}
		res.Skipped++
		s.opts.Logger.Warn("reminder slot missed while down; event already started, skipped",
			"event", e.ID, "start", slot.Start.Format(time.RFC3339), "offset", slot.Offset.String(), "subscribers", n)
		return s.opts.Store.Count(ctx, "reminders/skipped", uint64(n))
	}
	calendar := ""
	if s.opts.CalendarURL != nil {
		calendar = s.opts.CalendarURL(e.ID, slot.Start)
	}
	f := bot.FanOut{Slot: slot.Key(), Event: e.ID, Title: e.Title, Start: slot.Start, Targets: bot.ReminderTargets(e), Limit: s.opts.Batch,
		Build: reminderCache(func(lang faq.Lang) bot.Reply { return bot.ReminderReply(c, e, slot.Start, lang, calendar) })}
	if len(s.opts.Off) > 0 {
		f.Skip = func(chat bot.ChatKey) bool { return slices.Contains(s.opts.Off, chat.Channel()) }
	}
	for {
		r, err := s.opts.Store.FanOut(ctx, f)
		if err != nil {
			return err
		}
		res.Queued += r.Queued
		if r.Queued > 0 && s.opts.Notify != nil {
			s.opts.Notify()
		}
		if r.Done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// withdrawChanged takes back occurrences reminders went out for that are
// no longer in the content (moved or cancelled) and have not started.
func (s *Scheduler) withdrawChanged(ctx context.Context, c *faq.Content, now time.Time, res *PassResult) error {
	marks, err := s.opts.Store.Marks(ctx)
	if err != nil {
		return err
	}
	for _, m := range marks {
		if !m.Start.After(now) || s.stillOn(c, m) {
			continue
		}
		w, n, err := s.opts.Store.Withdraw(ctx, s.withdrawal(c, m, now))
		if err != nil {
			return err
		}
		res.Withdrawn += w
		res.Notified += n
		s.opts.Logger.Info("event moved or cancelled after reminders went out",
			"event", m.Event, "start", m.Start.Format(time.RFC3339), "withdrawn", w, "notified", n)
		if n > 0 && s.opts.Notify != nil {
			s.opts.Notify()
		}
	}
	return nil
}

// stillOn reports whether mark's occurrence is still in the content.
func (s *Scheduler) stillOn(c *faq.Content, m bot.OccurrenceMark) bool {
	e := s.event(c, m.Event)
	return e != nil && len(e.Occurrences(m.Start, m.Start.Add(time.Minute), bot.EventZone)) > 0
}

func (s *Scheduler) event(c *faq.Content, id string) *faq.Event {
	e := c.Event(id)
	if e == nil || (e.Example && !s.opts.Examples) {
		return nil
	}
	return e
}

// withdrawal builds the notice: moved (with the next date) or cancelled.
func (s *Scheduler) withdrawal(c *faq.Content, m bot.OccurrenceMark, now time.Time) bot.Withdrawal {
	e := s.event(c, m.Event)
	var next time.Time
	title := m.Title
	if e != nil {
		title = e.Title
		next, _ = e.Next(now, bot.EventZone)
	}
	return bot.Withdrawal{Event: m.Event, Start: m.Start, Notice: func(chat bot.ChatKey, st bot.State) (bot.Reply, bool) {
		return bot.ChangeNotice(c, e, title, m.Start, next, st.Lang), true
	}}
}

// reminderCache renders a slot's reminder once per language: every
// subscriber of a language gets the same text.
func reminderCache(render func(faq.Lang) bot.Reply) func(bot.ChatKey, bot.State) bot.Reply {
	var cache [faq.NumLangs]*bot.Reply
	return func(_ bot.ChatKey, st bot.State) bot.Reply {
		l := st.Lang
		if l >= faq.NumLangs {
			l = faq.EN
		}
		if cache[l] == nil {
			r := render(l)
			cache[l] = &r
		}
		r := *cache[l]
		r.Buttons = slices.Clone(r.Buttons)
		return r
	}
}
