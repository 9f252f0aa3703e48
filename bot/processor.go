package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// chatStripes is how many locks serialise updates per chat. Two chats may
// share a stripe; that only costs a little parallelism.
const chatStripes = 256

// Processor runs updates through the engine and commits each durably before
// it returns, so adapters acknowledge an update only after its effects are
// stored. It is safe for concurrent use; updates of one chat are handled one
// at a time, in the order Handle is called.
type Processor struct {
	Engine *Engine
	Store  Store
	// Notify, if set, is called after a commit that queued replies or had
	// effects (the desk queues its own replies and platform operations for
	// hand-offs and relays), to wake the outbox worker and the desk. It
	// must not block.
	Notify func()
	// Now stamps updates that arrive without a time (or with one that
	// cannot be stored). Default time.Now.
	Now func() time.Time
	// MaxAttempts is how many times an update failing with ErrUnprocessable
	// is tried before it is set aside as a dead letter (when Store is a
	// DeadLetterer) and reported as handled. Default DefaultMaxAttempts.
	MaxAttempts int
	// Observe, if set, is called after every Process with what happened,
	// for metrics. It must not block. It never sees the update's text.
	Observe func(Observation)

	stripes [chatStripes]sync.Mutex

	failMu   sync.Mutex
	failures map[string]int // attempt key → unprocessable failures so far
}

// DefaultMaxAttempts is the default of Processor.MaxAttempts.
const DefaultMaxAttempts = 3

// maxTracked bounds the failure counts kept in memory; past it they start
// over, which only costs a poison update a few more attempts.
const maxTracked = 10000

// Handle processes u and returns once its effects are committed. A
// duplicate (same DedupKey) is a no-op and returns nil.
func (p *Processor) Handle(ctx context.Context, u Update) error {
	_, _, err := p.Process(ctx, u)
	return err
}

// Observation is what Processor.Observe learns about one update: no
// chat, no text.
type Observation struct {
	Channel Channel
	Kind    UpdateKind
	Took    time.Duration // from the call to the commit (or the failure)
	Applied bool          // false for a duplicate or a failure
	Err     error
	Replies int // replies queued
	Effects []EffectKind
}

// Process is Handle that also returns the result and whether the update was
// applied (false for a duplicate).
func (p *Processor) Process(ctx context.Context, u Update) (Result, bool, error) {
	if p.Observe == nil {
		return p.process(ctx, u)
	}
	start := time.Now()
	res, applied, err := p.process(ctx, u)
	o := Observation{Channel: u.Chat.Channel(), Kind: u.Kind, Took: time.Since(start), Applied: applied, Err: err, Replies: len(res.Replies)}
	for _, e := range res.Effects {
		o.Effects = append(o.Effects, e.Kind)
	}
	p.Observe(o)
	return res, applied, err
}

func (p *Processor) process(ctx context.Context, u Update) (Result, bool, error) {
	if u.Chat == "" {
		return Result{}, false, fmt.Errorf("process update: empty chat")
	}
	u.Time = p.stamp(u.Time)
	mu := &p.stripes[stripe(u.Chat)]
	mu.Lock()
	defer mu.Unlock()
	res, applied, err := p.Store.Apply(ctx, u.Chat, u.DedupKey, func(st State, exists bool) Result {
		return p.Engine.Handle(st, exists, u)
	})
	if err != nil {
		if p.setAside(ctx, u, err) {
			return Result{}, false, nil
		}
		return Result{}, false, fmt.Errorf("process update for %s: %w", u.Chat.Channel(), err)
	}
	p.forget(u)
	if applied && (len(res.Replies) > 0 || len(res.Effects) > 0) && p.Notify != nil {
		p.Notify()
	}
	return res, applied, nil
}

// Welcome returns the first message for a chat that has just opened the
// conversation without storing anything (Viber's conversation_started: the
// user has not subscribed, so only this one reply may be sent). A returning
// user who already accepted the notice gets the menu (or the deep-linked
// node in u.Text) in their language instead of the notice.
func (p *Processor) Welcome(ctx context.Context, u Update) (Reply, error) {
	u.Time = p.stamp(u.Time)
	u.Kind = UpdateStarted
	st, exists, err := p.Store.State(ctx, u.Chat)
	if err != nil {
		return Reply{}, fmt.Errorf("welcome: %w", err)
	}
	res := p.Engine.Handle(st, exists, u)
	if len(res.Replies) == 0 {
		return Reply{}, fmt.Errorf("welcome: engine produced no reply")
	}
	return res.Replies[0], nil
}

// stamp returns t, or now when t is zero or outside the years 1-9999 (a
// time JSON cannot encode would fail every commit of the update).
func (p *Processor) stamp(t time.Time) time.Time {
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return p.now()
	}
	return t
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func stripe(k ChatKey) uint32 {
	h := fnv.New32a()
	h.Write([]byte(k))
	return h.Sum32() % chatStripes
}
