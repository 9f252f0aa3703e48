package outbox_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/outbox"
	"github.com/infopunkt/infopunkt/bot/store"
)

// benchQueue is a fast in-memory queue for dispatch benchmarks: append-only
// items in Seq order, a per-chat index, marks that cost a map delete.
type benchQueue struct {
	mu     sync.Mutex
	items  []bot.OutboxItem // Seq i+1 at index i
	gone   map[uint64]bool
	byChat map[bot.ChatKey][]uint64
}

var (
	_ bot.MarkBatcher = (*benchQueue)(nil)
	_ bot.ChatScanner = (*benchQueue)(nil)
)

func newBenchQueue() *benchQueue {
	return &benchQueue{gone: map[uint64]bool{}, byChat: map[bot.ChatKey][]uint64{}}
}

func (q *benchQueue) Enqueue(_ context.Context, rs ...bot.Reply) ([]uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	seqs := make([]uint64, len(rs))
	for i, r := range rs {
		seq := uint64(len(q.items) + 1)
		q.items = append(q.items, bot.OutboxItem{Seq: seq, Reply: r})
		q.byChat[r.Chat] = append(q.byChat[r.Chat], seq)
		seqs[i] = seq
	}
	return seqs, nil
}

func (q *benchQueue) Scan(_ context.Context, after uint64, limit int) ([]bot.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []bot.OutboxItem
	for i := int(after); i < len(q.items) && len(out) < limit; i++ {
		if !q.gone[q.items[i].Seq] {
			out = append(out, q.items[i])
		}
	}
	return out, nil
}

func (q *benchQueue) ScanChat(_ context.Context, chat bot.ChatKey, after uint64, limit int) ([]bot.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	seqs := q.byChat[chat]
	var out []bot.OutboxItem
	for i := sort.Search(len(seqs), func(i int) bool { return seqs[i] > after }); i < len(seqs) && len(out) < limit; i++ {
		if !q.gone[seqs[i]] {
			out = append(out, q.items[seqs[i]-1])
		}
	}
	return out, nil
}

func (q *benchQueue) LastSeq(context.Context) (uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return uint64(len(q.items)), nil
}

func (q *benchQueue) Mark(_ context.Context, marks []bot.Mark) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range marks {
		if m.Kind == bot.MarkDone || m.Kind == bot.MarkDrop {
			q.gone[m.Seq] = true
		}
	}
	return nil
}

func (q *benchQueue) Done(context.Context, uint64, bot.Receipt) error        { return nil }
func (q *benchQueue) Retry(context.Context, uint64, int, time.Time) error    { return nil }
func (q *benchQueue) Drop(context.Context, uint64, string) error             { return nil }
func (q *benchQueue) MarkInactive(context.Context, bot.ChatKey) (int, error) { return 0, nil }
func (q *benchQueue) SetPause(context.Context, string, time.Time) error      { return nil }
func (q *benchQueue) Pauses(context.Context, time.Time) (map[string]time.Time, error) {
	return nil, nil
}

// countSender counts sends and closes done at the target count; the first
// send waits for gate, so the timer can start after the first scan.
type countSender struct {
	gate   chan struct{}
	begun  chan struct{} // closed when the first send waits at the gate
	first  sync.Once
	n      atomic.Int64
	target int64
	done   chan struct{}
	once   sync.Once
}

func newCountSender(target int) *countSender {
	return &countSender{gate: make(chan struct{}), begun: make(chan struct{}), target: int64(target), done: make(chan struct{})}
}

func (s *countSender) Send(context.Context, bot.Reply) (bot.Receipt, error) {
	s.first.Do(func() { close(s.begun) })
	<-s.gate
	if s.n.Add(1) == s.target {
		s.once.Do(func() { close(s.done) })
	}
	return bot.Receipt{Refs: []string{"1"}}, nil
}

