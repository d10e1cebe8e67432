package site

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// Archived feeds (RFC 5005 §4): one document per feed, format and month,
// such as /archive/2026/04/feed.atom or /sections/lead/archive/2026/04/feed.json.
// archiveRoute (routes.go) gives the routes; the documents link to each
// other, and the subscription feeds link to the newest one.

// hvArchiveCacheControl is the Cache-Control of a closed archive: one
// whose month is over and which is not the newest. Its entries no longer
// change as issues are published, so caches keep it for 30 days. It is
// not "immutable": an editor may still correct an old issue (the
// updated: key), and a correction should reach every cache within a
// month; revalidating costs a 304.
// Like every feed, it may be served stale while morningpost fails.
func archiveCacheControl(site *content.Site) []string {
	return []string{"public, max-age=2592000, stale-if-error=" + strconv.Itoa(int(site.StaleIfError/time.Second))}
}

// ArchiveFeed serves the archives of one feed in one format. Like feed,
// a cache hit is a lookup and a write.
func (s *Site) ArchiveFeed(spec feed.Spec, f feed.Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, ok := feed.ParsePeriod(c.Param("year"), c.Param("month"))
		if !ok {
			return httpx.ErrNotFound
		}
		now := s.now()
		snap := s.content.At(now)
		resp, info, err := s.feeds.GetArchive(snap, spec, p, f)
		if errors.Is(err, feed.ErrNoArchive) {
			return httpx.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", spec.ArchivePath(p, f), err)
		}
		cc := resp.Header.CacheControl
		switch capped := cappedCacheControl(snap, now); {
		case info.Closed:
			cc = archiveCacheControl(snap.Site)
		case capped != nil:
			// The open archive gains the next issue when it is published.
			cc = capped
		}
		return httpx.Write(c, resp, httpx.Answer{CacheControl: cc, Limiter: s.limiter, LimitKey: c.Request().URL.Path})
	}
}
