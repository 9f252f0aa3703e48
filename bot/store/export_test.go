package store

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// SetNoBatch makes Apply commit every update in its own transaction, the
// baseline BenchmarkApplySingleTx compares group commit with.
func SetNoBatch(db *DB) { db.noBatch = true }

// SetApplyHook installs h to run at the end of every run of Apply's
// transaction function; an error from h rolls the transaction back and
// makes bbolt run the functions again, as a failing batch member would.
func SetApplyHook(db *DB, h func(chat bot.ChatKey) error) { db.applyHook = h }

// ViewRaw runs fn in a read transaction of the underlying bbolt file.
func (db *DB) ViewRaw(fn func(tx *bbolt.Tx) error) error { return db.view(context.Background(), fn) }

// SetNoItemCache makes Scan and ScanChat decode every item, the baseline
// BenchmarkScanFresh compares the item cache with.
func SetNoItemCache(db *DB) { db.noItemCache = true }

// CachedItems returns the items the item cache holds and its bytes of JSON.
func CachedItems(db *DB) ([]bot.OutboxItem, int) { return db.items.held() }

// ItemCacheBounds are the item cache's slots, bytes and largest item.
const (
	ItemCacheSlots   = itemCacheSlots
	ItemCacheBytes   = itemCacheBytes
	ItemCacheMaxItem = itemCacheMaxItem
)
