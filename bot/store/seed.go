package store

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// PutStates stores many chats' states in one transaction, as Apply leaves
// them: the session, the users record and a subscription for each of
// State.Subs. Nothing else is written (no dedupe keys, replies or
// counters). It exists to seed large stores for start-up and scale
// benchmarks (infopunkt-load -seed-users) and imports; existing chats are
// overwritten.
func (db *DB) PutStates(ctx context.Context, states map[bot.ChatKey]bot.State) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bucketSessions).Cursor().First(); k == nil {
			// Every session will come through putState: the seen index
			// is complete from the start.
			if err := tx.Bucket(bucketMeta).Put([]byte(metaSeenIndex), []byte("1")); err != nil {
				return err
			}
		}
		for chat, st := range states {
			if err := putState(tx, chat, st, bot.State{}, false); err != nil {
				return err
			}
			for _, cat := range st.Subs {
				if err := subscribe(tx, cat, chat, st.Created); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put states: %w", err)
	}
	return nil
}
