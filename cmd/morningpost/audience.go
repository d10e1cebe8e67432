package main

import (
	"context"

	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/handlers"
	"github.com/morningpost/morningpost/handlers/audience"
)

// openAudience is the audience's store in the server's store (SQLite
// in DATA/morningpost.db, or PostgreSQL with --database-url; its table is
// the store's migration 5), whether or not the site reads sources.
// Without a store (db nil) the site is served all the same, counting in
// memory only: readers come before the count of them.
func openAudience(db *store.DB) *audience.Store {
	if db == nil {
		return nil
	}
	return audience.NewStore(db)
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
