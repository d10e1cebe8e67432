package desk

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// Search is /preview/search?q=…, the editor's desk's search,
// behind the preview token: the drafts, draft articles and scheduled
// issues that match, read from the files (Query.Match; there are few),
// first, then the public articles the index finds, as /search ranks
// them. Drafts link their preview pages. It is never stored, and not
// rate-limited.
func (d *Desk) Search(c echo.Context) error {
	now := d.now()
	all := d.content.Content()
	pub := all.At(now)
	raw := c.QueryParam("q")
	p := page.Search{Page: d.newPage(pub, "Search, drafts included — Editor's desk — "+pub.Site.Title, "/preview/search", ""), Query: raw, Action: "/preview/search"}
	p.Description = "Search every article, drafts and scheduled issues included."
	p.Preview = &page.PreviewBar{Note: "Search, drafts and scheduled issues included: readers' searches never find them."}
	if strings.TrimSpace(raw) == "" {
		return d.writePreview(c, "search", p)
	}
	q, err := search.Parse(raw)
	n := page.SearchPageNumber(c.QueryParam("page"))
	switch {
	case err != nil:
		p.Problem = err.Error()
	case n == 0:
		p.Problem = "There is no such page of results: &page= is a number from 1 to " + strconv.Itoa(search.MaxHits/page.HitsPerPage) + "."
	}
	if p.Problem != "" {
		return d.writePreviewStatus(c, http.StatusBadRequest, p)
	}
	var hits []page.SearchHit
	for _, iss := range all.Pending(now) {
		st := all.IssueStatus(iss, now)
		for _, a := range iss.Articles {
			ast := all.ArticleStatus(a, now)
			if st == content.StatusPublished && ast == content.StatusPublished {
				continue // public: the index has it
			}
			if q.Match(a.Title, search.Text(a)) {
				hits = append(hits, page.SearchHit{Hit: search.Hit{Article: a}, Section: all.Site.SectionTitle(a.Section), URL: "/preview" + a.URLPath(), Status: ast})
			}
		}
	}
	if d.search != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), search.Timeout)
		defer cancel()
		res, err := d.search.Search(ctx, pub, q, search.ByRelevance, 0, search.MaxHits, false)
		switch {
		case errors.Is(err, search.ErrWarming):
			p.Preview.Note = "Search is warming up: only drafts and scheduled issues are found for now."
		case err != nil:
			return err
		default:
			p.More = res.More
			for _, h := range res.Hits {
				hits = append(hits, page.SearchHit{Hit: h, Section: pub.Site.SectionTitle(h.Article.Section), URL: h.Article.URLPath()})
			}
		}
	}
	// Pages of hits count from the best: page n holds hits
	// (n-1)*page.HitsPerPage+1 to n*page.HitsPerPage; page 1 always exists.
	count := max((len(hits)+page.HitsPerPage-1)/page.HitsPerPage, 1)
	ok := n >= 1 && n <= count
	var shown []page.SearchHit
	if ok {
		shown = hits[(n-1)*page.HitsPerPage : min(n*page.HitsPerPage, len(hits))]
	}
	p.Ran, p.Total, p.Number, p.Count = true, len(hits), n, count
	if !ok {
		p.Ran = false
		p.Problem = "There is no page " + strconv.Itoa(n) + " of this search: it found " + strconv.Itoa(len(hits)) + " article" + page.Plural(len(hits)) + "."
		return d.writePreviewStatus(c, http.StatusNotFound, p)
	}
	pos := q.Positive()
	for i := range shown {
		shown[i].Snippet = search.Snippet(search.Text(shown[i].Article), pos)
	}
	p.Hits = shown
	p.From = (n-1)*page.HitsPerPage + 1
	p.To = p.From + len(shown) - 1
	base := "/preview/search?q=" + feed.QueryValue(raw)
	if n > 1 {
		p.Prev = base
		if n > 2 {
			p.Prev += "&page=" + strconv.Itoa(n-1)
		}
	}
	if n < p.Count {
		p.Next = base + "&page=" + strconv.Itoa(n+1)
	}
	return d.writePreview(c, "search", p)
}

// writePreviewStatus is writePreview of the search page with status.
func (d *Desk) writePreviewStatus(c echo.Context, status int, p page.Search) error {
	body, err := d.tmpl.Render("search", p)
	if err != nil {
		return err
	}
	body = page.UnderBase(d.content.Content().Site, body)
	h := c.Response().Header()
	h["Content-Type"] = page.HVHTML
	h["Content-Security-Policy"] = hvPreviewCSP
	h["Referrer-Policy"] = page.HVReferrer
	h["X-Content-Type-Options"] = httpx.Nosniff
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h["Vary"] = hvVaryCookie
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(status)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
	return nil
}
