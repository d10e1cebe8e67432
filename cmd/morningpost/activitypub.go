package main

import (
	"context"
	"log/slog"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers"
)

// newActivityPub is the site's fediverse account, nil without a store
// (its keys, followers and queue live there). It answers nothing until
// morningpost.yaml has activitypub:, and follows the file: adding the
// block to a running server turns it on.
func newActivityPub(cfg serveConfig, db *store.DB, live *content.Live, metrics *handlers.Metrics, log *slog.Logger) *activitypub.Service {
	if db == nil {
		if live.Content().Site.Fediverse != nil {
			log.Error("activitypub: the fediverse account needs the store; it is off")
		}
		return nil
	}
	svc := activitypub.New(activitypub.Options{
		DB:           db,
		Content:      live,
		Now:          cfg.now,
		Logger:       log,
		AllowPrivate: cfg.allowPrivate,
		UserAgent:    upstream.DefaultUserAgent,
		Version:      buildVersion(),
	})
	if err := metrics.Register(svc.Collectors()...); err != nil {
		log.Error("activitypub: metrics", "error", err)
	}
	return svc
}

// startActivityPub publishes and delivers, on the one server of the
// fleet holding the lease, until ctx is done; the function returned
// waits until it has stopped.
func startActivityPub(ctx context.Context, cfg serveConfig, svc *activitypub.Service) (wait func()) {
	if svc == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunLeased(ctx, cfg.leaseTerm)
	}()
	return func() { <-done }
}
