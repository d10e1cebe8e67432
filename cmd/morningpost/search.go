package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
)

// startSearch keeps the search index (in the store: SQLite's FTS5, or
// PostgreSQL's) up to date with the content in the background: at once,
// then after every reload and at every publication. Until its first sync
// ends, /search answers that it is warming up, so a start is not slowed
// by it; the index persists in the store, so a restart only indexes the
// articles that changed. The returned func waits for it to stop (ctx
// done), before the store closes. idx nil: nothing to run.
func startSearch(ctx context.Context, idx *search.Index, live *content.Live, now func() time.Time, log *slog.Logger) (wait func()) {
	if idx == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		idx.Run(ctx, live, now, func(st search.Stats, took time.Duration, err error) {
			if err != nil {
				log.Error("search index: not updated; searches use the last index, checked against what is public", "error", err)
				return
			}
			log.Info("search index up to date", "indexed", st.Indexed, "removed", st.Removed, "kept", st.Kept, "took", took.Round(time.Millisecond))
		})
	}()
	return func() { <-done }
}
