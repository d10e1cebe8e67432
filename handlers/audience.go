package handlers

import (
	"time"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/audience"
)

// The audience: who reads which feed, day by day (package audience
// counts; record feeds it every response of both paths). The editor's
// desk shows it (handlers/desk's Audience and AudienceJSON).

// newAudience makes the counter of the subscription feeds, writing to
// st (nil: memory only), and tells every route its feed's index.
func (s *server) newAudience(st *audience.Store) *audience.Counter {
	var feeds []string
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			feeds = append(feeds, spec.Path(f))
		}
	}
	c := audience.NewCounter(audience.Options{
		Feeds:    feeds,
		Location: func() *time.Location { return s.content.Content().Site.Location },
		Store:    st,
		Logger:   s.log,
		Now:      s.now,
		OnReport: s.metrics.setSubscribers,
	})
	for path, rm := range s.metrics.routes {
		rm.audience = c.Feed(path)
	}
	return c
}
