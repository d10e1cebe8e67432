package site

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// Search: /search?q=… is the search page (10 hits a page, &page=N),
// /search/feed.rss?q=… (.atom, .json) the feeds of a search, newest
// first, and /opensearch.xml describes both to browsers. The query
// language and the index are content/search's; every hit is checked
// against the request's snapshot, so only what is public at that moment
// is found, counted or quoted.
//
// A query that cannot be run (too long, a quote not closed, operators
// alone, control characters) or a page number that is not one answers
// 400 with the search page saying why; a page past the last 404; until
// the index is ready after a start, 503 with Retry-After. Each search
// run (not a 304) counts against the client's rate limit as a full
// download of a feed does, under one name for all search pages
// ("/search") and one per search feed format.

// SearchCacheBytes bounds the cache of search pages.
const SearchCacheBytes = 8 << 20

const hitsPerPage = page.HitsPerPage

func (s *Site) SearchPage(c echo.Context) error {
	now := s.now()
	snap := s.content.At(now)
	site := snap.Site
	raw := c.QueryParam("q")
	if s.search == nil {
		// No index on this server (no store, or a static export): every
		// search gets the page of the form alone, the same bytes as
		// /search, whose script searches /search/index.json in the
		// browser. An export keeps one file for all of them.
		raw = ""
	}
	p := searchPage{Page: s.NewPage(snap, "Search — "+site.Title, "/search", ""), Query: raw}
	p.Description = "Search every article of " + site.Title + "."
	p.Script = s.static.URL("search.js")
	p.Action = "/search"
	status := http.StatusOK
	var r *feed.Response
	if strings.TrimSpace(raw) != "" {
		q, n, st := s.checkSearch(c, snap, &p)
		status = st
		if st == http.StatusOK {
			// The page is made of the snapshot and the request alone (the
			// index is brought to the snapshot before it is asked), so it
			// is kept by both, in a cache of its own: searches do not
			// push feeds out of the render cache.
			key := snap.Key + "\x00" + raw + "\x00" + strconv.Itoa(n)
			var err error
			r, err = s.searchPages.Response(key, "", func() (*feed.Response, error) {
				if st := s.runSearch(c, snap, q, n, &p); st != http.StatusOK {
					return nil, &searchStatus{st}
				}
				return s.renderSearch(site, p)
			})
			var ss *searchStatus
			switch {
			case errors.As(err, &ss):
				// Not kept; a request that waited on another's made none
				// of p: run it for this one.
				status = s.runSearch(c, snap, q, n, &p)
			case err != nil:
				return err
			}
		}
	}
	if status == http.StatusTooManyRequests {
		return nil // answered
	}
	if status != http.StatusOK {
		body, err := s.tmpl.Render("search", p)
		if err != nil {
			return err
		}
		return writeSearchProblem(c, status, page.UnderBase(site, body))
	}
	if r == nil {
		var err error
		if r, err = s.renderSearch(site, p); err != nil {
			return err
		}
	}
	return s.writePage(c, snap, now, r)
}

// searchStatus is a search that answers with status, not a page to keep.
type searchStatus struct{ status int }

func (e *searchStatus) Error() string { return http.StatusText(e.status) }

// renderSearch renders the search page p.
func (s *Site) renderSearch(site *content.Site, p searchPage) (*feed.Response, error) {
	body, err := s.tmpl.Render("search", p)
	if err != nil {
		return nil, err
	}
	return s.preparePage(page.HVHTML[0], page.UnderBase(site, body), searchHeader())
}

// hvSearchCSP is the search page's policy: a page's, plus its own script
// and the index that script reads (a static copy of the site searches in
// the browser).
var hvSearchCSP = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; script-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}

func searchHeader() http.Header {
	h := htmlHeader()
	h["Content-Security-Policy"] = hvSearchCSP
	return h
}

