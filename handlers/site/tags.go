package site

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// Tags: every tag of a published article has a page, /tags/{slug}
// (its articles newest first, paginated like the archive), and feeds,
// /tags/{slug}/feed.rss, .atom and .json. Slugs are content.TagSlug:
// /tags/Open-Source redirects to /tags/open-source. /tags lists them all.

// tagPage is /tags/{slug} and its further pages.
type tagPage struct {
	Page
	Tag      *content.Tag
	Articles []*content.Article // this page's
	Formats  []FeedLink         // the tag's feeds
}

// tagsPage is /tags: every tag.
type tagsPage struct {
	Page
	Tags []*content.Tag
}

// tagFeeds is one tag's feeds, as the feeds page lists them.
type tagFeeds struct {
	Tag     *content.Tag
	Formats []FeedLink
}

func (s *Site) Tags(c echo.Context) error {
	return s.page(c, "tags", func(snap *content.Snapshot) (any, error) {
		p := tagsPage{Page: s.NewPage(snap, "Tags — "+snap.Site.Title, "/tags", ""), Tags: snap.Tags()}
		p.Description = "Every subject " + snap.Site.Title + " has written about, with a page and a feed each."
		return p, nil
	})
}

func (s *Site) Tag(c echo.Context) error {
	if r := s.canonicalTag(c); r != "" {
		return s.MovedPermanently(c, r)
	}
	scope := func(snap *content.Snapshot) string {
		if t := snap.Tag(c.Param("tag")); t != nil {
			return listScope(snap, t.Articles, pageNumber(c), taggedPerPage, articleIssue, t.Slug+"\x00"+t.Name)
		}
		return ""
	}
	return s.pageIn(c, "tag", scope, func(snap *content.Snapshot) (any, error) {
		t := snap.Tag(c.Param("tag"))
		if t == nil {
			return nil, httpx.ErrNotFound
		}
		arts, pg, ok := paginate(t.Articles, pageNumber(c), taggedPerPage, t.URLPath())
		if !ok {
			return nil, httpx.ErrNotFound
		}
		p := tagPage{Page: s.newListPage(snap, "Tagged “"+t.Name+"” — "+snap.Site.Title, "", pg), Tag: t, Articles: arts}
		p.Description = strconv.Itoa(len(t.Articles)) + " stories of " + snap.Site.Title + " tagged “" + t.Name + "”, newest first."
		if pg.Number > 0 {
			// Not the count: a numbered page stays as it is when more come.
			p.Description = "Stories of " + snap.Site.Title + " tagged “" + t.Name + "”, page " + strconv.Itoa(pg.Number) + " from the oldest."
		}
		p.Formats = tagFeedLinks(snap.Site, t)
		p.Feeds = append(p.Feeds, p.Formats...) // autodiscovery
		return p, nil
	})
}

// canonicalTag is where a request for a tag under another spelling
// (/tags/Open-Source/page/2) belongs, or "" when it is canonical or
// names no tag.
func (s *Site) canonicalTag(c echo.Context) string {
	raw := c.Param("tag")
	slug := content.TagSlug(raw)
	if slug == raw || slug == "" || s.content.At(s.now()).Tag(slug) == nil {
		return ""
	}
	path := "/tags/" + slug
	if n := c.Param("page"); n != "" {
		path += "/page/" + n
	}
	return path
}

func tagFeedLinks(site *content.Site, t *content.Tag) []FeedLink {
	var out []FeedLink
	for _, f := range feed.Formats {
		l := feedLink(site, feed.TagSpec(t.Slug), f)
		l.View = "" // tag feeds have no readable page of their own: the tag page is one
		out = append(out, l)
	}
	return out
}

// TagFeed serves the feeds of every tag in format f.
func (s *Site) TagFeed(f feed.Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := s.canonicalTag(c); r != "" {
			return s.MovedPermanently(c, r+"/feed."+string(f))
		}
		slug := c.Param("tag")
		if s.content.At(s.now()).Tag(slug) == nil {
			return httpx.ErrNotFound
		}
		spec := feed.TagSpec(slug)
		r, cc, err := s.SubscriptionFeed(spec, f)
		if err != nil {
			return err
		}
		return httpx.Write(c, r, httpx.Answer{CacheControl: cc, Limiter: s.limiter, LimitKey: spec.Path(f)})
	}
}
