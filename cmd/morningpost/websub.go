package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/feed/websub"
	"github.com/morningpost/morningpost/handlers"
)

// hubsFromEnv reads MORNINGPOST_WEBSUB_HUBS, comma-separated hub URLs
// that replace websub_hubs of morningpost.yaml; nil when unset.
func hubsFromEnv(getenv func(string) string) ([]string, error) {
	v := getenv("MORNINGPOST_WEBSUB_HUBS")
	if v == "" {
		return nil, nil
	}
	hubs := []string{} // set, even if to no hub: it replaces websub_hubs
	for h := range strings.SplitSeq(v, ",") {
		if strings.TrimSpace(h) == "" {
			continue
		}
		u, err := content.HubURL(h)
		if err != nil {
			return nil, fmt.Errorf("MORNINGPOST_WEBSUB_HUBS: %w", err)
		}
		hubs = append(hubs, u)
	}
	return hubs, nil
}

// startWebSub tells the site's hubs of every change of a subscription
// feed until ctx is done, while leading says this server is the fleet's
// one to; the function returned waits for the pings under way once ctx
// is done.
func startWebSub(ctx context.Context, cfg serveConfig, live *content.Live, feeds *feed.Cache, leading func() bool, metrics *handlers.Metrics, log *slog.Logger) (wait func()) {
	p := websub.NewPublisher(ctx, websub.Options{
		UserAgent:    upstream.DefaultUserAgent,
		AllowPrivate: cfg.allowPrivate,
		Logger:       log,
		Leading:      leading,
		OnResult: func(r websub.Result) {
			switch {
			case r.Err == nil:
				metrics.ObserveWebSub(r.Hub, "ok")
			case r.Final:
				metrics.ObserveWebSub(r.Hub, "failed")
			default:
				metrics.ObserveWebSub(r.Hub, "retry")
			}
		},
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		websub.Watch(ctx, live, feeds, cfg.now, p)
	}()
	return func() {
		<-done
		p.Wait()
	}
}