// SearchIndex is /search/index.json, the index a static copy of the site
// searches with search.js (content/search's StaticIndex).
func (s *Site) SearchIndex(c echo.Context) error {
	now := s.now()
	snap := s.content.At(now)
	p, err := s.cachedPage(snap, "search/index.json", func() (*feed.Response, error) {
		body, err := search.StaticIndex(snap, snap.Site.SectionTitle)
		if err != nil {
			return nil, err
		}
		return s.preparePage("application/json", body, http.Header{})
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}

// checkSearch reads the query and page the request asks for into p, and
// counts the search against the client's rate limit: the status of the
// answer, OK when the search is to be run (runSearch);
// http.StatusTooManyRequests when it has answered it itself.
func (s *Site) checkSearch(c echo.Context, snap *content.Snapshot, p *searchPage) (*search.Query, int, int) {
	site := snap.Site
	p.Title = "“" + content.Line(p.Query) + "” — Search — " + site.Title
	p.Canonical = site.URL("/search") + "?q=" + feed.QueryValue(p.Query)
	q, err := search.Parse(p.Query)
	if err != nil {
		p.Problem = err.Error()
		return nil, 0, http.StatusBadRequest
	}
	n := page.SearchPageNumber(c.QueryParam("page"))
	if n == 0 {
		p.Problem = "There is no such page of results: &page= is a number from 1 to " + strconv.Itoa(search.MaxHits/hitsPerPage) + "."
		return nil, 0, http.StatusBadRequest
	}
	if over, wait := s.limiter.Over(httpx.ClientAddr(c), "/search", c.Request().Method == http.MethodHead); over {
		_ = tooManySearches(c, wait)
		return nil, 0, http.StatusTooManyRequests
	}
	return q, n, http.StatusOK
}

// runSearch runs q for page n into p and returns the status of the
// answer.
func (s *Site) runSearch(c echo.Context, snap *content.Snapshot, q *search.Query, n int, p *searchPage) int {
	site := snap.Site
	ctx, cancel := context.WithTimeout(c.Request().Context(), search.Timeout)
	defer cancel()
	res, err := s.search.Search(ctx, snap, q, search.ByRelevance, (n-1)*hitsPerPage, hitsPerPage, true)
	if errors.Is(err, search.ErrWarming) {
		p.Warming = true
		return http.StatusServiceUnavailable
	}
	if err != nil {
		s.log.Error("search failed", "query", q.String(), "error", err)
		p.Problem = "The search could not be run just now; please try again."
		return http.StatusServiceUnavailable
	}
	p.Ran, p.Total, p.More, p.Number = true, res.Total, res.More, n
	p.Count = max((res.Total+hitsPerPage-1)/hitsPerPage, 1)
	p.From = (n-1)*hitsPerPage + 1
	p.To = p.From + len(res.Hits) - 1
	for _, h := range res.Hits {
		p.Hits = append(p.Hits, searchHit{Hit: h, Section: site.SectionTitle(h.Article.Section), URL: h.Article.URLPath()})
	}
	base := "/search?q=" + feed.QueryValue(p.Query)
	if n > 1 {
		p.Prev = base
		if n > 2 {
			p.Prev += "&page=" + strconv.Itoa(n-1)
		}
		p.Canonical = site.URL("/search") + "?q=" + feed.QueryValue(p.Query) + "&page=" + strconv.Itoa(n)
		p.Title = "Page " + strconv.Itoa(n) + " — " + p.Title
	}
	if n < p.Count {
		p.Next = base + "&page=" + strconv.Itoa(n+1)
	}
	p.Formats = searchFeedLinks(site, p.Query)
	p.Feeds = p.Formats // autodiscovery: a reader can subscribe to the search
	if n > p.Count {
		p.Problem = "There is no page " + strconv.Itoa(n) + " of this search: it found " + strconv.Itoa(res.Total) + " article" + page.Plural(res.Total) + "."
		p.Ran = false
		return http.StatusNotFound
	}
	return http.StatusOK
}

// searchFeedLinks are the feeds of search q.
func searchFeedLinks(site *content.Site, q string) []FeedLink {
	var out []FeedLink
	for _, f := range feed.Formats {
		t, _, _ := strings.Cut(f.ContentType(), ";")
		out = append(out, FeedLink{
			Type:   t,
			Title:  content.Line(site.Title) + " — Search: " + content.Line(q) + " (" + page.FormatName(f) + ")",
			Href:   site.URL("/search/feed."+string(f)) + "?q=" + feed.QueryValue(q),
			Format: page.FormatName(f),
		})
	}
	return out
}

// writeSearchProblem writes the search page body with status, not to be
// cached.
func writeSearchProblem(c echo.Context, status int, body []byte) error {
	h := c.Response().Header()
	for k, v := range searchHeader() {
		h[k] = v
	}
	h["Content-Type"] = page.HVHTML
	h["X-Content-Type-Options"] = httpx.Nosniff
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	c.Response().WriteHeader(status)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
	return nil
}

// tooManySearches is the 429 of a client over its rate limit of searches.
func tooManySearches(c echo.Context, wait time.Duration) error {
	h := c.Response().Header()
	secs := max(1, int(math.Ceil(wait.Seconds())))
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h["X-Content-Type-Options"] = httpx.Nosniff
	c.Response().WriteHeader(http.StatusTooManyRequests)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte("too many searches; retry after " + strconv.Itoa(secs) + " seconds\n"))
	}
	return nil
}