// BenchmarkDispatch measures one send (scheduling, marking, refilling)
// with a given number of chats pending at once: the ready-heap makes
// 100,000 chats cost about what ten do.
//
//	go test -run x -bench Dispatch -benchmem ./bot/outbox
func BenchmarkDispatch(b *testing.B) {
	for _, lanes := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("lanes=%d", lanes), func(b *testing.B) {
			q := newBenchQueue()
			per := b.N/lanes + 2 // every chat stays pending throughout
			replies := make([]bot.Reply, 0, per*lanes)
			for m := range per {
				for c := range lanes {
					replies = append(replies, bot.Reply{Chat: bot.ChatKey("local:" + strconv.Itoa(c)), Text: strconv.Itoa(m)})
				}
			}
			_, _ = q.Enqueue(context.Background(), replies...)
			s := newCountSender(b.N)
			w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{
				MaxBuffered: 2 * lanes, MaxPerChat: 2, PollInterval: time.Hour,
			})
			if err := w.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			// The first send starts after the first scan.
			<-s.begun
			b.ResetTimer()
			close(s.gate)
			<-s.done
			b.StopTimer()
			_ = w.Stop(context.Background())
		})
	}
}

// markCounter counts the store's commits of marks.
type markCounter struct {
	*store.DB
	commits atomic.Int64
	marks   atomic.Int64
}

func (m *markCounter) Mark(ctx context.Context, marks []bot.Mark) error {
	m.commits.Add(1)
	m.marks.Add(int64(len(marks)))
	return m.DB.Mark(ctx, marks)
}

// durSender records when each send returned, to measure the time from a
// send to its durable done mark (the window a kill -9 would resend).
type durSender struct {
	mu    sync.Mutex
	gate  chan struct{}
	sent  map[string]time.Time
	times []time.Time // entry times, for the window check
}

func (s *durSender) Send(_ context.Context, r bot.Reply) (bot.Receipt, error) {
	<-s.gate
	now := time.Now()
	s.mu.Lock()
	s.times = append(s.times, now)
	s.sent[r.Text] = time.Now()
	s.mu.Unlock()
	return bot.Receipt{}, nil
}

type fanout struct {
	perSec     float64
	commits    int64
	marks      int64
	p50, p99   time.Duration
	maxDurable time.Duration
	times      []time.Time
}

// runFanout queues n messages to n distinct chats in a real store (fsync
// on) and drains them with the given Telegram limits.
func runFanout(b *testing.B, n int, limits outbox.Limits) fanout {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "fanout.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const batch = 10_000
	for i := 0; i < n; i += batch {
		rs := make([]bot.Reply, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			rs = append(rs, bot.Reply{Chat: bot.ChatKey("telegram:" + strconv.Itoa(1000+j)), Kind: bot.ReplyReminder,
				Text: strconv.Itoa(j), Key: "slot/" + strconv.Itoa(j)})
		}
		if _, err := db.Enqueue(context.Background(), rs...); err != nil {
			b.Fatal(err)
		}
	}
	q := &markCounter{DB: db}
	s := &durSender{gate: make(chan struct{}), sent: make(map[string]time.Time, n)}
	var mu sync.Mutex
	lat := make([]time.Duration, 0, n)
	done := make(chan struct{})
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Telegram: s}, outbox.Options{
		Limits: map[bot.Channel]outbox.Limits{bot.Telegram: limits},
		OnSent: func(it bot.OutboxItem, _ bot.Receipt) {
			now := time.Now()
			s.mu.Lock()
			at := s.sent[it.Reply.Text]
			s.mu.Unlock()
			mu.Lock()
			lat = append(lat, now.Sub(at))
			if len(lat) == n {
				close(done)
			}
			mu.Unlock()
		},
	})
	if err := w.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	close(s.gate)
	<-done
	elapsed := time.Since(start)
	b.StopTimer()
	_ = w.Stop(context.Background())
	slices.Sort(lat)
	return fanout{
		perSec: float64(n) / elapsed.Seconds(), commits: q.commits.Load(), marks: q.marks.Load(),
		p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], maxDurable: lat[len(lat)-1], times: s.times,
	}
}

