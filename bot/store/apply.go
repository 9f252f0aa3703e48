package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/faq"
)

// profile is the users record: who the person is to us (language,
// consent, reachability, since when), as opposed to where the
// conversation stands (sessions). It is derived from State and rewritten
// only when it changes, which is rare, so the per-update write stays one
// record; sessions holds the truth.
type profile struct {
	Lang     faq.Lang  `json:"lang"`
	LangSet  bool      `json:"lang_set,omitempty"`
	Consent  bool      `json:"consent,omitempty"`
	Inactive bool      `json:"inactive,omitempty"`
	Created  time.Time `json:"created"`
}

func profileOf(st bot.State) profile {
	return profile{Lang: st.Lang, LangSet: st.LangSet, Consent: st.Consent, Inactive: st.Inactive, Created: st.Created}
}

// same compares with Time.Equal: a decoded time and the engine's copy of
// it may differ in location or monotonic reading.
func (p profile) same(q profile) bool {
	created := p.Created.Equal(q.Created)
	p.Created, q.Created = time.Time{}, time.Time{}
	return created && p == q
}

// applyOutcome carries Apply's answer out of the transaction function.
type applyOutcome struct {
	res     bot.Result
	applied bool
	stage   staging // the replies queued, for the item cache
}

// Apply implements bot.Store. It joins concurrent callers into one commit
// (bbolt's Batch), so the transaction function may run more than once: it
// recomputes everything from what the transaction sees and only the last,
// committed run's result is returned. ctx is checked before the update is
// handed to the commit; once handed over, the update completes. A failure
// of the transaction function itself (a state that cannot be encoded, a
// damaged record) is a *bot.UnprocessableError; commit failures are not.
func (db *DB) Apply(ctx context.Context, chat bot.ChatKey, dedupKey string, fn bot.ApplyFunc) (bot.Result, bool, error) {
	if err := ctx.Err(); err != nil {
		return bot.Result{}, false, err
	}
	if chat == "" {
		return bot.Result{}, false, errNoChat
	}
	var out applyOutcome
	run := func(tx *bbolt.Tx) error {
		out = applyOutcome{}
		if err := db.apply(tx, chat, dedupKey, fn, &out); err != nil {
			// Nothing in apply does I/O before the commit: its failures
			// come from this update or the records it reads.
			// Its messages may name records by chat key: keep that out
			// of logs and dead letters.
			return &bot.UnprocessableError{Err: errors.New(strings.ReplaceAll(err.Error(), string(chat), "<chat>"))}
		}
		if db.applyHook != nil {
			return db.applyHook(chat)
		}
		return nil
	}
	start := time.Now()
	var err error
	if db.noBatch {
		if err = db.update(context.WithoutCancel(ctx), run); err == nil {
			db.items.publish(&out.stage)
		}
	} else {
		err = db.groupCommit(context.WithoutCancel(ctx), run, &out.stage)
	}
	if db.opts.ObserveCommit != nil {
		db.opts.ObserveCommit(time.Since(start))
	}
	if err != nil {
		return bot.Result{}, false, fmt.Errorf("apply %s update: %w", chat.Channel(), err)
	}
	return out.res, out.applied, nil
}

// apply is one run of Apply's transaction; see the package doc for the steps.
func (db *DB) apply(tx *bbolt.Tx, chat bot.ChatKey, dedupKey string, fn bot.ApplyFunc, out *applyOutcome) error {
	dedupe, dk := tx.Bucket(bucketDedupe), []byte(dedupKey)
	if dedupKey != "" && dedupe.Get(dk) != nil {
		return nil
	}
	st, exists, err := loadState(tx, chat)
	if err != nil {
		return err
	}
	res := fn(st, exists)
	now := db.now()
	hooked, err := db.runDeskHook(tx, chat, res, now, &out.stage)
	if err != nil {
		return err
	}
	for _, e := range res.Effects {
		if hooked && bot.DeskEffect(e.Kind) {
			continue
		}
		if err := applyEffect(tx, chat, e, now); err != nil {
			return err
		}
	}
	if res.Erases() {
		err = eraseChat(tx, chat)
		out.stage.erased = chat
	} else {
		err = putState(tx, chat, res.State, st, exists)
	}
	if err != nil {
		return err
	}
	refused, err := enqueueReplies(tx, chat, res.Replies, now, &out.stage.items)
	if err != nil {
		return err
	}
	if refused && !res.Erases() {
		if err := db.noteFlood(tx, chat, res.State.Lang, now, &out.stage.items); err != nil {
			return err
		}
	}
	if err := incrStat(tx, now, "updates/"+string(chat.Channel()), 1); err != nil {
		return err
	}
	if dedupKey != "" {
		if err := dedupe.Put(dk, u64(uint64(now.Unix()))); err != nil {
			return fmt.Errorf("put dedupe key: %w", err)
		}
	}
	out.res, out.applied = res, true
	return nil
}

