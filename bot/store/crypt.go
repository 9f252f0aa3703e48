package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// Crypto-shredding. Every text a person typed that the store keeps
// (transcripts, ticket descriptions, …) is sealed with AES-256-GCM under a
// key of its own chat, kept in the "keys" bucket. Erasing the chat deletes
// the key, so the ciphertext that lingers in free pages, in the file's
// history and in older backups can no longer be read.

// ErrShredded means the chat's key is gone (the chat was erased), so its
// sealed texts cannot be opened any more.
var ErrShredded = errors.New("the chat's key is erased; its texts are unreadable")

// sealedV1 starts every sealed value: a format byte that JSON text never
// starts with, then the 12-byte nonce, then the GCM ciphertext and tag.
const sealedV1 = 0x01

// keySize is AES-256.
const keySize = 32

// metaLogKey is the meta key of the secret that keys the chat hashes in
// logs (LogKey).
const metaLogKey = "log_hash_key"

// sealFor encrypts plaintext for chat, creating the chat's key if it has
// none. tx must be writable. The chat key is the additional data, so a
// value copied under another chat does not open.
func sealFor(tx *bbolt.Tx, chat bot.ChatKey, plaintext []byte) ([]byte, error) {
	key, err := chatKey(tx, chat, true)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealedV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+aead.NonceSize()], plaintext, []byte(chat)), nil
}

// openFor decrypts a value sealFor wrote for chat. It fails with
// ErrShredded once the chat's key is erased. The result is a fresh slice,
// safe to keep after the transaction.
func openFor(tx *bbolt.Tx, chat bot.ChatKey, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != sealedV1 {
		return nil, errors.New("open: not a sealed value")
	}
	key, err := chatKey(tx, chat, false)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, ErrShredded
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() {
		return nil, errors.New("open: sealed value too short")
	}
	plain, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(chat))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return plain, nil
}

// putSealedJSON marshals v, seals it for chat and stores it under key in b.
func putSealedJSON(tx *bbolt.Tx, b *bbolt.Bucket, chat bot.ChatKey, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	sealed, err := sealFor(tx, chat, raw)
	if err != nil {
		return fmt.Errorf("seal %q: %w", key, err)
	}
	return b.Put(key, sealed)
}

// getSealedJSON opens and decodes the value under key in b into v,
// reporting whether it exists. Values written before sealing existed
// (plain JSON) still decode. A shredded chat's value fails with
// ErrShredded.
func getSealedJSON(tx *bbolt.Tx, b *bbolt.Bucket, chat bot.ChatKey, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if raw[0] != sealedV1 {
		if err := json.Unmarshal(raw, v); err != nil {
			return true, fmt.Errorf("decode %q: %w", key, err)
		}
		return true, nil
	}
	plain, err := openFor(tx, chat, raw)
	if err != nil {
		return true, fmt.Errorf("open %q: %w", key, err)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

// chatKey returns chat's key, creating it when create is set and tx is
// writable. A missing key without create is (nil, nil).
func chatKey(tx *bbolt.Tx, chat bot.ChatKey, create bool) ([]byte, error) {
	if chat == "" {
		return nil, errNoChat
	}
	b := tx.Bucket(bucketKeys)
	if b == nil {
		return nil, errors.New("keys bucket missing")
	}
	if k := b.Get([]byte(chat)); k != nil {
		if len(k) != keySize {
			return nil, fmt.Errorf("bad key length %d for %s", len(k), chat)
		}
		return bytes.Clone(k), nil
	}
	if !create {
		return nil, nil
	}
	k := make([]byte, keySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("new key: %w", err)
	}
	if err := b.Put([]byte(chat), k); err != nil {
		return nil, fmt.Errorf("store key: %w", err)
	}
	return k, nil
}

// shred deletes chat's key: every value sealed for it becomes unreadable.
func shred(tx *bbolt.Tx, chat bot.ChatKey) error {
	if err := tx.Bucket(bucketKeys).Delete([]byte(chat)); err != nil {
		return fmt.Errorf("erase key: %w", err)
	}
	return nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return aead, nil
}

// sealTranscripts is migration 3: it creates the keys bucket and seals the
// transcript entries that older binaries stored as plain JSON.
func sealTranscripts(tx *bbolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketKeys); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketKeys, err)
	}
	b := tx.Bucket(bucketTranscripts)
	type plain struct{ key, val []byte }
	var todo []plain
	err := b.ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] != sealedV1 {
			todo = append(todo, plain{bytes.Clone(k), bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range todo {
		i := bytes.IndexByte(p.key, sep)
		if i <= 0 {
			return fmt.Errorf("transcript key %q has no chat", p.key)
		}
		sealed, err := sealFor(tx, bot.ChatKey(p.key[:i]), p.val)
		if err != nil {
			return err
		}
		if err := b.Put(p.key, sealed); err != nil {
			return fmt.Errorf("seal transcript %q: %w", p.key, err)
		}
	}
	return nil
}

// LogKey returns the secret that keys chat hashes in log lines, creating
// it on first use. It lives in the data file so hashes stay stable across
// restarts and differ between installations; it never leaves the process.
func (db *DB) LogKey() ([]byte, error) {
	var key []byte
	err := db.update(context.Background(), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if k := b.Get([]byte(metaLogKey)); len(k) == keySize {
			key = bytes.Clone(k)
			return nil
		}
		key = make([]byte, keySize)
		if _, err := rand.Read(key); err != nil {
			return fmt.Errorf("new log key: %w", err)
		}
		return b.Put([]byte(metaLogKey), key)
	})
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return key, nil
}
