package scheduler_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
	"github.com/infopunkt/infopunkt/scheduler"
)

// seedFile writes n consenting subscribers of "workshops" to a new data
// file (without fsync: seeding is not what is measured) and returns its path.
func seedFile(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "seed.db")
	db, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	work := make(chan int, 1024)
	for range 128 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				chat := bot.NewChatKey(bot.Telegram, strconv.Itoa(1_000_000+i))
				_, _, err := db.Apply(context.Background(), chat, "", func(bot.State, bool) bot.Result {
					return bot.Result{State: bot.State{Mode: bot.ModeBrowse, Consent: true, LangSet: true, Lang: faq.Langs[i%4], Subs: []string{"workshops"}},
						Effects: []bot.Effect{{Kind: bot.EffectSubscribe, Category: "workshops"}}}
				})
				if err != nil {
					tb.Error(err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkFanOut100k: one pass enqueues one reminder for each of 100,000
// subscribers, on a durable store (fsync on every batch commit). Reported:
// the pass's time and the peak heap in use during it.
//
//	nice go test ./scheduler -run '^$' -bench FanOut100k -benchtime 1x
func BenchmarkFanOut100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("INFOPUNKT_BENCH_SUBSCRIBERS")); err == nil {
		n = v
	}
	seed := seedFile(b, n)
	start := at(2026, 6, 10, 18, 0)
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "d.db")
		raw, err := os.ReadFile(seed)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var now atomic.Int64
		now.Store(at(2026, 6, 9, 17, 59).UnixNano())
		c := *shipped
		c.Events = []*faq.Event{workshop(start)}
		s := scheduler.New(scheduler.Options{Store: db, Content: func() *faq.Content { return &c }, Now: func() time.Time { return time.Unix(0, now.Load()) }})
		if _, err := s.Pass(context.Background()); err != nil {
			b.Fatal(err)
		}
		now.Store(at(2026, 6, 9, 18, 0).UnixNano())
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak, stop := sampleHeap()
		cpu0 := cpuTime()
		b.StartTimer()
		t0 := time.Now()
		res, err := s.Pass(context.Background())
		took := time.Since(t0)
		b.StopTimer()
		cpu := cpuTime() - cpu0
		stop()
		if err != nil || res.Queued != n {
			b.Fatalf("pass: %+v, %v; want %d queued", res, err, n)
		}
		b.ReportMetric(float64(took.Milliseconds()), "ms/pass")
		b.ReportMetric(float64(cpu.Milliseconds()), "ms-cpu/pass")
		b.ReportMetric(float64(peak.Load())/(1<<20), "MB-peak-heap")
		b.ReportMetric(float64(base.HeapInuse)/(1<<20), "MB-heap-before")
		db.Close()
		b.StartTimer()
	}
}

// sampleHeap records the largest HeapInuse seen every millisecond until
// stop is called.
func sampleHeap() (*atomic.Uint64, func()) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return &peak, func() { close(done); wg.Wait() }
}

// cpuTime is the process's user plus system CPU time so far: on a shared
// machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
