package site

import (
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/page"
)

// A readable page for each feed, so that a person who follows a feed link
// sees its entries and how to subscribe rather than raw XML. Browsers are
// removing XSLT, so an xml-stylesheet cannot do this job. Each page has a
// fixed URL made from the feed's own: /feeds/view/feed.atom,
// /feeds/view/sections/lead/feed.rss.

// FeedViewPath is the URL path of the readable page of feed spec in format f.
func FeedViewPath(spec feed.Spec, f feed.Format) string { return "/feeds/view" + spec.Path(f) }

// feedViewPage is /feeds/view/{feed path}.
type feedViewPage struct {
	Page
	FeedTitle string
	FeedURL   string // absolute URL to subscribe to
	Format    string // RSS, Atom, JSON Feed
	About     string
	Others    []FeedLink // the same feed in the other formats
	Views     []FeedLink // readable pages of the other formats (Href is a path)
	Entries   []feedViewEntry
}

// feedViewEntry is one entry as the feed lists it.
type feedViewEntry struct {
	Title      string
	URL        string
	Published  time.Time
	Summary    string
	Categories []string
}

func (s *Site) FeedView(spec feed.Spec, f feed.Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.page(c, "feedview", func(snap *content.Snapshot) (any, error) {
			site := snap.Site
			title := spec.Title(site)
			p := feedViewPage{
				Page:      s.NewPage(snap, title+" ("+page.FormatName(f)+") — feed", FeedViewPath(spec, f), spec.Section),
				FeedTitle: title,
				FeedURL:   site.URL(spec.Path(f)),
				Format:    page.FormatName(f),
				About:     feedAbout(spec),
			}
			p.Description = "What the " + page.FormatName(f) + " feed " + title + " holds, and how to subscribe to it."
			for _, o := range feed.Formats {
				if o != f {
					p.Others = append(p.Others, feedLink(site, spec, o))
					p.Views = append(p.Views, FeedLink{Format: page.FormatName(o), Href: FeedViewPath(spec, o)})
				}
			}
			root := strings.TrimSuffix(site.URL("/"), "/")
			d := feed.Build(snap, spec)
			for _, e := range d.Entries {
				v := feedViewEntry{Title: e.Item.Title, Published: e.Item.Created, Summary: e.Item.Description, Categories: e.Categories}
				if e.Item.Link != nil {
					// Links within the site stay on the host the page was read from.
					v.URL = e.Item.Link.Href
					if rest, ok := strings.CutPrefix(v.URL, root); ok && strings.HasPrefix(rest, "/") {
						v.URL = rest
					}
				}
				p.Entries = append(p.Entries, v)
			}
			return p, nil
		})
	}
}
