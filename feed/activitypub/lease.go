package activitypub

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/morningpost/morningpost/content/store"
)

// LeaseName names the lease of the one server of a fleet that publishes
// and delivers.
const LeaseName = "activitypub"

// DefaultLeaseTerm is how long the lease lasts without renewal: another
// server takes over within it when the holder dies.
const DefaultLeaseTerm = 30 * time.Second

// RunLeased runs the service (Run) on the one server of the fleet that
// holds the activitypub lease, renewing it every third of term, until
// ctx is done; then it gives the lease up. A lone server takes it at
// once.
func (s *Service) RunLeased(ctx context.Context, term time.Duration) {
	if term <= 0 {
		term = DefaultLeaseTerm
	}
	lease := store.NewLease(s.db, LeaseName, term, s.now)
	var leads atomic.Bool
	check := func() {
		if _, cfg := s.config(); cfg == nil {
			// No account (yet): nothing to publish or deliver, so no
			// lease to take or keep; adding activitypub: takes it at
			// the next check.
			if leads.Swap(false) {
				_ = lease.Release(ctx)
			}
			return
		}
		held, err := lease.Acquire(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("activitypub: lease", "error", err)
		}
		was := leads.Swap(held && err == nil)
		if held && !was {
			s.log.Info("activitypub: this server publishes and delivers", "holder", lease.Holder())
			s.poke()
		}
	}
	check()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, leads.Load)
	}()
	t := time.NewTicker(term / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			<-done
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = lease.Release(c)
			cancel()
			return
		case <-t.C:
			check()
		}
	}
}
