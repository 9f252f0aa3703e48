package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// ErrRunning is returned by Run and Start when the Worker already runs. A
// Worker runs at most once at a time; after Run returns, or Stop, it may run
// again.
var ErrRunning = errors.New("outbox: worker already running")

// Options configure a Worker. The zero value is usable.
type Options struct {
	// Limits paces each channel. A channel missing from the map gets
	// DefaultLimits; a present zero Limits is unlimited.
	Limits map[bot.Channel]Limits
	// Now is the clock; default time.Now. It must be safe for concurrent
	// use. Every decision reads it, while timers only schedule wake-ups:
	// after moving a fake clock, call Notify to make the worker look again.
	Now func() time.Time
	// Logger receives failures (never message text); default discards.
	Logger *slog.Logger
	// Backoff paces retries of transient failures; default 1 s to 5 min.
	Backoff Backoff
	// Concurrency is the number of parallel sends per channel; default 8.
	Concurrency int
	// Rand is the jitter source; default a randomly seeded PCG. The worker
	// uses it from one goroutine only.
	Rand rand.Source
	// OnSent, if set, is called after an item was sent and its done mark
	// committed, with the platform's receipt (items merged into one message
	// share it). It runs on the scheduling goroutine, one
	// call at a time, and must not block.
	OnSent func(item bot.OutboxItem, rc bot.Receipt)
	// PollInterval is how often the queue is scanned without a Notify;
	// default 1 s.
	PollInterval time.Duration
	// MaxBuffered bounds the items held in memory; more stay in the queue
	// until these drain. Default 4096. Newly committed items are read
	// before an older backlog and may use another MaxBuffered/8, so a
	// backlog (100,000 reminders) never delays a new chat's reply.
	MaxBuffered int
	// MaxPerChat bounds the items of one chat held in memory; the chat's
	// further items are read from the queue (bot.ChatScanner) as these
	// drain, so one flooding chat cannot fill MaxBuffered. Default 64.
	// Ignored (unbounded) for a Queue that is not a bot.ChatScanner.
	MaxPerChat int
	// StopGrace is how long sends in flight may go on once Run's context
	// is done; no new send starts meanwhile. Sends still running after it
	// are cancelled and go out again on the next run. Default 0: cancel at
	// once.
	StopGrace time.Duration
	// MaxCoalesceBytes bounds the text of one message merged from replies
	// with a common Reply.Coalesce. Default 3500 (one Telegram message).
	MaxCoalesceBytes int
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Backoff = o.Backoff.withDefaults()
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Rand == nil {
		o.Rand = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = 4096
	}
	if o.MaxPerChat <= 0 {
		o.MaxPerChat = 64
	}
	if o.MaxCoalesceBytes <= 0 {
		o.MaxCoalesceBytes = 3500
	}
	return o
}

// limitsFor returns the configured or default limits of ch.
func (o Options) limitsFor(ch bot.Channel) Limits {
	if l, ok := o.Limits[ch]; ok {
		return l
	}
	return DefaultLimits(ch)
}

// Worker drains a bot.Queue into the channels' Senders, paced by Limits.
type Worker struct {
	q       bot.Queue
	senders map[bot.Channel]bot.Sender
	opts    Options
	rnd     *rand.Rand
	notify  chan struct{}
	resume  chan bot.ChatKey
	running atomic.Bool
	// stopping tells the senders of a stopping run not to begin the jobs
	// still queued to them.
	stopping atomic.Bool

	mu     sync.Mutex // guards cancel and done, set by Start
	cancel context.CancelFunc
	done   chan error
}

// New returns a Worker that sends items of each channel with that channel's
// Sender. Items of a channel without a Sender stay in the queue untouched.
func New(q bot.Queue, senders map[bot.Channel]bot.Sender, opts Options) *Worker {
	opts = opts.withDefaults()
	return &Worker{
		q:       q,
		senders: senders,
		opts:    opts,
		rnd:     rand.New(opts.Rand),
		notify:  make(chan struct{}, 1),
		resume:  make(chan bot.ChatKey, 64),
	}
}

// Resume lifts a chat's pause: its platform says the reason for it is gone
// (a Viber user wrote again, which resets Viber's per-user cap). It never
// blocks; if many resumes are pending at once, the extra ones are dropped
// and those chats simply wait for their pause to end.
func (w *Worker) Resume(chat bot.ChatKey) {
	select {
	case w.resume <- chat:
	default:
	}
}

// Notify tells the worker that new items were committed to the queue. It
// never blocks.
func (w *Worker) Notify() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// Run restores the stored pauses, then delivers queued items until ctx is
// done. Then it starts no new send, lets the sends in flight finish for up
// to Options.StopGrace, cancels the rest (their items stay queued and are
// sent again by the next run) and commits the outcomes of the finished
// ones. On return every goroutine it started has exited. Run returns nil after ctx is done,
// ErrRunning if the worker already runs, or an error if the pauses cannot
// be loaded (sending without them could break a platform's flood wait).
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer w.running.Store(false)
	return w.run(ctx)
}

func (w *Worker) run(ctx context.Context) error {
	w.stopping.Store(false)
	s, err := w.newScheduler(ctx)
	if err != nil {
		return err
	}
	s.run(ctx)
	return nil
}

// Start runs the worker in a goroutine until Stop is called or ctx is done.
// It returns ErrRunning if the worker already runs.
func (w *Worker) Start(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	w.mu.Lock()
	w.cancel, w.done = cancel, done
	w.mu.Unlock()
	go func() {
		err := w.run(ctx)
		w.running.Store(false)
		done <- err
	}()
	return nil
}

// Stop cancels a worker started with Start and waits until its goroutines
// have exited or ctx is done. It returns Run's error, or ctx's error if it
// gave up waiting (Senders that ignore their context delay the exit). Stop
// without Start returns nil.
func (w *Worker) Stop(ctx context.Context) error {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.cancel, w.done = nil, nil
	w.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
