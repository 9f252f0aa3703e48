package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// Erase deletes every key that belongs to chat, as the erase effect does:
// its user and session records, subscriptions, ticket, transcript, pending
// outbox items with their index entries, and its lane pause. Counters and
// dedupe keys hold no chat identity and stay. Erasing an unknown chat is
// not an error. Deleted bytes linger in bbolt's free pages until the file
// is compacted.
func (db *DB) Erase(ctx context.Context, chat bot.ChatKey) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error { return eraseChat(tx, chat) })
	db.items.evictChat(chat)
	if err != nil {
		return fmt.Errorf("erase %s: %w", chat, err)
	}
	return nil
}

// Keys lists every key, in every bucket, whose key or value mentions chat,
// as "bucket/key" with the key quoted. It reads the whole file, so it is
// for tests and privacy audits, not for request paths. After Erase it is
// empty unless other chats' data mention chat (a staff message about it).
func (db *DB) Keys(ctx context.Context, chat bot.ChatKey) ([]string, error) {
	var keys []string
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if mentions(k, chat) || mentions(v, chat) {
					keys = append(keys, fmt.Sprintf("%s/%q", name, k))
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list keys of %s: %w", chat, err)
	}
	sort.Strings(keys)
	return keys, nil
}

// eraseChat deletes chat's keys. Subscriptions are keyed by category first,
// so it scans that bucket rather than trusting State.Subs.
func eraseChat(tx *bbolt.Tx, chat bot.ChatKey) error {
	if err := unindexSeen(tx, chat); err != nil { // reads the session: first
		return fmt.Errorf("erase seen index: %w", err)
	}
	for _, name := range [][]byte{bucketUsers, bucketSessions, bucketTickets} {
		if err := tx.Bucket(name).Delete([]byte(chat)); err != nil {
			return fmt.Errorf("erase from %s: %w", name, err)
		}
	}
	tr := tx.Bucket(bucketTranscripts)
	if err := deleteKeys(tr, keysWithPrefix(tr, chatPrefix(chat))); err != nil {
		return fmt.Errorf("erase transcript: %w", err)
	}
	if err := eraseCursors(tx, chat); err != nil {
		return fmt.Errorf("erase reminder cursors: %w", err)
	}
	if err := deleteSuffixed(tx.Bucket(bucketSubscriptions), append([]byte{sep}, chat...)); err != nil {
		return fmt.Errorf("erase subscriptions: %w", err)
	}
	if _, err := dropChatItems(tx, chat); err != nil {
		return fmt.Errorf("erase outbox: %w", err)
	}
	if err := eraseDesk(tx, chat); err != nil {
		return fmt.Errorf("erase desk records: %w", err)
	}
	if err := eraseMeta(tx.Bucket(bucketMeta), chat); err != nil {
		return err
	}
	return shred(tx, chat)
}

// eraseMeta deletes adapter keys that end with the chat key, by the
// convention "<adapter>/<what>/<chat>" (Viber's monthly reminder counts),
// and the chat's lane pause.
func eraseMeta(meta *bbolt.Bucket, chat bot.ChatKey) error {
	if err := deleteSuffixed(meta, []byte("/"+string(chat))); err != nil {
		return fmt.Errorf("erase meta: %w", err)
	}
	return meta.Delete([]byte(pausePrefix + string(chat)))
}

// deleteSuffixed deletes every key of b that ends with suffix. Buckets keyed
// by something else first (subscriptions by category) are scanned whole;
// they are small.
func deleteSuffixed(b *bbolt.Bucket, suffix []byte) error {
	var keys [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		if bytes.HasSuffix(k, suffix) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return deleteKeys(b, keys)
}

// PruneInactive erases every chat whose last update is older than before,
// as the privacy notice promises (retention), and returns how many. Chats
// with pending outbox items are erased too: their messages are dropped.
// It finds them in the seen index (one entry per chat, by day), which the
// first call on a file written before the index existed builds by reading
// every session once.
func (db *DB) PruneInactive(ctx context.Context, before time.Time) (int, error) {
	stale, err := db.staleChats(ctx, before) // the seen index: see seen.go
	if err != nil {
		return 0, fmt.Errorf("prune inactive: %w", err)
	}
	erased := 0
	for _, chat := range stale {
		err := db.update(ctx, func(tx *bbolt.Tx) error {
			var st bot.State
			found, err := getJSON(tx.Bucket(bucketSessions), []byte(chat), &st)
			if err != nil || !found || !st.LastSeen.Before(before) {
				return err // came back since the scan: keep
			}
			erased++
			return eraseChat(tx, chat)
		})
		db.items.evictChat(chat)
		if err != nil {
			return erased, fmt.Errorf("prune inactive %s: %w", chat, err)
		}
	}
	return erased, nil
}

// mentions reports whether data contains chat as a whole chat key, not as
// the prefix of a longer id ("telegram:1" in "telegram:12"). Only the end
// is checked: a chat key starts with a channel name, so any byte may
// precede it ("pause/telegram:1").
func mentions(data []byte, chat bot.ChatKey) bool {
	needle := []byte(chat)
	if len(needle) == 0 {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], needle)
		if j < 0 {
			return false
		}
		end := i + j + len(needle)
		if end == len(data) || !isIDByte(data[end]) {
			return true
		}
		i += j + 1
	}
}

// isIDByte reports whether c can continue a platform chat id: digits on
// Telegram, base64 letters and padding on Viber. '/' is left out on
// purpose: keys use it as a separator ("remind/telegram:1/slot"), and
// missing a mention is worse than a rare false one.
func isIDByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '_' || c == '+' || c == '='
}
