package desk

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The editors' view of the upstream sources: /sources lists each source's
// poll state and its latest items, filtered by source and searched by
// words. The sources' combined feed is the public site's (handlers'
// planetFeed), behind the same token unless the site makes it public.
//
// Upstream items are sanitised once, when they are polled, not here:
// cleanItem in feed/upstream/sanitize.go puts every item gofeed parsed
// through bluemonday and content's Clean, Line and Truncate, and the store
// hands items out clean, so this page shows them as they are.

// sourcesPageItems are the items on /sources.
const sourcesPageItems = 100

// sourcesPage is /sources.
type sourcesPage struct {
	page.Page
	States []upstream.SourceState
	Items  []upstream.Item
	Source string          // the source filter, "" for all
	Query  string          // the words searched
	Planet []page.FeedLink // the combined feed in each format
}

func (d *Desk) Sources(c echo.Context) error {
	store := d.sources()
	if store == nil {
		return httpx.ErrNotFound
	}
	ctx := c.Request().Context()
	now := d.now()
	snap := d.content.At(now)
	q := c.Request().URL.Query()
	p := sourcesPage{
		Page:   d.newPage(snap, "Sources — "+snap.Site.Title, "/sources", ""),
		Source: strings.TrimSpace(q.Get("source")),
		Query:  strings.TrimSpace(q.Get("q")),
	}
	p.Description = "What the upstream sources of " + snap.Site.Title + " bring in."
	p.Preview = &page.PreviewBar{Note: "Upstream sources: source material for editors, sanitised. Not public."}
	var err error
	if p.States, err = store.Sources(ctx); err != nil {
		return err
	}
	if p.Items, err = store.Items(ctx, upstream.ItemQuery{Source: p.Source, Words: p.Query, Limit: sourcesPageItems}); err != nil {
		return err
	}
	for _, f := range feed.Formats {
		p.Planet = append(p.Planet, page.FeedLink{Type: f.ContentType(), Title: "Sources (" + page.FormatName(f) + ")", Href: snap.Site.URL(feed.SourcesPath(f)), Format: page.FormatName(f)})
	}
	return d.writePreview(c, "sources", p)
}
