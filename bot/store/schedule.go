package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

var _ bot.ReminderStore = (*DB)(nil)

// Key prefixes of the schedule bucket.
const (
	schedSlot = "slot/" // + slot key → slotRecord JSON
	schedOcc  = "occ/"  // + occurrence key → bot.OccurrenceMark JSON
)

// slotRecord is a slot's fan-out progress. Subscribers are visited target
// by target in key order; Cursor is the last chat handled in Targets[Phase].
// Erasing that chat moves Cursor to the chat before it (eraseCursors), so
// the record never keeps an erased chat's key.
type slotRecord struct {
	Targets []string `json:"targets"`
	Phase   int      `json:"phase"`
	Cursor  string   `json:"cursor,omitempty"`
	Done    bool     `json:"done,omitempty"`
	Queued  int      `json:"queued"`
}

// reached reports whether the fan-out has handled chat in target i.
func (r slotRecord) reached(i int, chat bot.ChatKey) bool {
	return r.Done || i < r.Phase || (i == r.Phase && r.Cursor != "" && string(chat) <= r.Cursor)
}

// FanOut implements bot.ReminderStore: one transaction enqueues up to
// f.Limit reminders and records how far it got.
func (db *DB) FanOut(ctx context.Context, f bot.FanOut) (bot.FanOutResult, error) {
	var res bot.FanOutResult
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		res = bot.FanOutResult{}
		return db.fanOut(tx, f, &res)
	})
	if err != nil {
		return bot.FanOutResult{}, fmt.Errorf("fan out %s: %w", f.Slot, err)
	}
	return res, nil
}

