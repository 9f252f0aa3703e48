package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Defaults of Service.
const (
	DefaultTickEvery  = 30 * time.Second
	DefaultMemberTTL  = 5 * time.Minute
	maxOpTries        = 5
	opRetryBackoffMax = time.Minute
)

// Service runs the desk: it feeds the engine's effects (through the store
// hook), staff-group updates and clock ticks into Desk.Handle, one durable
// transaction each, and carries out the platform operations it queues.
type Service struct {
	Desk     *Desk
	Store    Store
	Engine   *bot.Engine
	Platform Platform
	// Consultants, if not empty, are the only Telegram user ids that may
	// act (besides being members of the staff group).
	Consultants []string
	Logger      *slog.Logger
	// Notify wakes the outbox after a commit that queued replies.
	Notify func()
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// TickEvery is how often wait notices and idle closes are checked.
	TickEvery time.Duration
	// MemberTTL is how long a membership answer is trusted.
	MemberTTL time.Duration

	mu      sync.Mutex // serialises staff inputs and ticks (one board)
	members sync.Map   // user id → memberEntry
	wake    chan struct{}
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

type memberEntry struct {
	ok    bool
	until time.Time
}

// Install hooks the desk into the store; call it before updates flow.
func (s *Service) Install() {
	s.wake = make(chan struct{}, 1)
	if s.Desk.Content == nil {
		s.Desk.Content = s.Engine.Content
	}
	s.Store.SetDeskHook(s.hook)
}

// Poke wakes the platform-operations loop; call it after a commit of the
// user side (Processor.Notify), which may have queued a topic to create.
func (s *Service) Poke() { s.poke() }

func (s *Service) tickEvery() time.Duration {
	if s.TickEvery > 0 {
		return s.TickEvery
	}
	return DefaultTickEvery
}

// DetectMode asks the platform whether the staff group is a forum and sets
// the mode. Errors leave reply mode.
func (s *Service) DetectMode(ctx context.Context) error {
	forum, err := s.Platform.IsForum(ctx, s.Desk.Staff)
	if err != nil {
		return fmt.Errorf("desk: staff group: %w", err)
	}
	s.Desk.Forum = forum
	return nil
}

// hook is the store's DeskHook: the engine's effects of one user update.
func (s *Service) hook(tx bot.DeskTx, chat bot.ChatKey, _ bot.State, effects []bot.Effect) error {
	for _, e := range effects {
		in := Input{Chat: chat, Effect: e, Now: tx.Now()}
		switch e.Kind {
		case bot.EffectHandoff:
			in.Kind = InOpen
		case bot.EffectRelay:
			in.Kind = InRelay
		case bot.EffectHandoffCancel:
			in.Kind = InCancel
		case bot.EffectErase:
			in.Kind = InErase
		case bot.EffectRate:
			in.Kind = InRate
		default:
			continue
		}
		if err := s.run(tx, in); err != nil {
			return err
		}
	}
	s.poke()
	return nil
}

// run applies one input inside tx.
func (s *Service) run(tx bot.DeskTx, in Input) error {
	st, err := load(tx, &in)
	if err != nil {
		return err
	}
	out := s.Desk.Handle(st, in)
	return save(tx, s.Desk.Staff, st, out, s.Engine.Handle)
}

// update runs one desk input in its own transaction.
func (s *Service) update(ctx context.Context, dedup string, in Input) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.Store.UpdateDesk(ctx, dedup, func(tx bot.DeskTx) error {
		in := in
		in.Now = tx.Now()
		return s.run(tx, in)
	})
	if err != nil {
		return err
	}
	if s.Notify != nil {
		s.Notify()
	}
	s.poke()
	return nil
}

// HandleStaff handles one update from the staff group: it checks who sent
// it, finds the ticket it is about and commits the desk's answer.
func (s *Service) HandleStaff(ctx context.Context, u bot.Update) error {
	if u.Chat != s.Desk.Staff {
		return fmt.Errorf("desk: update from %s is not from the staff group", u.Chat.Channel())
	}
	in := Input{Kind: InStaff, Update: u, Thread: u.Thread}
	in.Authorized = s.authorized(ctx, u.From)
	if u.ReplyTo != "" {
		track, err := s.Store.Tracked(ctx, u.Chat, u.ReplyTo)
		switch {
		case err == nil:
			in.Ticket = atoi(strings.TrimPrefix(track, "t"))
		case !errors.Is(err, bot.ErrNotFound):
			return fmt.Errorf("desk: find ticket of reply: %w", err)
		}
	}
	if err := s.update(ctx, u.DedupKey, in); err != nil {
		return fmt.Errorf("desk: staff update: %w", err)
	}
	return nil
}

// authorized reports whether user may act: on the allowlist (if any) and
// a member of the staff group now (cached for MemberTTL).
func (s *Service) authorized(ctx context.Context, user string) bool {
	if user == "" {
		return false
	}
	if len(s.Consultants) > 0 && !contains(s.Consultants, user) {
		return false
	}
	now := s.now()
	if v, ok := s.members.Load(user); ok {
		if e := v.(memberEntry); now.Before(e.until) {
			return e.ok
		}
	}
	ok, err := s.Platform.IsMember(ctx, s.Desk.Staff, user)
	if err != nil {
		s.logger().Warn("desk: membership check failed", "err", err)
		return false
	}
	ttl := s.MemberTTL
	if ttl <= 0 {
		ttl = DefaultMemberTTL
	}
	s.members.Store(user, memberEntry{ok: ok, until: now.Add(ttl)})
	return ok
}

// Tick runs the clock input once (wait notices, idle close).
func (s *Service) Tick(ctx context.Context) error {
	if err := s.update(ctx, "", Input{Kind: InTick}); err != nil {
		return fmt.Errorf("desk: tick: %w", err)
	}
	return nil
}

// Start runs the tick loop and the platform-operations loop until ctx
// ends or Stop is called.
func (s *Service) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	every := s.tickEvery()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
					s.logger().Error("desk tick", "err", err)
				}
			}
		}
	}()
	go func() {
		defer s.wg.Done()
		s.opsLoop(ctx)
	}()
	s.poke()
}

// Stop ends the loops and waits for them.
func (s *Service) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

func (s *Service) poke() {
	if s.wake == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
