package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// bucketDesk holds the consultants' desk records (bot/desk decides the
// keys; those that belong to one chat end with "/" + the chat key, so
// erasure finds them). It is created on first write, so no migration.
var bucketDesk = []byte("desk")

var (
	_ bot.DeskStore = (*DB)(nil)
	_ bot.DeskTx    = (*deskTx)(nil)
)

// SetDeskHook implements bot.DeskStore. With a hook installed, Apply hands
// hand-off, relay, cancel, rating and erasure effects to it; without one
// the store keeps its simple per-chat tickets (Tickets, Transcript).
func (db *DB) SetDeskHook(h bot.DeskHook) { db.deskHook = h }

// UpdateDesk implements bot.DeskStore. It commits through Batch like
// Apply, so fn may run more than once.
func (db *DB) UpdateDesk(ctx context.Context, dedupKey string, fn func(tx bot.DeskTx) error) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var (
		applied bool
		stage   staging
	)
	err := db.batch(context.WithoutCancel(ctx), func(tx *bbolt.Tx) error {
		applied, stage = false, staging{}
		dedupe := tx.Bucket(bucketDedupe)
		if dedupKey != "" && dedupe.Get([]byte(dedupKey)) != nil {
			return nil
		}
		now := db.now()
		if err := fn(&deskTx{tx: tx, now: now, stage: &stage}); err != nil {
			return err
		}
		if dedupKey != "" {
			if err := dedupe.Put([]byte(dedupKey), u64(uint64(now.Unix()))); err != nil {
				return fmt.Errorf("put dedupe key: %w", err)
			}
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("desk update: %w", err)
	}
	db.items.publish(&stage)
	return applied, nil
}

// DeskRecord decodes one desk record outside any update, for tests and
// reports; found is false when it does not exist.
func (db *DB) DeskRecord(ctx context.Context, key string, v any) (found bool, err error) {
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDesk)
		if b == nil {
			return nil
		}
		found, err = getJSON(b, []byte(key), v)
		return err
	})
	return found, err
}

// deskTx implements bot.DeskTx over one bbolt transaction.
type deskTx struct {
	tx  *bbolt.Tx
	now time.Time
	// stage, if set, collects the seqs DropTracked removes, so that the
	// item cache forgets them once the transaction commits.
	stage *staging
}

func (d *deskTx) Now() time.Time { return d.now }

func (d *deskTx) bucket() (*bbolt.Bucket, error) {
	b, err := d.tx.CreateBucketIfNotExists(bucketDesk)
	if err != nil {
		return nil, fmt.Errorf("desk bucket: %w", err)
	}
	return b, nil
}

func (d *deskTx) Get(key string, v any) (bool, error) {
	b := d.tx.Bucket(bucketDesk)
	if b == nil {
		return false, nil
	}
	return getJSON(b, []byte(key), v)
}

func (d *deskTx) Put(key string, v any) error {
	b, err := d.bucket()
	if err != nil {
		return err
	}
	return putJSON(b, []byte(key), v)
}

func (d *deskTx) PutFor(chat bot.ChatKey, key string, v any) error {
	b, err := d.bucket()
	if err != nil {
		return err
	}
	return putSealedJSON(d.tx, b, chat, []byte(key), v)
}

func (d *deskTx) GetFor(chat bot.ChatKey, key string, v any) (bool, error) {
	b := d.tx.Bucket(bucketDesk)
	if b == nil {
		return false, nil
	}
	return getSealedJSON(d.tx, b, chat, []byte(key), v)
}

func (d *deskTx) Delete(key string) error {
	b := d.tx.Bucket(bucketDesk)
	if b == nil {
		return nil
	}
	return b.Delete([]byte(key))
}

func (d *deskTx) Keys(prefix string) ([]string, error) {
	b := d.tx.Bucket(bucketDesk)
	if b == nil {
		return nil, nil
	}
	var keys []string
	for _, k := range keysWithPrefix(b, []byte(prefix)) {
		keys = append(keys, string(k))
	}
	return keys, nil
}

