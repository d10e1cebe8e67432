package handlers

import (
	"encoding/xml"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/page"
)

// newSearchServer is a test server with a search index in a SQLite
// store of its own, synced with the content unless cold; rateLimit is
// Deps.RateLimit; base, when set, is the site's base URL.
func newSearchServer(t *testing.T, fsys fstest.MapFS, now time.Time, rateLimit int, cold bool, base *url.URL) *testServer {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: now}
	live, err := content.NewLive(fsys, content.LiveOptions{Now: clk.Now, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	idx := search.New(search.NewEngine(db))
	if !cold {
		if _, err := idx.Sync(t.Context(), live.At(now)); err != nil {
			t.Fatal(err)
		}
	}
	ts := &testServer{t: t, fsys: fsys, live: live, feeds: feed.NewCache(64 << 20), clock: clk}
	ts.e, err = New(Deps{Content: live, Feeds: ts.feeds, Now: clk.Now, Logger: slog.New(slog.DiscardHandler), Version: "test",
		Search: idx, RateLimit: rateLimit, PreviewToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// searchFixture is the handlers' fixture with twelve more public issues
// whose leads mention a platypus, for pages of results.
func searchFixture() fstest.MapFS {
	m := fixture()
	for n := 60; n < 72; n++ {
		m[fmt.Sprintf("issues/%d/issue.md", n)] = &fstest.MapFile{Data: fmt.Appendf(nil, "---\ndate: 2026-03-%02d\n---\n", n-59)}
		m[fmt.Sprintf("issues/%d/lead.md", n)] = &fstest.MapFile{Data: fmt.Appendf(nil,
			"---\ntitle: Platypus report %d\nkicker: Lead Story\n---\nThe platypus count of issue %d rose again, said the <em>zoologists</em>.\n", n, n)}
	}
	return m
}

func TestSearchPage(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	body := ts.get("/search?q=trending+models", http.StatusOK).Body.String()
	contains(t, "search page", body,
		`<mark>trending</mark> <mark>models</mark>`,
		`<a href="/issues/86/weekend-warriors">The Weekend Warriors`,
		`<a href="/issues/86">Issue #86</a>`,
		`<time datetime="2026-04-24T`,
		`Lead Story · `,
		`value="trending models"`,
		`<link rel="alternate" type="application/atom+xml" title="The AI Morning Post — Search: trending models (Atom)" href="https://post.example/search/feed.atom?q=trending%20models">`,
	)
	// The form alone without a query.
	body = ts.get("/search", http.StatusOK).Body.String()
	contains(t, "empty search", body, `<form class="search-form" role="search" action="/search" method="get">`)
	if strings.Contains(body, `class="search-results"`) || strings.Contains(body, `class="search-problem"`) {
		t.Error("the empty search page shows results or a problem")
	}
	// No hit: said plainly.
	body = ts.get("/search?q=okapi", http.StatusOK).Body.String()
	contains(t, "no hit", body, "No article has all of these words.")
}

// TestSearchPages: ten hits a page, rel=prev and next, a page past the
// end a clear 404.
func TestSearchPages(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	first := ts.get("/search?q=platypus", http.StatusOK).Body.String()
	contains(t, "page 1", first, "12 articles found; 1 to 10 on this page", `<a rel="next" href="/search?q=platypus&amp;page=2">`)
	if n := strings.Count(first, `<p class="snippet">`); n != page.HitsPerPage {
		t.Errorf("page 1 has %d hits, want %d", n, page.HitsPerPage)
	}
	second := ts.get("/search?q=platypus&page=2", http.StatusOK).Body.String()
	contains(t, "page 2", second, "11 to 12 on this page", `<a rel="prev" href="/search?q=platypus">`, `<ol class="search-results" start="11">`)
	if strings.Contains(second, `rel="next"`) {
		t.Error("the last page links a next one")
	}
	// Ties in rank (every lead says platypus once, in its title too)
	// go to the newest: issue 71 first.
	if i, j := strings.Index(first, "Platypus report 71"), strings.Index(first, "Platypus report 70"); i < 0 || j < 0 || i > j {
		t.Error("equal hits are not newest first")
	}
	past := ts.get("/search?q=platypus&page=3", http.StatusNotFound).Body.String()
	contains(t, "past the end", past, "There is no page 3 of this search: it found 12 articles.")
}

// TestSearchFindsOnlyWhatIsPublic: drafts, draft articles and the
// scheduled issue are never found, counted or quoted; the scheduled
// issue is found at its moment.
func TestSearchFindsOnlyWhatIsPublic(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	for _, q := range []string{draftIssueTitle, draftArticleTitle, scheduledTitle, "Never printed", "Tomorrow's news", "Not yet"} {
		body := ts.get("/search?q="+url.QueryEscape(q), http.StatusOK).Body.String()
		contains(t, q, body, "No article has all of these words.")
		for _, f := range feed.Formats {
			b := ts.get("/search/feed."+string(f)+"?q="+url.QueryEscape(q), http.StatusOK).Body.String()
			doc, err := gofeed.NewParser().ParseString(b)
			if err != nil || len(doc.Items) != 0 {
				t.Errorf("search feed %s for %q: %v entries, %v", f, q, doc, err)
			}
		}
	}
	ts.clock.Set(publish87.Add(time.Minute))
	body := ts.get("/search?q="+url.QueryEscape("tomorrow news"), http.StatusOK).Body.String()
	contains(t, "scheduled issue at its moment", body, scheduledTitle)
}

// TestSearchFindsAnEditAtOnce: a reload is searched by the next request.
func TestSearchFindsAnEditAtOnce(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	ts.get("/search?q=wombat", http.StatusOK)
	ts.fsys["issues/86/guest.md"] = &fstest.MapFile{Data: []byte("---\ntitle: \"Specialization Over Generalization\"\nkicker: Guest Column\n---\nA wombat wandered in.\n")}
	if err := ts.live.Reload(); err != nil {
		t.Fatal(err)
	}
	contains(t, "after the edit", ts.get("/search?q=wombat", http.StatusOK).Body.String(), "A <mark>wombat</mark> wandered in.")
}

// TestSearchBadInput: every query that cannot be run answers 400 with
// the search page saying why, never a 500.
func TestSearchBadInput(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	for _, c := range []struct{ query, want string }{
		{"q=" + strings.Repeat("a", 201), "too long"},
		{"q=" + url.QueryEscape(`"small models`), "A quotation mark is not closed"},
		{"q=-models", "not only words to leave out"},
		{"q=" + url.QueryEscape(`- "" -`), "no words in it"},
		{"q=%00models", "control characters"},
		{"q=models%1b", "control characters"},
		{"q=%ff%fe", "not valid UTF-8"},
		{"q=a+b+c+d+e+f+g+h+i", "too many words"},
		{"q=models&page=0", "no such page"},
		{"q=models&page=abc", "no such page"},
		{"q=models&page=02", "no such page"},
		{"q=models&page=99999999999999999999", "no such page"},
	} {
		rec := ts.get("/search?"+c.query, http.StatusBadRequest)
		contains(t, c.query, rec.Body.String(), c.want, `<p class="search-problem" role="alert">`)
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.query, cc)
		}
	}
	for _, f := range feed.Formats {
		rec := ts.get("/search/feed."+string(f)+"?q=-models", http.StatusBadRequest)
		contains(t, "feed", rec.Body.String(), "not only words to leave out")
		ts.get("/search/feed."+string(f), http.StatusBadRequest)
	}
}

func TestSearchWarmingUp(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, true, nil)
	rec := ts.get("/search?q=models", http.StatusServiceUnavailable)
	contains(t, "warming", rec.Body.String(), "Search is warming up")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After while warming up")
	}
	ts.get("/search/feed.atom?q=models", http.StatusServiceUnavailable)
	ts.get("/search", http.StatusOK) // the form needs no index
}