// BenchmarkFanout drains 100,000 reminders to distinct chats from a real
// store with fsync on, the pacer lifted, against an instant fake sender.
// It reports messages/s, marks per commit and the time from a send's
// return to its durable done mark (what a kill -9 could send again).
//
//	go test -run x -bench Fanout100k -benchtime 1x -count 3 ./bot/outbox
func BenchmarkFanout100k(b *testing.B) {
	f := runFanout(b, 100_000, outbox.Limits{})
	b.ReportMetric(f.perSec, "msgs/s")
	b.ReportMetric(float64(f.marks)/float64(f.commits), "marks/commit")
	b.ReportMetric(float64(f.p50.Microseconds())/1000, "ms-durable-p50")
	b.ReportMetric(float64(f.p99.Microseconds())/1000, "ms-durable-p99")
	b.ReportMetric(float64(f.maxDurable.Microseconds())/1000, "ms-durable-max")
}

// BenchmarkFanoutPaced drains 20,000 reminders at a global limit of
// 2,000/s and checks the sliding window on the send times: it reports the
// achieved rate against the configured one and the violations (any
// 2,001 sends within one second).
//
//	go test -run x -bench FanoutPaced -benchtime 1x -count 2 ./bot/outbox
func BenchmarkFanoutPaced(b *testing.B) {
	r := outbox.Rate{N: 2000, Per: time.Second}
	f := runFanout(b, 20_000, outbox.Limits{Global: r})
	ts := f.times
	violations := 0
	for i := 0; i+r.N < len(ts); i++ {
		if ts[i+r.N].Sub(ts[i]) < r.Per {
			violations++
		}
	}
	// The steady rate: sends after the first N, over the time they took
	// (k windows of N sends span a little over k-1 windows end to end).
	rate := float64(len(ts)-r.N) / ts[len(ts)-1].Sub(ts[r.N-1]).Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(100*(rate/float64(r.N)-1), "%off-limit")
	b.ReportMetric(float64(violations), "violations")
	b.ReportMetric(float64(f.p50.Microseconds())/1000, "ms-durable-p50")
	b.ReportMetric(float64(f.p99.Microseconds())/1000, "ms-durable-p99")
	b.ReportMetric(float64(f.marks)/float64(f.commits), "marks/commit")
}

// stampSender records when each text's send began.
type stampSender struct {
	mu sync.Mutex
	at map[string]time.Time
	ch chan struct{}
}

func (s *stampSender) Send(_ context.Context, r bot.Reply) (bot.Receipt, error) {
	s.mu.Lock()
	s.at[r.Text] = time.Now()
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return bot.Receipt{}, nil
}

// BenchmarkFairness: one chat has 5,000 replies queued (pacer lifted, so
// its lane sends back to back); meanwhile 200 other chats get one reply
// each, one after another. It reports their enqueue → send latency.
//
//	go test -run x -bench Fairness -benchtime 1x -count 3 ./bot/outbox
func BenchmarkFairness(b *testing.B) {
	q := newBenchQueue()
	flood := make([]bot.Reply, 5000)
	for i := range flood {
		flood[i] = bot.Reply{Chat: "local:flood", Text: "f" + strconv.Itoa(i)}
	}
	_, _ = q.Enqueue(context.Background(), flood...)
	s := &stampSender{at: map[string]time.Time{}, ch: make(chan struct{}, 1)}
	w := outbox.New(q, map[bot.Channel]bot.Sender{bot.Local: s}, outbox.Options{})
	if err := w.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = w.Stop(context.Background()) }()
	b.ResetTimer()
	lat := make([]time.Duration, 0, 200)
	for i := range 200 {
		text := "o" + strconv.Itoa(i)
		start := time.Now()
		_, _ = q.Enqueue(context.Background(), bot.Reply{Chat: bot.ChatKey("local:" + text), Text: text})
		w.Notify()
		for {
			s.mu.Lock()
			at, ok := s.at[text]
			s.mu.Unlock()
			if ok {
				lat = append(lat, at.Sub(start))
				break
			}
			<-s.ch
		}
	}
	b.StopTimer()
	s.mu.Lock()
	floodSent := 0
	for k := range s.at {
		if k[0] == 'f' {
			floodSent++
		}
	}
	s.mu.Unlock()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(floodSent), "flood-sent-meanwhile")
}
