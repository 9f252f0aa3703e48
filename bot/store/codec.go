package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// sep joins the parts of composite keys. Chat keys, categories and stats
// names never contain it.
const sep = 0

func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// chatPrefix is the prefix of a chat's keys in transcripts and outbox_chat;
// the separator stops "telegram:1" from matching "telegram:12".
func chatPrefix(chat bot.ChatKey) []byte {
	return append([]byte(chat), sep)
}

// chatSeqKey is chat, separator, 8-byte big-endian seq.
func chatSeqKey(chat bot.ChatKey, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(chatPrefix(chat), seq)
}

// subKey is category, separator, chat.
func subKey(category string, chat bot.ChatKey) []byte {
	k := append([]byte(category), sep)
	return append(k, chat...)
}

// putJSON marshals v and stores it under key.
func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, raw)
}

// getJSON decodes the value under key into v, reporting whether it exists.
// json.Unmarshal copies, so v never refers to transaction memory.
func getJSON(b *bbolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

// keysWithPrefix copies out every key of b starting with prefix, so callers
// can delete them without disturbing a cursor.
func keysWithPrefix(b *bbolt.Bucket, prefix []byte) [][]byte {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}

func deleteKeys(b *bbolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete %q: %w", k, err)
		}
	}
	return nil
}
