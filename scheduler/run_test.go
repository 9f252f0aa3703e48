package scheduler_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/content"
	"github.com/infopunkt/infopunkt/faq"
	"github.com/infopunkt/infopunkt/scheduler"
)

// rig is a scheduler over a real store with an injected clock and content
// whose events the test sets.
type rig struct {
	t     *testing.T
	db    *store.DB
	clock atomic.Int64
	c     atomic.Pointer[faq.Content]
	s     *scheduler.Scheduler
}

func newRig(t *testing.T, now time.Time, events ...*faq.Event) *rig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{t: t, db: db}
	r.clock.Store(now.UnixNano())
	r.setEvents(events...)
	r.s = r.scheduler(2)
	return r
}

func (r *rig) now() time.Time { return time.Unix(0, r.clock.Load()) }

func (r *rig) set(t time.Time) { r.clock.Store(t.UnixNano()) }

func (r *rig) scheduler(batch int) *scheduler.Scheduler {
	return scheduler.New(scheduler.Options{Store: r.db, Content: r.c.Load, Now: r.now, Batch: batch,
		Quiet:       scheduler.DefaultQuietHours,
		CalendarURL: func(id string, start time.Time) string { return "https://bot.example/calendar/" + id + ".ics" }})
}

var shipped = loadShipped()

func loadShipped() *faq.Content {
	c, _, err := faq.Load(content.FS(), faq.Options{})
	if err != nil {
		panic(err)
	}
	return c
}

func (r *rig) setEvents(events ...*faq.Event) {
	c := *shipped
	c.Events = events
	r.c.Store(&c)
}

