package desk

import "context"

// RunOps runs the pending platform operations once, as the loop does.
func RunOps(ctx context.Context, s *Service) error {
	_, err := s.runOps(ctx)
	return err
}