// TestSearchRateLimited: searches count against the rate limit as feed
// downloads do; a 304 of a search feed does not.
func TestSearchRateLimited(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 2, false, nil)
	ts.get("/search?q=models", http.StatusOK)
	ts.get("/search?q=platypus", http.StatusOK)
	rec := ts.get("/search?q=trending", http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	etag := ts.get("/search/feed.atom?q=models", http.StatusOK).Header().Get("Etag")
	ts.get("/search/feed.atom?q=models", http.StatusOK)
	ts.get("/search/feed.atom?q=models", http.StatusTooManyRequests)
	ts.get("/search/feed.atom?q=models", http.StatusNotModified, "If-None-Match", etag)
}

// TestSearchFeeds: the newest matching entries, with the same IDs and
// links as in the site's feed, and exact conditional GET.
func TestSearchFeeds(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	all, err := gofeed.NewParser().ParseString(ts.get("/feed.atom", http.StatusOK).Body.String())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*gofeed.Item{}
	for _, it := range all.Items {
		byID[it.GUID] = it
	}
	for _, f := range feed.Formats {
		path := "/search/feed." + string(f) + "?q=platypus"
		rec := ts.get(path, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != f.ContentType() {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		doc, err := gofeed.NewParser().ParseString(rec.Body.String())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(doc.Items) != 12 {
			t.Fatalf("%s: %d entries, want 12", path, len(doc.Items))
		}
		var titles []string
		for _, it := range doc.Items {
			titles = append(titles, it.Title)
			other := byID[it.GUID]
			if other == nil {
				continue // the site's feed holds fewer entries than the search found
			}
			if other.Link != it.Link || other.Title != it.Title {
				t.Errorf("%s: entry %s differs from /feed.atom's", path, it.GUID)
			}
		}
		if titles[0] != "Platypus report 71" || titles[11] != "Platypus report 60" {
			t.Errorf("%s: not newest first: %v", path, titles)
		}
		etag, lm := rec.Header().Get("Etag"), rec.Header().Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q", path, etag, lm)
		}
		ts.get(path, http.StatusNotModified, "If-None-Match", etag)
		ts.get(path, http.StatusNotModified, "If-Modified-Since", lm)
		ts.get(path, http.StatusOK, "If-None-Match", `"other"`)
	}
	// The entries' IDs are the articles' own.
	rec := ts.get("/search/feed.json?q=weekend+warriors", http.StatusOK)
	contains(t, "json", rec.Body.String(), `"id":"tag:post.example,2025:issue-86/lead"`)
}

func TestOpenSearch(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	rec := ts.get("/opensearch.xml", http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/opensearchdescription+xml" {
		t.Errorf("Content-Type %q", ct)
	}
	var d struct {
		XMLName   xml.Name
		ShortName string
		URLs      []struct {
			Type     string `xml:"type,attr"`
			Template string `xml:"template,attr"`
		} `xml:"Url"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.XMLName.Space != "http://a9.com/-/spec/opensearch/1.1/" || d.XMLName.Local != "OpenSearchDescription" {
		t.Errorf("root %v", d.XMLName)
	}
	if n := len([]rune(d.ShortName)); n == 0 || n > 16 {
		t.Errorf("ShortName %q", d.ShortName)
	}
	var templates []string
	for _, u := range d.URLs {
		templates = append(templates, u.Type+" "+u.Template)
	}
	// The search page, and not the search feeds: an export's copy of
	// this file is the same bytes, and its host cannot answer them.
	want := []string{"text/html https://post.example/search?q={searchTerms}", "application/opensearchdescription+xml https://post.example/opensearch.xml"}
	if !slices.Equal(templates, want) {
		t.Errorf("Urls %v, want %v", templates, want)
	}
	ts.get("/opensearch.xml", http.StatusNotModified, "If-None-Match", rec.Header().Get("Etag"))
	// Every page links it and has the search box.
	for _, path := range []string{"/", "/issues", "/issues/86", "/issues/86/weekend-warriors", "/tags", "/feeds", "/search?q=models"} {
		contains(t, path, ts.get(path, http.StatusOK).Body.String(),
			`<link rel="search" type="application/opensearchdescription+xml" title="The AI Morning Post" href="/opensearch.xml">`,
			`<form class="search-box" role="search" action="/search" method="get">`)
	}
}

// TestSearchWithoutIndex: a server given no index (no store, or the
// handler an export runs) answers every search with the page of the
// form alone, the same bytes as /search, whose script searches in the
// browser; its search feeds say search is unavailable.
func TestSearchWithoutIndex(t *testing.T) {
	ts := newTestServer(t, fixture())
	form := ts.get("/search", http.StatusOK).Body.String()
	contains(t, "form", form, `<div id="static-search"`, `<a id="static-search-index" href="/search/index.json" hidden>`, `<script src="/static/search.js?v=`)
	if got := ts.get("/search?q=models&page=2", http.StatusOK).Body.String(); got != form {
		t.Error("/search?q=… differs from /search without an index")
	}
	ts.get("/search/feed.rss?q=models", http.StatusServiceUnavailable)
	if csp := ts.get("/search", http.StatusOK).Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("the search page's policy forbids its script: %q", csp)
	}
}

// w3cSearchSite is w3cSite with a search index.
func w3cSearchSite(t *testing.T, fsys fstest.MapFS, now time.Time) (*testServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + ln.Addr().String() + "/")
	ts := newSearchServer(t, fsys, now, 0, false, base)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: ts.e, ReadHeaderTimeout: 10 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ts, srv.URL
}

