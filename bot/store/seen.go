package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// bucketSeen indexes chats by the UTC day of their last update:
// "YYYYMMDD", 0x00, chat key → empty. putState keeps it current (one write
// per chat per day), so retention (PruneInactive) reads only the days past
// the retention period instead of decoding every session, which with a
// million users took seconds and pulled the whole file into memory. It is
// created on first use.
var bucketSeen = []byte("seen")

// metaSeenIndex in meta marks bucketSeen as complete: every session has
// its entry. Files written before the index existed get it built once, by
// the first PruneInactive.
const metaSeenIndex = "seen_index"

// seenChunk is how many sessions one transaction of the one-time index
// build reads.
const seenChunk = 10000

const seenDayLen = len("20060102")

func seenKey(last time.Time, chat bot.ChatKey) []byte {
	k := last.UTC().AppendFormat(make([]byte, 0, seenDayLen+1+len(chat)), "20060102")
	return append(append(k, sep), chat...)
}

// sameDay reports whether a and b fall on the same UTC day, the day
// seenKey files them under.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// indexSeen moves chat's entry in bucketSeen when the day of its last
// update changed (or the chat is new).
func indexSeen(tx *bbolt.Tx, chat bot.ChatKey, st, old bot.State, existed bool) error {
	if existed && sameDay(st.LastSeen, old.LastSeen) { // most updates: nothing to move
		return nil
	}
	key := seenKey(st.LastSeen, chat)
	var oldKey []byte
	if existed {
		oldKey = seenKey(old.LastSeen, chat)
	}
	b, err := tx.CreateBucketIfNotExists(bucketSeen)
	if err != nil {
		return fmt.Errorf("seen index: %w", err)
	}
	if oldKey != nil {
		if err := b.Delete(oldKey); err != nil {
			return fmt.Errorf("seen index: %w", err)
		}
	}
	if err := b.Put(key, nil); err != nil {
		return fmt.Errorf("seen index: %w", err)
	}
	return nil
}

// unindexSeen deletes chat's entry; when its session cannot be read it
// looks through the whole index rather than leave the chat key behind.
func unindexSeen(tx *bbolt.Tx, chat bot.ChatKey) error {
	b := tx.Bucket(bucketSeen)
	if b == nil {
		return nil
	}
	var st bot.State
	found, err := getJSON(tx.Bucket(bucketSessions), []byte(chat), &st)
	if err == nil && found {
		return b.Delete(seenKey(st.LastSeen, chat))
	}
	return deleteSuffixed(b, append([]byte{sep}, chat...))
}

// staleChats returns the chats whose last update may be before before:
// from the index when it is complete, else by building it.
func (db *DB) staleChats(ctx context.Context, before time.Time) ([]bot.ChatKey, error) {
	var complete bool
	var stale []bot.ChatKey
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		complete = tx.Bucket(bucketMeta).Get([]byte(metaSeenIndex)) != nil
		b := tx.Bucket(bucketSeen)
		if !complete || b == nil {
			return nil
		}
		last := before.UTC().AppendFormat(nil, "20060102")
		c := b.Cursor()
		for k, _ := c.First(); k != nil && len(k) > seenDayLen && bytes.Compare(k[:seenDayLen], last) <= 0; k, _ = c.Next() {
			stale = append(stale, bot.ChatKey(k[seenDayLen+1:]))
		}
		return nil
	})
	if err != nil || complete {
		return stale, err
	}
	return db.buildSeenIndex(ctx, before)
}

// buildSeenIndex indexes every session, a chunk per transaction (Apply
// indexes what it writes meanwhile), marks the index complete, and
// returns the chats last seen before before.
func (db *DB) buildSeenIndex(ctx context.Context, before time.Time) ([]bot.ChatKey, error) {
	var stale []bot.ChatKey
	var after []byte
	for done := false; !done; {
		err := db.update(ctx, func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketSeen)
			if err != nil {
				return err
			}
			c := tx.Bucket(bucketSessions).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n := 0; k != nil && n < seenChunk; k, v = c.Next() {
				var st struct {
					LastSeen time.Time `json:"last_seen"`
				}
				if err := json.Unmarshal(v, &st); err != nil { // same encoding as putJSON
					return fmt.Errorf("decode session %q: %w", k, err)
				}
				if err := b.Put(seenKey(st.LastSeen, bot.ChatKey(k)), nil); err != nil {
					return err
				}
				if st.LastSeen.Before(before) {
					stale = append(stale, bot.ChatKey(bytes.Clone(k)))
				}
				after = bytes.Clone(k)
				n++
			}
			if k == nil {
				done = true
				return tx.Bucket(bucketMeta).Put([]byte(metaSeenIndex), []byte("1"))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("build seen index: %w", err)
		}
	}
	return stale, nil
}
