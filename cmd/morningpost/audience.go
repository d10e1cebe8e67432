package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/handlers"
	"github.com/morningpost/morningpost/handlers/audience"
)

// openAudience is the audience's store in the server's store (SQLite
// in DATA/morningpost.db, or PostgreSQL with --database-url), whether or
// not the site reads sources. Without a store (db nil), or when its table
// cannot be made, the site is served all the same, counting in memory
// only: readers come before the count of them.
func openAudience(ctx context.Context, db *store.DB, log *slog.Logger) *audience.Store {
	if db == nil {
		return nil
	}
	dialect := audience.SQLite
	if db.Engine() == store.PostgreSQL {
		dialect = audience.PostgreSQL
	}
	st := audience.NewStore(db.SQL(), dialect)
	if err := st.Init(ctx); err != nil {
		log.Error("the audience is counted in memory only, and lost at exit", "store", db.String(), "error", fmt.Errorf("audience: %w", err))
		return nil
	}
	return st
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
