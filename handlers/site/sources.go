package site

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// The upstream sources' combined feed: /sources/feed.{rss,atom,json} is
// every source's items as one feed, behind the preview token unless
// morningpost.yaml says sources_public: true. The editors' /sources page
// is the desk's (handlers/desk, Desk.Sources).
//
// Upstream items are sanitised once, when they are polled, not here:
// cleanItem in feed/upstream/sanitize.go puts every item gofeed parsed
// through bluemonday and content's Clean, Line and Truncate, and the store
// hands items out clean, so these handlers and feed.Planet use them as
// they are.

// planetItems are the items of the combined feed.
const planetItems = 50

// RequireSourcesFeed guards the combined feed: open when the site makes
// it public; otherwise the preview token, as a Bearer token, the preview
// cookie, or the password of HTTP Basic authentication (which every feed
// reader can send; the user name is ignored).
func (s *Site) RequireSourcesFeed(next echo.HandlerFunc) echo.HandlerFunc {
	guarded := s.require(next)
	return func(c echo.Context) error {
		if s.sources.Load() == nil {
			return httpx.ErrNotFound
		}
		if s.content.Content().Site.SourcesPublic {
			return next(c)
		}
		if _, pass, ok := c.Request().BasicAuth(); ok && s.tokenOK(pass) {
			c.Response().Header().Set("Cache-Control", "private, no-cache")
			return next(c)
		}
		return guarded(c)
	}
}

// planetOf maps the upstream store's items to the combined feed's items.
func planetOf(items []upstream.Item) []feed.PlanetItem {
	out := make([]feed.PlanetItem, len(items))
	for i, it := range items {
		out[i] = feed.PlanetItem{
			ID:          it.ID,
			SourceName:  it.SourceName,
			Section:     it.Section,
			Title:       it.Title,
			Link:        it.Link,
			Author:      it.Author,
			Summary:     it.Summary,
			ContentHTML: it.ContentHTML,
			Date:        it.Date(),
			Updated:     it.Updated,
			FetchedAt:   it.FetchedAt,
		}
	}
	return out
}

func (s *Site) PlanetFeed(f feed.Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		site := s.content.Content().Site
		items, err := s.sources.Load().Items(ctx, upstream.ItemQuery{Limit: planetItems})
		if err != nil {
			return fmt.Errorf("sources feed: %w", err)
		}
		r, err := s.feeds.GetPlanet(site, planetOf(items), f)
		if err != nil {
			return fmt.Errorf("sources feed: %w", err)
		}
		// Cache-Control comes from the guard when the feed is private.
		var cc []string
		if c.Response().Header().Get("Cache-Control") == "" {
			cc = r.Header.CacheControl
		}
		return httpx.Write(c, r, httpx.Answer{CacheControl: cc, Private: !site.SourcesPublic})
	}
}
