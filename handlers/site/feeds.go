package site

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// Feed serves one feed document. On a cache hit it does no rendering,
// compression or hashing: it looks the feed up, writes prepared headers
// and writes the bytes once.
func (s *Site) Feed(spec feed.Spec, f feed.Format) echo.HandlerFunc {
	path := spec.Path(f)
	return func(c echo.Context) error {
		r, cc, err := s.SubscriptionFeed(spec, f)
		if err != nil {
			return fmt.Errorf("feed %s: %w", path, err)
		}
		return httpx.Write(c, r, httpx.Answer{CacheControl: cc, Limiter: s.limiter, LimitKey: path})
	}
}

// SubscriptionFeed is a subscription feed as it is served now: its
// cached response and its Cache-Control, whose max-age and
// stale-while-revalidate never run past the next publication. The feed handler and the fast path both serve
// this.
func (s *Site) SubscriptionFeed(spec feed.Spec, f feed.Format) (r *feed.Response, cc []string, err error) {
	now := s.now()
	snap := s.content.At(now)
	r, err = s.feeds.Get(snap, spec, f)
	if err != nil {
		return nil, nil, err
	}
	cc = r.Header.CacheControl
	if capped := cappedCacheControl(snap, now); capped != nil {
		cc = capped
	}
	return r, cc, nil
}
