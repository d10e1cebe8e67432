package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mmcdole/gofeed"
)

func TestTagPagesAndFeeds(t *testing.T) {
	ts := newTestServer(t, fixture())
	site := ts.live.Content().Site
	// The article links its tag; the tag page lists it, with its feeds.
	art := parseHTML(t, ts.get("/issues/86/weekend-warriors", http.StatusOK).Body.Bytes())
	if ls := art.all("a", "rel", "tag"); len(ls) != 1 || attr(ls[0], "href") != "/tags/open-source" {
		t.Fatalf("article's tag links: %d", len(ls))
	}
	rec := ts.get("/tags/open-source", http.StatusOK)
	page := parseHTML(t, rec.Body.Bytes())
	contains(t, "/tags/open-source", rec.Body.String(), `<a href="/issues/86/weekend-warriors">The Weekend Warriors`, "Tagged “open-source”")
	for _, typ := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		found := false
		for _, l := range page.all("link", "rel", "alternate") {
			if attr(l, "type") == typ && strings.HasPrefix(attr(l, "href"), site.URL("/tags/open-source/feed.")) {
				found = true
			}
		}
		if !found {
			t.Errorf("tag page: no autodiscovery link of type %s", typ)
		}
	}
	// One tag however it is spelt; unknown tags and drafts' tags are 404.
	if r := ts.get("/tags/Open-Source", http.StatusMovedPermanently); r.Header().Get("Location") != "/tags/open-source" {
		t.Errorf("Location %q", r.Header().Get("Location"))
	}
	if r := ts.get("/tags/OPEN-SOURCE/feed.atom", http.StatusMovedPermanently); r.Header().Get("Location") != "/tags/open-source/feed.atom" {
		t.Errorf("Location %q", r.Header().Get("Location"))
	}
	for _, p := range []string{"/tags/nothing", "/tags/nothing/feed.rss", "/tags/open-source/page/2", "/tags/open-source/page/1", "/tags/open-source/page/0"} {
		ts.get(p, http.StatusNotFound)
	}
	// The feeds: each format parses, holds the tagged article, and is
	// served like every feed (ETag, 304, compression).
	for _, f := range []string{"rss", "atom", "json"} {
		path := "/tags/open-source/feed." + f
		rec := ts.get(path, http.StatusOK, "Accept-Encoding", "identity")
		fd, err := gofeed.NewParser().ParseString(rec.Body.String())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(fd.Items) != 1 || !strings.Contains(fd.Items[0].Link, "/issues/86/weekend-warriors") || fd.FeedLink != site.URL(path) {
			t.Errorf("%s: %d items, feed link %q", path, len(fd.Items), fd.FeedLink)
		}
		ts.get(path, http.StatusNotModified, "If-None-Match", rec.Header().Get("Etag"))
		if gz := ts.get(path, http.StatusOK, "Accept-Encoding", "gzip"); gz.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not compressed", path)
		}
	}
	// /feeds, OPML and /tags list the tag's feeds.
	contains(t, "/feeds", ts.get("/feeds", http.StatusOK).Body.String(), site.URL("/tags/open-source/feed.atom"), site.URL("/tags/open-source/feed.json"))
	contains(t, "/feeds.opml", ts.get("/feeds.opml", http.StatusOK).Body.String(), `xmlUrl="`+site.URL("/tags/open-source/feed.atom")+`"`)
	contains(t, "/tags", ts.get("/tags", http.StatusOK).Body.String(), `<a href="/tags/open-source" rel="tag">open-source</a>`)
}

// Tag pages are paginated like the archive.
func TestTagPagesPaginated(t *testing.T) {
	fsys := fixture()
	const n = taggedPerPage + 5
	for i := 1; i <= n; i++ {
		dir := "issues/" + strconv.Itoa(i) + "/"
		fsys[dir+"issue.md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("---\ndate: 2026-03-%02d\n---\n", i))}
		fsys[dir+"lead.md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("---\ntitle: Story %d\ntags: [Open Source]\n---\nx\n", i))}
	}
	ts := newTestServer(t, fsys)
	site := ts.live.Content().Site
	d := parseHTML(t, ts.get("/tags/open-source", http.StatusOK).Body.Bytes())
	if got := len(d.all("h2", "class", "headline")); got != taggedPerPage {
		t.Errorf("first page: %d stories, want %d", got, taggedPerPage)
	}
	if ls := d.all("link", "rel", "next"); len(ls) != 1 || attr(ls[0], "href") != site.URL("/tags/open-source/page/1") {
		t.Error("the tag's page links no page 1")
	}
	body := ts.get("/tags/open-source/page/1", http.StatusOK).Body.String()
	// 31 stories: issue 86's and 30 more; the tag's own page holds the
	// newest 25, page 1 the oldest 25, whatever comes after.
	contains(t, "page 1", body, ">Story 1</a>", ">Story 25</a>")
	if strings.Contains(body, ">Story 26</a>") {
		t.Error("page 1 holds more than the oldest 25")
	}
	ts.get("/tags/open-source/page/2", http.StatusNotFound)
	if r := ts.get("/tags/Open-Source/page/1", http.StatusMovedPermanently); r.Header().Get("Location") != "/tags/open-source/page/1" {
		t.Errorf("Location %q", r.Header().Get("Location"))
	}
	// The feed is capped like /feed.*.
	fd, err := gofeed.NewParser().ParseString(ts.get("/tags/open-source/feed.atom", http.StatusOK).Body.String())
	if err != nil || len(fd.Items) != 30 {
		t.Errorf("tag feed: %v, %d items, want 30", err, len(fd.Items))
	}
}

// taggedPerPage is how many stories a tag page prints (handlers/site).
const taggedPerPage = 25