func (d *deskTx) Enqueue(replies ...bot.Reply) error {
	for _, r := range replies {
		if _, err := enqueue(d.tx, r, d.now, nil); err != nil {
			return err
		}
	}
	return nil
}

func (d *deskTx) AppendTranscript(chat bot.ChatKey, entry any) error {
	b := d.tx.Bucket(bucketTranscripts)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("next transcript sequence: %w", err)
	}
	return putSealedJSON(d.tx, b, chat, chatSeqKey(chat, seq), entry)
}

func (d *deskTx) DeleteTranscript(chat bot.ChatKey) error {
	tr := d.tx.Bucket(bucketTranscripts)
	return deleteKeys(tr, keysWithPrefix(tr, chatPrefix(chat)))
}

func (d *deskTx) DropTracked(chat bot.ChatKey, track string) error {
	for _, k := range keysWithPrefix(d.tx.Bucket(bucketOutboxChat), chatPrefix(chat)) {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		var it bot.OutboxItem
		found, err := getJSON(d.tx.Bucket(bucketOutbox), u64(seq), &it)
		if err != nil {
			return err
		}
		if found && it.Reply.Track == track {
			if _, _, err := removeItem(d.tx, seq); err != nil {
				return err
			}
			if d.stage != nil {
				d.stage.dropped = append(d.stage.dropped, seq)
			}
		}
	}
	return nil
}

// RefsOf lists the platform ids of chat's sent messages recorded under
// track (Queue.Done), for deleting an erased ticket's relayed copies.
func (db *DB) RefsOf(ctx context.Context, chat bot.ChatKey, track string) ([]string, error) {
	var refs []string
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		prefix := chatPrefix(chat)
		c := tx.Bucket(bucketRefs).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if string(v) == track {
				refs = append(refs, string(k[len(prefix):]))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refs of %s: %w", track, err)
	}
	return refs, nil
}

func (d *deskTx) Count(name string, n uint64) error { return incrStat(d.tx, d.now, name, n) }

// UpdateChat runs fn on chat's state as Apply does, without the desk hook
// and without a dedupe key.
func (d *deskTx) UpdateChat(chat bot.ChatKey, fn bot.ApplyFunc) (bot.Result, error) {
	st, exists, err := loadState(d.tx, chat)
	if err != nil {
		return bot.Result{}, err
	}
	res := fn(st, exists)
	for _, e := range res.Effects {
		if bot.DeskEffect(e.Kind) {
			continue
		}
		if err := applyEffect(d.tx, chat, e, d.now); err != nil {
			return bot.Result{}, err
		}
	}
	if res.Erases() {
		err = eraseChat(d.tx, chat)
	} else {
		err = putState(d.tx, chat, res.State, st, exists)
	}
	if err != nil {
		return bot.Result{}, err
	}
	_, err = enqueueReplies(d.tx, chat, res.Replies, d.now, nil)
	return res, err
}

// runDeskHook hands the desk its effects of one update, if a hook is set
// and there are any. It reports whether the hook took them.
func (db *DB) runDeskHook(tx *bbolt.Tx, chat bot.ChatKey, res bot.Result, now time.Time, stage *staging) (bool, error) {
	if db.deskHook == nil {
		return false, nil
	}
	var effects []bot.Effect
	for _, e := range res.Effects {
		if bot.DeskEffect(e.Kind) {
			effects = append(effects, e)
		}
	}
	if len(effects) == 0 {
		return true, nil
	}
	if err := db.deskHook(&deskTx{tx: tx, now: now, stage: stage}, chat, res.State, effects); err != nil {
		return true, fmt.Errorf("desk: %w", err)
	}
	return true, nil
}

// eraseDesk deletes the desk records that end with "/" + chat.
func eraseDesk(tx *bbolt.Tx, chat bot.ChatKey) error {
	b := tx.Bucket(bucketDesk)
	if b == nil {
		return nil
	}
	return deleteSuffixed(b, []byte("/"+string(chat)))
}