// enqueueReplies queues replies of an update; a reply without a chat goes
// to the chat the update came from. refused reports that the flood cap
// turned away an answer to chat.
func enqueueReplies(tx *bbolt.Tx, chat bot.ChatKey, replies []bot.Reply, now time.Time, staged *[]cachedItem) (refused bool, err error) {
	for _, r := range replies {
		if r.Chat == "" {
			r.Chat = chat
		}
		seq, err := enqueue(tx, r, now, staged)
		if err != nil {
			return refused, err
		}
		// A refusable reply has no Key, so only the cap skips it.
		refused = refused || (seq == 0 && r.Chat == chat && refusable(r))
	}
	return refused, nil
}

// noteFlood queues Options.FloodNotice for a chat whose answers the flood
// cap refused: the user learns that some messages went unanswered instead
// of silence. Its Key keeps one notice pending at a time, behind the
// answers already queued, so a flood gets one notice per drained backlog.
func (db *DB) noteFlood(tx *bbolt.Tx, chat bot.ChatKey, lang faq.Lang, now time.Time, staged *[]cachedItem) error {
	if db.opts.FloodNotice == nil {
		return nil
	}
	text := db.opts.FloodNotice(lang)
	if text == "" {
		return nil
	}
	r := bot.Reply{Chat: chat, Kind: bot.ReplyAnswer, Text: text, Lang: lang, Key: floodKeyPrefix + string(chat)}
	if _, err := enqueue(tx, r, now, staged); err != nil {
		return fmt.Errorf("flood notice: %w", err)
	}
	return nil
}

// State implements bot.Store.
func (db *DB) State(ctx context.Context, chat bot.ChatKey) (bot.State, bool, error) {
	var (
		st     bot.State
		exists bool
	)
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		st, exists, err = loadState(tx, chat)
		return err
	})
	if err != nil {
		return bot.State{}, false, fmt.Errorf("load state of %s: %w", chat, err)
	}
	return st, exists, nil
}

func loadState(tx *bbolt.Tx, chat bot.ChatKey) (bot.State, bool, error) {
	var st bot.State
	exists, err := getJSON(tx.Bucket(bucketSessions), []byte(chat), &st)
	return st, exists, err
}

// putState writes the session, and the users record when the profile
// differs from the one of old (the state before, if existed).
func putState(tx *bbolt.Tx, chat bot.ChatKey, st, old bot.State, existed bool) error {
	if err := putJSON(tx.Bucket(bucketSessions), []byte(chat), st); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	if err := indexSeen(tx, chat, st, old, existed); err != nil {
		return err
	}
	p := profileOf(st)
	if existed && p.same(profileOf(old)) {
		return nil
	}
	if err := putJSON(tx.Bucket(bucketUsers), []byte(chat), p); err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	return nil
}

// applyEffect records one effect. Unknown kinds (from a newer engine) are
// ignored rather than failing the update forever.
func applyEffect(tx *bbolt.Tx, chat bot.ChatKey, e bot.Effect, now time.Time) error {
	switch e.Kind {
	case bot.EffectSubscribe:
		return subscribe(tx, e.Category, chat, now)
	case bot.EffectUnsubscribe:
		return unsubscribe(tx, e.Category, chat, now)
	case bot.EffectHandoff:
		t := Ticket{Chat: chat, Node: e.Node, Lang: e.Lang, Opened: now, Updated: now, Status: TicketOpen}
		return putJSON(tx.Bucket(bucketTickets), []byte(chat), t)
	case bot.EffectHandoffCancel:
		return cancelTicket(tx, chat, now)
	case bot.EffectRelay:
		return appendTranscript(tx, chat, TranscriptEntry{At: now, Lang: e.Lang, Text: e.Text})
	case bot.EffectUnanswered:
		return incrStat(tx, now, "unanswered/"+e.Lang.String(), 1)
	case bot.EffectView:
		return incrStat(tx, now, "view/"+e.Node, 1)
	}
	return nil
}
