package websub

import (
	"context"
	"slices"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// Watch pings the site's hubs (websub_hubs) for every subscription feed
// whose bytes change, until ctx is done: after each reload of live, and
// at each scheduled publication, when an issue goes public with no file
// changing. Feeds are taken from cache, as readers get them. The bytes
// served when Watch starts are the baseline: nothing is pinged for them.
// With no hub configured it renders nothing and pings nothing.
func Watch(ctx context.Context, live *content.Live, cache *feed.Cache, now func() time.Time, p *Publisher) {
	events, unsubscribe := live.Subscribe()
	defer unsubscribe()
	last := etags(live, cache, now())
	for {
		if !content.WaitForChange(ctx, events, live.At(now()).Next, now) {
			return
		}
		cur := etags(live, cache, now())
		site := live.Content().Site
		var changed []string
		for path, etag := range cur {
			if last != nil && last[path] != etag {
				changed = append(changed, site.URL(path))
			}
		}
		slices.Sort(changed)
		if len(changed) > 0 {
			p.Publish(site.WebSubHubs, changed)
		}
		last = cur
	}
}

// etags are the identity ETags of every subscription feed, by path
// (tag feeds too); nil when the site names no hub.
func etags(live *content.Live, cache *feed.Cache, now time.Time) map[string]string {
	snap := live.At(now)
	if len(snap.Site.WebSubHubs) == 0 {
		return nil
	}
	out := map[string]string{}
	specs := feed.Specs()
	for _, t := range snap.Tags() {
		specs = append(specs, feed.Spec{Kind: feed.TagFeed, Tag: t.Slug})
	}
	for _, s := range specs {
		for _, f := range feed.Formats {
			if r, err := cache.Get(snap, s, f); err == nil {
				out[s.Path(f)] = r.Identity.ETag
			}
		}
	}
	return out
}
