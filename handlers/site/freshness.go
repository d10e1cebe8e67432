package site

import (
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// freshness is how long a cache may keep a response taken at now
// (max-age) and then go on serving it while it revalidates
// (stale-while-revalidate): the site's cache_max_age and
// stale_while_revalidate, but the two together never past the next
// scheduled publication, so the new issue shows up in readers on time.
// capped reports that either is cut short.
func freshness(snap *content.Snapshot, now time.Time) (maxAge, stale int, capped bool) {
	d, swr := snap.Site.CacheMaxAge, snap.Site.StaleWhileRevalidate
	if !snap.Next.IsZero() {
		left := max(snap.Next.Sub(now), 0)
		if left < d {
			d, capped = left, true
		}
		if left-d < swr {
			swr, capped = left-d, true
		}
	}
	return int(d / time.Second), int(swr / time.Second), capped
}

// cappedCacheControl is the Cache-Control of a feed or page taken at
// now when freshness cuts it short, else nil: the response's own, the
// site's default, holds (and a cache hit builds no string).
func cappedCacheControl(snap *content.Snapshot, now time.Time) []string {
	maxAge, stale, capped := freshness(snap, now)
	if !capped {
		return nil
	}
	return []string{feed.CacheControl(snap.Site, maxAge, stale)}
}
