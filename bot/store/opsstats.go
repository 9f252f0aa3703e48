package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// OutboxStat describes one channel's pending outbox items.
type OutboxStat struct {
	Depth int // pending items
	// Oldest is how long the oldest due item (its NotBefore passed) has
	// waited since it was enqueued; 0 when none is due.
	Oldest time.Duration
}

// OutboxStats returns the pending items per channel of the recipient,
// for metrics and readiness. It reads every pending item, so call it at
// scrape intervals, not per update.
func (db *DB) OutboxStats(ctx context.Context, now time.Time) (map[bot.Channel]OutboxStat, error) {
	out := map[bot.Channel]OutboxStat{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var it struct {
				Reply struct {
					Chat bot.ChatKey `json:"Chat"`
				} `json:"reply"`
				NotBefore time.Time `json:"not_before"`
				Enqueued  time.Time `json:"enqueued"`
			}
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode outbox item %x: %w", k, err)
			}
			ch := it.Reply.Chat.Channel()
			st := out[ch]
			st.Depth++
			if !it.NotBefore.After(now) && !it.Enqueued.IsZero() {
				st.Oldest = max(st.Oldest, now.Sub(it.Enqueued))
			}
			out[ch] = st
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("outbox stats: %w", err)
	}
	return out, nil
}
