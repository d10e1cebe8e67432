package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/morningpost/morningpost/handlers"
	"github.com/morningpost/morningpost/handlers/audience"
)

// openAudience opens the audience's store: DATA/morningpost.db, the
// file the upstream store uses, made whether or not the site reads
// sources. Close the database after the last flush.
func openAudience(ctx context.Context, dataDir string) (*audience.Store, *sql.DB, error) {
	st, db, err := audience.OpenSQLite(ctx, dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("--data: %w", err)
	}
	return st, db, nil
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
