package main

import (
	"context"
	"time"
)

// maintenanceEvery is how often old dedupe keys and inactive users' data
// are pruned.
const maintenanceEvery = time.Hour

// startMaintenance prunes dedupe keys past their TTL and erases the data of
// users inactive for longer than the retention period, as the privacy
// notice promises. It runs once at start and then hourly.
func (s *service) startMaintenance(ctx context.Context) {
	s.goBG(func() {
		t := time.NewTicker(maintenanceEvery)
		defer t.Stop()
		for {
			s.maintain(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

func (s *service) maintain(ctx context.Context) {
	now := time.Now()
	if n, err := s.db.PruneDedupe(ctx, now); err != nil {
		s.logger.Error("prune dedupe keys", "err", err)
	} else if n > 0 {
		s.logger.Info("pruned dedupe keys", "count", n)
	}
	if s.cfg.Retention <= 0 {
		return
	}
	if n, err := s.db.PruneInactive(ctx, now.Add(-s.cfg.Retention)); err != nil {
		s.logger.Error("erase inactive users", "err", err)
	} else if n > 0 {
		s.logger.Info("erased data of inactive users", "count", n)
	}
}
