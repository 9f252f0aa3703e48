package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/infopunkt/infopunkt/bot"
)

// DeskTicketStats counts the desk's tickets for metrics.
type DeskTicketStats struct {
	ByStatus map[string]int // "waiting", "taken", "closed"
	// OldestWaiting is how long the longest-waiting ticket has been in the
	// queue; 0 when none waits.
	OldestWaiting time.Duration
}

// DeskTickets reads the desk's ticket records ("t/<8 digits>/<chat>",
// sealed for the chat) and counts them by status. Tickets of erased
// chats are skipped. It opens every ticket, so call it at scrape
// intervals.
func (db *DB) DeskTickets(ctx context.Context, now time.Time) (DeskTicketStats, error) {
	st := DeskTicketStats{ByStatus: map[string]int{}}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDesk)
		if b == nil {
			return nil
		}
		for _, k := range keysWithPrefix(b, []byte("t/")) {
			rest := string(k[2:])
			if len(rest) < 10 || rest[8] != '/' {
				continue
			}
			var t struct {
				Status   string    `json:"status"`
				WaitFrom time.Time `json:"wait_from"`
			}
			_, err := getSealedJSON(tx, b, bot.ChatKey(rest[9:]), k, &t)
			if errors.Is(err, ErrShredded) {
				continue
			}
			if err != nil {
				return err
			}
			st.ByStatus[t.Status]++
			if t.Status == "waiting" && !t.WaitFrom.IsZero() {
				st.OldestWaiting = max(st.OldestWaiting, now.Sub(t.WaitFrom))
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("desk tickets: %w", err)
	}
	return st, nil
}
