package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/morningpost/morningpost/handlers"
	"github.com/morningpost/morningpost/handlers/audience"
)

// openAudience opens the audience's store: DATA/morningpost.db, the
// file the upstream store uses, made whether or not the site reads
// sources. Call close after the last flush. A store that cannot be
// opened is logged and the site served all the same, counting in
// memory only: readers come before the count of them.
func openAudience(ctx context.Context, dataDir string, log *slog.Logger) (st *audience.Store, close func()) {
	st, db, err := audience.OpenSQLite(ctx, dataDir)
	if err != nil {
		log.Error("the audience is counted in memory only, and lost at exit", "error", fmt.Errorf("--data: %w", err))
		return nil, func() {}
	}
	return st, func() { _ = db.Close() }
}

// runAudience writes the audience's counts every minute in the
// background. stop writes the last ones and returns when they are; it
// may be called more than once.
func runAudience(h *handlers.Server) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Audience().Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
