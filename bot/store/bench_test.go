package store_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
)

// benchChats is how many chats update concurrently, as sharded workers do.
const benchChats = 64

// BenchmarkApplyBatch64 measures Apply with group commit (default options,
// fsync on): 64 chats, each applying its updates in order. One op is one
// update.
func BenchmarkApplyBatch64(b *testing.B) {
	benchApply(b, store.Options{}, nil)
}

// BenchmarkApplyBatch64Sized is BenchmarkApplyBatch64 with MaxBatchSize set
// to the number of workers, so a full batch commits without waiting.
func BenchmarkApplyBatch64Sized(b *testing.B) {
	benchApply(b, store.Options{MaxBatchSize: benchChats}, nil)
}

// BenchmarkApplySingleTx is the baseline: the same work, one transaction
// and one fsync per update.
func BenchmarkApplySingleTx(b *testing.B) {
	benchApply(b, store.Options{}, store.SetNoBatch)
}

func benchApply(b *testing.B, opts store.Options, setup func(*store.DB)) {
	db := open(b, filepath.Join(b.TempDir(), "bench.db"), opts)
	if setup != nil {
		setup(db)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range benchChats {
		wg.Go(func() {
			chat := bot.NewChatKey(bot.Telegram, fmt.Sprint(c))
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				mustApply(b, db, chat, fmt.Sprint("tg:", i), step(fmt.Sprint("node-", i%50), "answer text of a typical length for a menu", ""))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
