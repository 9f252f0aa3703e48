package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
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

// menuReply is a reply the size of the walk's answers: a text of a few
// hundred bytes, source links and a few rows of buttons.
func menuReply(chat bot.ChatKey, i int) bot.Reply {
	r := bot.Reply{Chat: chat, Title: "Karta pobytu", Lang: faq.UK, EditRef: "4711",
		Text:  strings.Repeat("Щоб отримати карту побуту, подайте заяву до воєводського управління. ", 6) + strconv.Itoa(i),
		Links: []bot.Link{{Label: "Urząd", URL: "https://www.gov.pl/web/udsc"}, {Label: "Infopunkt", URL: "https://example.org/karta"}}}
	for row := range 5 {
		r.Buttons = append(r.Buttons, []bot.Button{{Label: "Кнопка " + strconv.Itoa(row), Data: "n:legal-" + strconv.Itoa(row)}})
	}
	return r
}

// BenchmarkScanFresh measures how the outbox reads freshly committed
// items: Apply queues a menu-sized reply per update, then one Scan reads
// the batch, from the item cache ("cached") or by decoding each item's
// JSON ("decoded", as before the cache). One op is one item read.
//
//	go test -run x -bench ScanFresh -benchmem -benchtime 20000x ./bot/store
func BenchmarkScanFresh(b *testing.B) {
	for _, mode := range []string{"cached", "decoded"} {
		b.Run(mode, func(b *testing.B) {
			db := open(b, filepath.Join(b.TempDir(), "scan.db"), store.Options{NoSync: true})
			if mode == "decoded" {
				store.SetNoItemCache(db)
			}
			const batch = 64
			var last uint64
			for i := 0; i < b.N; i += batch {
				b.StopTimer()
				for j := i; j < min(b.N, i+batch); j++ {
					chat := bot.NewChatKey(bot.Telegram, strconv.Itoa(j))
					mustApply(b, db, chat, "", func(st bot.State, _ bool) bot.Result {
						return bot.Result{State: st, Replies: []bot.Reply{menuReply(chat, j)}}
					})
				}
				b.StartTimer()
				items, err := db.Scan(context.Background(), last, batch)
				if err != nil || len(items) == 0 {
					b.Fatalf("Scan = %d items, %v", len(items), err)
				}
				last = items[len(items)-1].Seq
			}
		})
	}
}
