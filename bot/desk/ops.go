package desk

import (
	"context"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// opsLoop carries out queued platform operations whenever a commit may
// have queued some, and retries failures with a growing delay.
func (s *Service) opsLoop(ctx context.Context) {
	// The timer also catches operations queued by a commit whose wake-up
	// came before the commit was visible.
	retry := time.NewTimer(s.tickEvery())
	defer retry.Stop()
	delay := time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-retry.C:
		}
		failed, err := s.runOps(ctx)
		if err != nil && ctx.Err() == nil {
			s.logger().Error("desk operations", "err", err)
		}
		next := s.tickEvery()
		if failed {
			next = delay
			delay = min(delay*2, opRetryBackoffMax)
		} else {
			delay = time.Second
		}
		retry.Stop()
		retry.Reset(next)
	}
}

// runOps runs every pending operation once; failed reports whether some
// must be retried.
func (s *Service) runOps(ctx context.Context) (failed bool, err error) {
	var board Board
	if _, err := s.Store.DeskRecord(ctx, keyBoard, &board); err != nil {
		return false, err
	}
	for _, op := range board.Ops {
		thread, opErr := s.do(ctx, op)
		if opErr != nil && ctx.Err() != nil {
			return true, nil
		}
		if opErr != nil && op.Tries+1 < maxOpTries {
			s.logger().Warn("desk platform operation failed", "op", string(op.Kind), "ticket", op.Ticket, "err", opErr)
			if err := s.bumpOp(ctx, op.ID); err != nil {
				return true, err
			}
			failed = true
			continue
		}
		in := Input{Kind: InOpDone, Op: op.ID, Ticket: op.Ticket}
		if op.Kind == OpCreateTopic && opErr == nil {
			in.Kind, in.Thread = InTopic, thread
		}
		if err := s.update(ctx, "", in); err != nil {
			return true, err
		}
	}
	return failed, nil
}

func (s *Service) do(ctx context.Context, op Op) (string, error) {
	staff, p := s.Desk.Staff, s.Platform
	switch op.Kind {
	case OpCreateTopic:
		return p.CreateTopic(ctx, staff, op.Name)
	case OpCloseTopic:
		return "", p.CloseTopic(ctx, staff, op.Thread)
	case OpReopenTopic:
		return "", p.ReopenTopic(ctx, staff, op.Thread)
	case OpDeleteTopic:
		return "", p.DeleteTopic(ctx, staff, op.Thread)
	case OpPurge:
		refs, err := s.Store.RefsOf(ctx, staff, op.Track)
		if err != nil {
			return "", err
		}
		for _, ref := range refs {
			if err := p.DeleteMessage(ctx, staff, ref); err != nil {
				return "", err
			}
		}
	}
	return "", nil
}

// bumpOp counts a failed try of operation id.
func (s *Service) bumpOp(ctx context.Context, id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.Store.UpdateDesk(ctx, "", func(tx bot.DeskTx) error {
		var b Board
		if _, err := tx.Get(keyBoard, &b); err != nil {
			return err
		}
		for i := range b.Ops {
			if b.Ops[i].ID == id {
				b.Ops[i].Tries++
			}
		}
		return tx.Put(keyBoard, b)
	})
	return err
}
