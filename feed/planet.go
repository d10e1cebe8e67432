package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/gorilla/feeds"

	"github.com/morningpost/morningpost/content"
)

// SourcesPath is the URL path of the combined feed of every upstream
// source's items (a "planet") in format f: /sources/feed.rss, .atom, .json.
func SourcesPath(f Format) string { return "/sources/feed." + string(f) }

// PlanetItem is one upstream item as the combined feed needs it. The
// caller maps the upstream store's items to it (handlers does), so this
// package does not depend on feed/upstream, its store or the SQL drivers.
type PlanetItem struct {
	// ID is the store's stable item ID.
	ID         string
	SourceName string
	// Section is the Section hint of the item's source, "" for none.
	Section string
	Title   string
	// Link is an absolute http(s) URL, or "" for none.
	Link   string
	Author string
	// Summary is plain text; ContentHTML is sanitised HTML.
	Summary     string
	ContentHTML string
	// Date is when the item is dated: the upstream's published date,
	// else its updated date, else FetchedAt. Updated is the upstream's
	// updated date, zero if it gave none.
	Date    time.Time
	Updated time.Time
	// FetchedAt is when the item was first stored.
	FetchedAt time.Time
}

// Planet maps upstream items, newest first, to one feed: the editors'
// reading list of everything the sources brought in. Items come out of
// the store sanitised and clean (feed/upstream's cleanItem), so their
// text and HTML are used as they are. Entry IDs are tag: URIs made from the store's
// stable item IDs, so a reader sees each upstream item once.
func Planet(site *content.Site, items []PlanetItem) *Doc {
	title := content.Line(site.Title) + " — Sources"
	home := site.URL("/sources")
	d := emptyDoc(site, title, "What the upstream sources of "+content.Line(site.Title)+" brought in, newest first.",
		home, site.TagURI("sources/feed"), SourcesPath)
	for _, it := range items {
		author := content.Line(it.Author)
		if author == "" {
			author = content.Line(it.SourceName)
		}
		link := it.Link
		if link == "" {
			link = home
		}
		updated := it.Updated
		if updated.IsZero() || updated.Before(it.Date) {
			updated = it.Date
		}
		cats := []string{content.Line(it.SourceName)}
		if it.Section != "" {
			cats = append(cats, site.SectionTitle(content.Section(it.Section)))
		}
		title := content.Line(it.Title)
		if title == "" {
			title = content.Truncate(content.Line(it.Summary), 80)
		}
		d.add(Entry{
			Item: &feeds.Item{
				Id:          site.TagURI("sources/" + it.ID),
				Title:       title,
				Link:        &feeds.Link{Href: link},
				Author:      &feeds.Author{Name: author},
				Description: it.Summary,
				Content:     it.ContentHTML,
				Created:     it.Date,
				Updated:     updated,
			},
			Categories: cats,
		})
	}
	d.finish()
	return d
}

// GetPlanet returns the combined feed of items in format f, rendering
// it when the items (or the site) changed since it was last asked for:
// an unchanged store costs the query that read items.
func (c *Cache) GetPlanet(site *content.Site, items []PlanetItem, f Format) (*Response, error) {
	if !f.Valid() {
		return nil, fmt.Errorf("feed: no sources feed in format %q", f)
	}
	h := sha256.New()
	fmt.Fprintf(h, "planet\x00%s\x00%s\x00%s\x00%s\x00", GeneratorVersion, site.Version, site.URL("/"), site.Authority)
	// Everything an entry shows is in the key: an upstream may edit an
	// item's title or text without moving its updated date, and the
	// store takes the edit; the feed must follow it.
	for _, it := range items {
		fmt.Fprintf(h, "%q %d %d %d %q %q %q %q %q %q %q\x00", it.ID, it.FetchedAt.UnixNano(), it.Updated.UnixNano(), it.Date.UnixNano(),
			it.SourceName, it.Section, it.Title, it.Link, it.Author, it.Summary, it.ContentHTML)
	}
	r, err := c.document(hex.EncodeToString(h.Sum(nil))[:32], "/sources/feed", false, site, f, func() *Doc { return Planet(site, items) })
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", SourcesPath(f), err)
	}
	return r, nil
}
