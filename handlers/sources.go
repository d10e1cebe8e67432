package handlers

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The editors' view of the upstream sources: /sources lists each source's
// poll state and its latest items, filtered by source and searched by
// words; /sources/feed.{rss,atom,json} is every source's items as one feed.
// Both are behind the preview token; the feed is public when
// morningpost.yaml says sources_public: true.
//
// Upstream items are sanitised once, when they are polled, not here:
// cleanItem in feed/upstream/sanitize.go puts every item gofeed parsed
// through bluemonday and content's Clean, Line and Truncate, and the store
// hands items out clean, so these handlers and feed.Planet use them as
// they are.

// Items on /sources and in the combined feed.
const (
	sourcesPageItems = 100
	planetItems      = 50
)

// sourcesPage is /sources.
type sourcesPage struct {
	Page
	States []upstream.SourceState
	Items  []upstream.Item
	Source string     // the source filter, "" for all
	Query  string     // the words searched
	Planet []FeedLink // the combined feed in each format
}

func (s *server) sourcesIndex(c echo.Context) error {
	store := s.sources.Load()
	if store == nil {
		return httpx.ErrNotFound
	}
	ctx := c.Request().Context()
	now := s.now()
	snap := s.content.At(now)
	q := c.Request().URL.Query()
	p := sourcesPage{
		Page:   s.newPage(snap, "Sources — "+snap.Site.Title, "/sources", ""),
		Source: strings.TrimSpace(q.Get("source")),
		Query:  strings.TrimSpace(q.Get("q")),
	}
	p.Description = "What the upstream sources of " + snap.Site.Title + " bring in."
	p.Preview = &PreviewBar{Note: "Upstream sources: source material for editors, sanitised. Not public."}
	var err error
	if p.States, err = store.Sources(ctx); err != nil {
		return err
	}
	if p.Items, err = store.Items(ctx, upstream.ItemQuery{Source: p.Source, Words: p.Query, Limit: sourcesPageItems}); err != nil {
		return err
	}
	for _, f := range feed.Formats {
		p.Planet = append(p.Planet, FeedLink{Type: f.ContentType(), Title: "Sources (" + page.FormatName(f) + ")", Href: snap.Site.URL(feed.SourcesPath(f)), Format: page.FormatName(f)})
	}
	return s.writePreview(c, "sources", p)
}

// requireSourcesFeed guards the combined feed: open when the site makes
// it public; otherwise the preview token, as a Bearer token, the preview
// cookie, or the password of HTTP Basic authentication (which every feed
// reader can send; the user name is ignored).
func (s *server) requireSourcesFeed(next echo.HandlerFunc) echo.HandlerFunc {
	guarded := s.requirePreview(next)
	return func(c echo.Context) error {
		if s.sources.Load() == nil {
			return httpx.ErrNotFound
		}
		if s.content.Content().Site.SourcesPublic {
			return next(c)
		}
		if _, pass, ok := c.Request().BasicAuth(); ok && s.preview != nil && s.preview.auth.tokenOK(pass) {
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

func (s *server) planetFeed(f feed.Format) echo.HandlerFunc {
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