// subscribe makes chat a consenting user in lang following targets.
func (r *rig) subscribe(chat bot.ChatKey, lang faq.Lang, inactive bool, targets ...string) {
	r.t.Helper()
	_, _, err := r.db.Apply(context.Background(), chat, "", func(bot.State, bool) bot.Result {
		res := bot.Result{State: bot.State{Mode: bot.ModeBrowse, Consent: true, LangSet: true, Lang: lang, Subs: targets, Inactive: inactive}}
		for _, tg := range targets {
			res.Effects = append(res.Effects, bot.Effect{Kind: bot.EffectSubscribe, Category: tg})
		}
		return res
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) pass() scheduler.PassResult {
	r.t.Helper()
	res, err := r.s.Pass(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// pending returns the outbox's items.
func (r *rig) pending() []bot.OutboxItem {
	r.t.Helper()
	items, err := r.db.Scan(context.Background(), 0, 100000)
	if err != nil {
		r.t.Fatal(err)
	}
	return items
}

// deliver marks the pending items of chat as sent.
func (r *rig) deliver(chat bot.ChatKey) {
	r.t.Helper()
	for _, it := range r.pending() {
		if it.Reply.Chat == chat {
			if err := r.db.Done(context.Background(), it.Seq, bot.Receipt{}); err != nil {
				r.t.Fatal(err)
			}
		}
	}
}

func workshop(start time.Time) *faq.Event {
	return &faq.Event{ID: "rent", Category: "workshops", Dates: []time.Time{start}, Duration: time.Hour, Remind: faq.DefaultRemind,
		Title: faq.Text{"Оренда", "Najem", "Аренда", "Renting"}, Place: faq.Place{Address: "Rynek 1"}}
}

func TestPassEnqueuesEachSlotOnce(t *testing.T) {
	start := at(2026, 6, 10, 18, 0)
	r := newRig(t, at(2026, 6, 9, 17, 0), workshop(start))
	r.subscribe("telegram:1", faq.UK, false, bot.EventTarget("rent"))
	r.subscribe("telegram:2", faq.EN, false, "workshops")
	r.subscribe("telegram:3", faq.PL, false, bot.EventTarget("rent"), "workshops") // both: one reminder
	r.subscribe("telegram:4", faq.RU, true, "workshops")                           // blocked the bot
	r.subscribe("telegram:5", faq.RU, false, "jobfairs")
	r.pass() // the first pass only records where passes start
	r.set(at(2026, 6, 9, 18, 0))
	if res := r.pass(); res.Slots != 1 || res.Queued != 3 {
		t.Fatalf("pass at the slot: %+v, want 1 slot, 3 queued", res)
	}
	items := r.pending()
	if len(items) != 3 {
		t.Fatalf("%d items queued", len(items))
	}
	for _, it := range items {
		if it.Reply.Kind != bot.ReplyReminder || !strings.HasPrefix(it.Reply.Key, bot.ReminderKeyPrefix) {
			t.Errorf("item %+v: want a keyed reminder", it.Reply)
		}
	}
	if !strings.Contains(items[0].Reply.Title, "Нагадування") || !strings.Contains(items[1].Reply.Title, "Przypomnienie") || !strings.Contains(items[2].Reply.Title, "Reminder") {
		t.Errorf("reminders not in the users' languages: %q, %q, %q", items[0].Reply.Title, items[1].Reply.Title, items[2].Reply.Title)
	}
	// The same slot again: repeated passes, racing passes, a "restarted"
	// scheduler that never recorded the pass, all after delivery.
	r.deliver("telegram:1")
	var wg sync.WaitGroup
	var extra atomic.Int64
	for _, s := range []*scheduler.Scheduler{r.s, r.s, r.scheduler(1), r.scheduler(1000)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Pass(context.Background())
			if err != nil {
				t.Error(err)
			}
			extra.Add(int64(res.Queued))
		}()
	}
	wg.Wait()
	if extra.Load() != 0 || len(r.pending()) != 2 {
		t.Errorf("repeated passes queued %d more; %d pending", extra.Load(), len(r.pending()))
	}
}

func TestDowntimeCatchUp(t *testing.T) {
	soon, started := at(2026, 6, 10, 18, 0), at(2026, 6, 10, 12, 0)
	other := workshop(started)
	other.ID = "started"
	r := newRig(t, at(2026, 6, 9, 9, 0), workshop(soon), other)
	r.subscribe("telegram:1", faq.UK, false, "workshops")
	r.pass()
	// Down from 09:00 on the 9th to 13:00 on the 10th: "rent" (18:00) has
	// not started, its day-before slot is sent once; "started" began at
	// 12:00, both its slots are skipped and counted.
	r.set(at(2026, 6, 10, 13, 0))
	res := r.pass()
	if res.Queued != 1 || res.Skipped != 2 {
		t.Fatalf("catch-up %+v, want 1 queued, 2 skipped", res)
	}
	if it := r.pending(); len(it) != 1 || !strings.Contains(it[0].Reply.Key, "rent/") {
		t.Errorf("pending %+v", it)
	}
	stats, _ := r.db.Stats(context.Background(), time.Now().Format("2006-01-02"))
	if stats["reminders/skipped"] != 2 || stats["reminders/queued"] != 1 {
		t.Errorf("counters %v", stats)
	}
}

func TestEventMovedBetweenSlots(t *testing.T) {
	start := at(2026, 6, 10, 18, 0)
	r := newRig(t, at(2026, 6, 9, 17, 0), workshop(start))
	r.subscribe("telegram:1", faq.UK, false, bot.EventTarget("rent"))
	r.subscribe("telegram:2", faq.EN, false, "workshops")
	r.pass()
	r.set(at(2026, 6, 9, 18, 1))
	r.pass()
	r.deliver("telegram:1")
	r.deliver("telegram:2")
	// Staff move it by a day before the 2-hour slot.
	moved := start.AddDate(0, 0, 1)
	r.setEvents(workshop(moved))
	r.set(at(2026, 6, 10, 9, 0))
	res := r.pass()
	if res.Withdrawn != 0 || res.Notified != 2 {
		t.Fatalf("after the move: %+v, want 2 notices", res)
	}
	items := r.pending()
	if len(items) != 2 || !strings.Contains(items[1].Reply.Text, "has moved") || !strings.Contains(items[1].Reply.Text, "11 June, 18:00") {
		t.Fatalf("notices %+v", items)
	}
	r.deliver("telegram:1")
	r.deliver("telegram:2")
	// The old 2-hour slot never fires; the new occurrence's slots do.
	r.set(at(2026, 6, 10, 16, 30))
	if res := r.pass(); res.Queued != 0 || res.Notified != 0 {
		t.Errorf("old slot: %+v", res)
	}
	r.set(at(2026, 6, 11, 16, 0))
	if res := r.pass(); res.Queued != 4 {
		t.Errorf("new occurrence's two slots: %+v, want 4 queued", res)
	}
}

func TestEventCancelledAfterFirstReminder(t *testing.T) {
	start := at(2026, 6, 10, 18, 0)
	r := newRig(t, at(2026, 6, 9, 17, 0), workshop(start))
	r.subscribe("telegram:1", faq.UK, false, "workshops")
	r.subscribe("telegram:2", faq.EN, false, "workshops")
	r.pass()
	r.set(at(2026, 6, 9, 18, 0))
	r.pass()
	r.deliver("telegram:1") // telegram:2's reminder is still pending
	r.setEvents()
	r.set(at(2026, 6, 9, 19, 0))
	res := r.pass()
	if res.Withdrawn != 1 || res.Notified != 1 {
		t.Fatalf("cancel: %+v, want 1 withdrawn, 1 notified", res)
	}
	items := r.pending()
	if len(items) != 1 || items[0].Reply.Chat != "telegram:1" || !strings.Contains(items[0].Reply.Text, "скасовано") {
		t.Fatalf("after cancel %+v", items)
	}
}

// TestEraseDuringFanOut: erasing the chat a fan-out cursor points at keeps
// the progress and leaves no key of the chat behind.
func TestEraseDuringFanOut(t *testing.T) {
	start := at(2026, 6, 10, 18, 0)
	r := newRig(t, at(2026, 6, 9, 17, 0), workshop(start))
	for i := range 5 {
		r.subscribe(bot.ChatKey("telegram:"+string(rune('1'+i))), faq.EN, false, "workshops")
	}
	r.pass()
	r.set(at(2026, 6, 9, 18, 0))
	f := bot.FanOut{Slot: "rent/x/1440", Event: "rent", Start: start, Targets: []string{"workshops"}, Limit: 2,
		Build: func(bot.ChatKey, bot.State) bot.Reply { return bot.Reply{Text: "r"} }}
	ctx := context.Background()
	if res, err := r.db.FanOut(ctx, f); err != nil || res.Queued != 2 {
		t.Fatalf("first batch %+v %v", res, err)
	}
	if err := r.db.Erase(ctx, "telegram:2"); err != nil {
		t.Fatal(err)
	}
	if keys, _ := r.db.Keys(ctx, "telegram:2"); len(keys) != 0 {
		t.Errorf("keys left after erasure: %v", keys)
	}
	total := 1 // telegram:1 kept its reminder; telegram:2's was erased
	for {
		res, err := r.db.FanOut(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Queued
		if res.Done {
			break
		}
	}
	if total != 4 || len(r.pending()) != 4 {
		t.Errorf("reached %d chats, %d pending; want 4", total, len(r.pending()))
	}
}
