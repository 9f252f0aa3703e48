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
	n, err := s.db.PruneInactive(ctx, now.Add(-s.cfg.Retention))
	if err != nil {
		s.logger.Error("erase inactive users", "err", err)
		return
	}
	if n == 0 {
		return
	}
	s.logger.Info("erased data of inactive users", "count", n)
	if !s.cfg.CompactAfterPrune {
		return
	}
	// Their sealed texts are unreadable already (keys shredded); compaction
	// also removes the rest of their records from free pages.
	if err := s.db.Compact(ctx); err != nil {
		s.logger.Error("compact after erasing inactive users", "err", err)
		return
	}
	s.logger.Info("data file compacted after retention")
}