// TestDeskSearchFindsDrafts: behind the token, the desk's search finds
// the drafts, draft articles and scheduled issues too, linking their
// preview pages, then the public articles; without the token it is a
// 404 like every desk page.
func TestDeskSearchFindsDrafts(t *testing.T) {
	ts := newSearchServer(t, searchFixture(), testNow, 0, false, nil)
	ts.get("/preview/search?q=secret", http.StatusNotFound)
	body := ts.get("/preview/search?q="+url.QueryEscape("secret draft"), http.StatusOK, bearer...).Body.String()
	contains(t, "drafts", body, draftIssueTitle, draftArticleTitle, `<span class="status status-draft">draft</span>`,
		`<a href="/preview/issues/86/`, `action="/preview/search"`)
	body = ts.get("/preview/search?q=tomorrow", http.StatusOK, bearer...).Body.String()
	contains(t, "scheduled", body, scheduledTitle, `<span class="status status-scheduled">scheduled</span>`)
	body = ts.get("/preview/search?q=trending", http.StatusOK, bearer...).Body.String()
	contains(t, "public", body, `<a href="/issues/86/weekend-warriors">`)
	if rec := ts.get("/preview/search?q=-x", http.StatusBadRequest, bearer...); rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
	// The readers' search still finds none of them.
	contains(t, "public search", ts.get("/search?q="+url.QueryEscape("secret draft"), http.StatusOK).Body.String(), "No article has all of these words.")
}