func (db *DB) fanOut(tx *bbolt.Tx, f bot.FanOut, res *bot.FanOutResult) error {
	sched := tx.Bucket(bucketSchedule)
	var rec slotRecord
	if _, err := getJSON(sched, []byte(schedSlot+f.Slot), &rec); err != nil {
		return err
	}
	if rec.Done {
		res.Done = true
		return nil
	}
	rec.Targets = f.Targets
	limit := max(f.Limit, 1)
	now := db.now()
	subs := tx.Bucket(bucketSubscriptions)
	for handled := 0; rec.Phase < len(f.Targets) && handled < limit; {
		target := f.Targets[rec.Phase]
		prefix := subKey(target, "")
		c := subs.Cursor()
		k, _ := c.Seek(subKey(target, bot.ChatKey(rec.Cursor)))
		if rec.Cursor != "" && bytes.Equal(k, subKey(target, bot.ChatKey(rec.Cursor))) {
			k, _ = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && handled < limit; k, _ = c.Next() {
			chat := bot.ChatKey(bytes.Clone(k[len(prefix):]))
			rec.Cursor = string(chat)
			handled++
			if err := db.remindOne(tx, f, rec.Phase, chat, now, res); err != nil {
				return err
			}
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			rec.Phase, rec.Cursor = rec.Phase+1, ""
		}
	}
	if rec.Phase >= len(f.Targets) {
		rec.Done, rec.Cursor = true, ""
	}
	rec.Queued += res.Queued
	res.Done = rec.Done
	if err := putJSON(sched, []byte(schedSlot+f.Slot), rec); err != nil {
		return err
	}
	if err := markOccurrence(sched, f); err != nil {
		return err
	}
	return incrStat(tx, now, "reminders/queued", uint64(res.Queued))
}

// remindOne enqueues chat's reminder unless an earlier target already
// reached it or it is inactive.
func (db *DB) remindOne(tx *bbolt.Tx, f bot.FanOut, phase int, chat bot.ChatKey, now time.Time, res *bot.FanOutResult) error {
	subs := tx.Bucket(bucketSubscriptions)
	for _, earlier := range f.Targets[:phase] {
		if subs.Get(subKey(earlier, chat)) != nil {
			return nil
		}
	}
	// The users record is the small profile (language, reachability); the
	// session holds more than a reminder needs.
	var p profile
	exists, err := getJSON(tx.Bucket(bucketUsers), []byte(chat), &p)
	if err != nil {
		return err
	}
	if !exists || p.Inactive || (f.Skip != nil && f.Skip(chat)) {
		res.Inactive++
		return nil
	}
	r := f.Build(chat, bot.State{Lang: p.Lang, LangSet: p.LangSet, Consent: p.Consent})
	r.Chat, r.Kind, r.Key = chat, bot.ReplyReminder, bot.ReminderKey(f.Slot, chat)
	seq, err := enqueue(tx, r, now, nil)
	if err != nil {
		return err
	}
	if seq != 0 {
		res.Queued++
	}
	return nil
}

// markOccurrence records that f's occurrence has reminders out.
func markOccurrence(sched *bbolt.Bucket, f bot.FanOut) error {
	key := []byte(schedOcc + bot.OccurrenceKey(f.Event, f.Start))
	var m bot.OccurrenceMark
	if _, err := getJSON(sched, key, &m); err != nil {
		return err
	}
	if slices.Contains(m.Slots, f.Slot) {
		return nil
	}
	m.Event, m.Title, m.Start, m.Targets = f.Event, f.Title, f.Start.UTC(), f.Targets
	m.Slots = append(m.Slots, f.Slot)
	return putJSON(sched, key, m)
}

// Marks implements bot.ReminderStore.
func (db *DB) Marks(ctx context.Context) ([]bot.OccurrenceMark, error) {
	var out []bot.OccurrenceMark
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return forEachMark(tx, func(_ []byte, m bot.OccurrenceMark) error {
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list reminder marks: %w", err)
	}
	return out, nil
}

func forEachMark(tx *bbolt.Tx, fn func(key []byte, m bot.OccurrenceMark) error) error {
	c := tx.Bucket(bucketSchedule).Cursor()
	prefix := []byte(schedOcc)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var m bot.OccurrenceMark
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		if err := fn(bytes.Clone(k), m); err != nil {
			return err
		}
	}
	return nil
}

// Withdraw implements bot.ReminderStore in one transaction.
func (db *DB) Withdraw(ctx context.Context, w bot.Withdrawal) (withdrawn, notified int, err error) {
	err = db.update(ctx, func(tx *bbolt.Tx) error {
		withdrawn, notified = 0, 0
		occ := bot.OccurrenceKey(w.Event, w.Start)
		sched := tx.Bucket(bucketSchedule)
		var m bot.OccurrenceMark
		found, err := getJSON(sched, []byte(schedOcc+occ), &m)
		if err != nil || !found {
			return err
		}
		reached, err := reachedChats(tx, m)
		if err != nil {
			return err
		}
		pulled, err := pullPending(tx, occ)
		if err != nil {
			return err
		}
		for chat, n := range pulled {
			withdrawn += n
			reached[chat] -= n
		}
		if notified, err = db.notify(tx, reached, w); err != nil {
			return err
		}
		return forgetMark(sched, occ, m)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("withdraw %s: %w", w.Event, err)
	}
	return withdrawn, notified, nil
}

// reachedChats counts, per chat, the slots of m whose fan-out reached it.
func reachedChats(tx *bbolt.Tx, m bot.OccurrenceMark) (map[bot.ChatKey]int, error) {
	sched, subs := tx.Bucket(bucketSchedule), tx.Bucket(bucketSubscriptions)
	reached := map[bot.ChatKey]int{}
	for _, slot := range m.Slots {
		var rec slotRecord
		if _, err := getJSON(sched, []byte(schedSlot+slot), &rec); err != nil {
			return nil, err
		}
		seen := map[bot.ChatKey]bool{}
		for i, target := range m.Targets {
			prefix := subKey(target, "")
			for _, k := range keysWithPrefix(subs, prefix) {
				chat := bot.ChatKey(k[len(prefix):])
				if !seen[chat] && rec.reached(i, chat) {
					reached[chat]++
				}
				seen[chat] = true
			}
		}
	}
	return reached, nil
}

// pullPending removes the pending reminders of an occurrence and counts
// them per chat.
func pullPending(tx *bbolt.Tx, occ string) (map[bot.ChatKey]int, error) {
	prefix := []byte(bot.ReminderKeyPrefix + occ)
	keys := tx.Bucket(bucketOutboxKeys)
	pulled := map[bot.ChatKey]int{}
	var seqs []uint64
	c := keys.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		_, chat, ok := strings.Cut(string(k[len(prefix):]), "/")
		if ok && len(v) == 8 {
			pulled[bot.ChatKey(chat)]++
			seqs = append(seqs, binary.BigEndian.Uint64(v))
		}
	}
	for _, seq := range seqs {
		if _, _, err := removeItem(tx, seq); err != nil {
			return nil, err
		}
	}
	return pulled, nil
}

// notify queues w's notice to every active chat reached more often than
// withdrawn.
func (db *DB) notify(tx *bbolt.Tx, reached map[bot.ChatKey]int, w bot.Withdrawal) (int, error) {
	chats := make([]bot.ChatKey, 0, len(reached))
	for chat, n := range reached {
		if n > 0 {
			chats = append(chats, chat)
		}
	}
	slices.Sort(chats)
	sent := 0
	for _, chat := range chats {
		st, exists, err := loadState(tx, chat)
		if err != nil {
			return sent, err
		}
		if !exists || st.Inactive || w.Notice == nil {
			continue
		}
		r, ok := w.Notice(chat, st)
		if !ok {
			continue
		}
		r.Chat, r.Kind = chat, bot.ReplyReminder
		if _, err := enqueue(tx, r, db.now(), nil); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// forgetMark deletes an occurrence's mark and its slot records.
func forgetMark(sched *bbolt.Bucket, occ string, m bot.OccurrenceMark) error {
	for _, slot := range m.Slots {
		if err := sched.Delete([]byte(schedSlot + slot)); err != nil {
			return err
		}
	}
	return sched.Delete([]byte(schedOcc + occ))
}

// ForgetBefore implements bot.ReminderStore.
func (db *DB) ForgetBefore(ctx context.Context, t time.Time) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		var old []bot.OccurrenceMark
		err := forEachMark(tx, func(_ []byte, m bot.OccurrenceMark) error {
			if m.Start.Before(t) {
				old = append(old, m)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range old {
			if err := forgetMark(tx.Bucket(bucketSchedule), bot.OccurrenceKey(m.Event, m.Start), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget reminder marks: %w", err)
	}
	return nil
}

// CountSubscribers implements bot.ReminderStore.
func (db *DB) CountSubscribers(ctx context.Context, targets []string) (int, error) {
	n := 0
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		seen := map[string]bool{}
		subs := tx.Bucket(bucketSubscriptions)
		for _, target := range targets {
			prefix := subKey(target, "")
			for _, k := range keysWithPrefix(subs, prefix) {
				chat := bot.ChatKey(k[len(prefix):])
				if seen[string(chat)] {
					continue
				}
				seen[string(chat)] = true
				st, exists, err := loadState(tx, chat)
				if err != nil {
					return err
				}
				if exists && !st.Inactive {
					n++
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count subscribers: %w", err)
	}
	return n, nil
}

// Count implements bot.ReminderStore.
func (db *DB) Count(ctx context.Context, name string, n uint64) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error { return incrStat(tx, db.now(), name, n) })
	if err != nil {
		return fmt.Errorf("count %s: %w", name, err)
	}
	return nil
}

// eraseCursors moves every unfinished fan-out cursor that names chat to the
// subscriber before it, before chat's subscriptions are deleted: progress
// is kept and the erased chat's key is gone.
func eraseCursors(tx *bbolt.Tx, chat bot.ChatKey) error {
	sched, subs := tx.Bucket(bucketSchedule), tx.Bucket(bucketSubscriptions)
	type fix struct {
		key []byte
		rec slotRecord
	}
	var fixes []fix
	c := sched.Cursor()
	prefix := []byte(schedSlot)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rec slotRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode %q: %w", k, err)
		}
		if rec.Cursor != string(chat) || rec.Phase >= len(rec.Targets) {
			continue
		}
		tprefix := subKey(rec.Targets[rec.Phase], "")
		sc := subs.Cursor()
		sc.Seek(subKey(rec.Targets[rec.Phase], chat))
		rec.Cursor = ""
		if pk, _ := sc.Prev(); pk != nil && bytes.HasPrefix(pk, tprefix) {
			rec.Cursor = string(pk[len(tprefix):])
		}
		fixes = append(fixes, fix{bytes.Clone(k), rec})
	}
	for _, f := range fixes {
		if err := putJSON(sched, f.key, f.rec); err != nil {
			return err
		}
	}
	return nil
}