// SearchFeed serves the feeds of searches in format f: the newest
// matching articles, at most the site's feed length, the same entries
// as every other feed.
func (s *Site) SearchFeed(f feed.Format) echo.HandlerFunc {
	return func(c echo.Context) error {
		now := s.now()
		snap := s.content.At(now)
		raw := c.QueryParam("q")
		q, err := search.Parse(raw)
		if err != nil {
			return searchFeedProblem(c, http.StatusBadRequest, err.Error())
		}
		if s.search == nil {
			return searchFeedProblem(c, http.StatusServiceUnavailable, "Search is not available on this server.")
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), search.Timeout)
		defer cancel()
		n := snap.Site.FeedLength
		if n <= 0 {
			n = feed.DefaultFeedLength
		}
		res, err := s.search.Search(ctx, snap, q, search.ByDate, 0, n, false)
		if errors.Is(err, search.ErrWarming) {
			return searchFeedProblem(c, http.StatusServiceUnavailable, "Search is warming up: try again in a few seconds.")
		}
		if err != nil {
			s.log.Error("search feed failed", "query", q.String(), "error", err)
			return searchFeedProblem(c, http.StatusServiceUnavailable, "The search could not be run just now; please try again.")
		}
		arts := make([]*content.Article, len(res.Hits))
		for i, h := range res.Hits {
			arts[i] = h.Article
		}
		r, err := s.feeds.GetSearch(snap, raw, arts, f)
		if err != nil {
			return err
		}
		cc := r.Header.CacheControl
		if capped := cappedCacheControl(snap, now); capped != nil {
			cc = capped
		}
		return httpx.Write(c, r, httpx.Answer{CacheControl: cc, Limiter: s.limiter, LimitKey: "/search/feed." + string(f)})
	}
}

// searchFeedProblem answers a search feed that cannot be made: status
// and why, as plain text, not to be cached.
func searchFeedProblem(c echo.Context, status int, msg string) error {
	h := c.Response().Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h["X-Content-Type-Options"] = httpx.Nosniff
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	c.Response().WriteHeader(status)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte(msg + "\n"))
	}
	return nil
}

// OpenSearch is /opensearch.xml (OpenSearch 1.1): the search page and
// feeds as browsers and readers fill them in.
func (s *Site) OpenSearch(c echo.Context) error {
	now := s.now()
	snap := s.content.At(now)
	p, err := s.cachedPage(snap, "opensearch", func() (*feed.Response, error) {
		body, err := openSearchXML(snap.Site)
		if err != nil {
			return nil, err
		}
		return s.preparePage("application/opensearchdescription+xml", body, http.Header{})
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}

type osURL struct {
	Type     string `xml:"type,attr"`
	Rel      string `xml:"rel,attr,omitempty"`
	Method   string `xml:"method,attr,omitempty"`
	Template string `xml:"template,attr"`
}

type osImage struct {
	Height int    `xml:"height,attr"`
	Width  int    `xml:"width,attr"`
	Type   string `xml:"type,attr"`
	URL    string `xml:",chardata"`
}

type osDescription struct {
	XMLName       xml.Name `xml:"http://a9.com/-/spec/opensearch/1.1/ OpenSearchDescription"`
	ShortName     string
	Description   string
	InputEncoding string
	Language      string
	Image         osImage
	URLs          []osURL `xml:"Url"`
}

// openSearchXML is the site's OpenSearch description. ShortName is at
// most 16 characters and Description 1024, as the specification says.
//
// It describes the search page only, not the search feeds (which the
// search page links for autodiscovery): a static export's copy of this
// file, the same bytes, must promise nothing its host cannot answer.
func openSearchXML(site *content.Site) ([]byte, error) {
	short := []rune(content.Line(site.Title))
	if len(short) > 16 {
		short = short[:16]
	}
	tpl := func(path string) string { return site.URL(path) + "?q={searchTerms}" }
	d := osDescription{
		ShortName:     strings.TrimSpace(string(short)),
		Description:   content.Truncate("Search every article of "+content.Line(site.Title)+".", 1024),
		InputEncoding: "UTF-8",
		Language:      content.Line(site.Language),
		Image:         osImage{Height: 64, Width: 64, Type: "image/png", URL: site.URL("/icon.png")},
		URLs: []osURL{
			{Type: "text/html", Method: "get", Template: tpl("/search")},
			{Type: "application/opensearchdescription+xml", Rel: "self", Template: site.URL("/opensearch.xml")},
		},
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
