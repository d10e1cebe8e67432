package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// siteLinks returns the paths (with their queries, without fragments) of
// every URL on this site that an HTML page links to: anchors,
// stylesheets, icons, feeds, images and scripts. base is the site's
// base URL; links elsewhere are left out.
func siteLinks(page string, body []byte, base string) []string {
	baseURL, _ := url.Parse(base)
	pageURL := baseURL.ResolveReference(&url.URL{Path: page})
	var out []string
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		var refs []string
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			switch {
			case string(k) == "href" && (string(name) == "a" || string(name) == "link"),
				string(k) == "src" && (string(name) == "img" || string(name) == "script" || string(name) == "source"):
				refs = append(refs, string(v))
			case string(k) == "srcset":
				for _, cand := range strings.Split(string(v), ",") {
					if f := strings.Fields(cand); len(f) > 0 {
						refs = append(refs, f[0])
					}
				}
			case string(k) == "content" && string(name) == "meta" && strings.HasPrefix(string(v), base):
				refs = append(refs, string(v)) // og:url, og:image
			}
		}
		for _, ref := range refs {
			u, err := pageURL.Parse(ref)
			if err != nil || u.Host != baseURL.Host || u.Scheme != baseURL.Scheme {
				continue
			}
			p := u.EscapedPath()
			if u.RawQuery != "" {
				p += "?" + u.RawQuery
			}
			out = append(out, p)
		}
	}
}

// crawl follows every site link from start, breadth first, fetching
// those fetch (nil: all) says to, and calls visit with each response.
// The links of HTML pages are followed further. It returns every path
// seen, fetched or not.
func (ts *testServer) crawl(start []string, fetch func(path string) bool, visit func(path, from string, rec *http.Response, body []byte)) map[string]bool {
	ts.t.Helper()
	seen := map[string]bool{}
	type hop struct{ path, from string }
	queue := []hop{}
	for _, s := range start {
		queue = append(queue, hop{s, ""})
		seen[s] = true
	}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if fetch != nil && !fetch(h.path) {
			continue
		}
		rec := ts.do(http.MethodGet, h.path)
		res := rec.Result()
		body := rec.Body.Bytes()
		visit(h.path, h.from, res, body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, l := range siteLinks(h.path, body, ts.live.Content().Site.URL("/")) {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, hop{l, h.path})
			}
		}
	}
	return seen
}

// Every URL a page links to answers 200: style sheets, icons, feeds,
// images and other pages. A link to /static/icon.png once answered 404
// on every page view.
func TestEveryLinkAnswers(t *testing.T) {
	ts := newTestServer(t, fixture())
	var pages []string
	ts.crawl([]string{"/"}, nil, func(path, from string, res *http.Response, body []byte) {
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s (linked from %s): status %d", path, from, res.StatusCode)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			pages = append(pages, path)
		}
	})
	for _, want := range pagePaths {
		if !slices.Contains(pages, want) {
			t.Errorf("page %s is not reachable by links from /", want)
		}
	}
}

// isListPage reports whether path is a paginated list page or the front
// page: the pages whose size grows with the archive unless paginated.
func isListPage(path string) bool {
	if path == "/" || path == "/issues" || strings.HasPrefix(path, "/issues/page/") {
		return true
	}
	for _, prefix := range []string{"/sections/", "/tags/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && !strings.Contains(rest, ".") && !strings.Contains(rest, "?") {
			return true
		}
	}
	return false
}

// maxPageBytes is the size every HTML page must stay under, however
// long the archive.
const maxHTMLPage = 150 << 10

// With a long archive, every list page stays small, and every issue is
// reachable from / by following links (archive pages, rel=next). The
// 3,650-issue archive is crawled by BenchmarkCrawlListPages.
func TestEveryIssueReachable(t *testing.T) {
	const n = 60 // and the sample, issue 87: 61 issues
	ts := newTestServer(t, archiveFixture(t, n))
	ts.clock.Set(archiveLast.AddDate(0, 0, 1))
	lists := 0
	seen := ts.crawl([]string{"/"}, isListPage, func(path, from string, res *http.Response, body []byte) {
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s (linked from %s): status %d", path, from, res.StatusCode)
		}
		if len(body) >= maxHTMLPage {
			t.Errorf("%s: %d bytes, over %d", path, len(body), maxHTMLPage)
		}
		lists++
	})
	for i := 1; i <= n; i++ {
		if p := "/issues/" + strconv.Itoa(i); !seen[p] {
			t.Errorf("%s is not reachable from /", p)
		}
	}
	// Numbered from the oldest, full pages only: 61 issues are /issues
	// and /issues/page/1, 61 lead stories /sections/lead and pages 1 to 6.
	for _, want := range []string{"/issues/page/1", "/sections/lead/page/1", "/sections/lead/page/6", "/sections/opinion/page/12", "/sections/tools/page/3"} {
		if !seen[want] {
			t.Errorf("list page %s not reached", want)
		}
	}
	for _, missing := range []string{"/issues/page/0", "/issues/page/2", "/issues/page/01", "/sections/lead/page/7", "/sections/lead/page/x"} {
		ts.get(missing, http.StatusNotFound)
	}
	t.Logf("%d list pages", lists)
}

// List pages link each other both ways, in <head> and on the page.
func TestListPagesLinked(t *testing.T) {
	ts := newTestServer(t, archiveFixture(t, 60))
	ts.clock.Set(archiveLast.AddDate(0, 0, 1))
	site := ts.live.Content().Site
	// 61 lead stories: /sections/lead holds the newest ten, pages 6 to 1
	// the older ones, ten each from the oldest.
	d := parseHTML(t, ts.get("/sections/lead/page/2", http.StatusOK).Body.Bytes())
	for rel, want := range map[string]string{"prev": site.URL("/sections/lead/page/3"), "next": site.URL("/sections/lead/page/1")} {
		if ls := d.all("link", "rel", rel); len(ls) != 1 || attr(ls[0], "href") != want {
			t.Errorf("<link rel=%s>: %d, want %s", rel, len(ls), want)
		}
	}
	if as := d.all("a", "rel", "next"); len(as) != 1 || attr(as[0], "href") != "/sections/lead/page/1" {
		t.Errorf("<a rel=next>: %v", as)
	}
	if cs := d.all("link", "rel", "canonical"); len(cs) != 1 || attr(cs[0], "href") != site.URL("/sections/lead/page/2") {
		t.Error("canonical of /sections/lead/page/2")
	}
	if got := len(d.all("article")); got != storiesPerPage {
		t.Errorf("page 2 holds %d stories, want %d", got, storiesPerPage)
	}
	oldest := parseHTML(t, ts.get("/sections/lead/page/1", http.StatusOK).Body.Bytes())
	if len(oldest.all("link", "rel", "next")) != 0 || len(oldest.all("link", "rel", "prev")) != 1 {
		t.Error("the oldest page links a next page, or no previous one")
	}
	top := parseHTML(t, ts.get("/sections/lead/page/6", http.StatusOK).Body.Bytes())
	if ls := top.all("link", "rel", "prev"); len(ls) != 1 || attr(ls[0], "href") != site.URL("/sections/lead") {
		t.Error("the newest numbered page does not link the list's own page as the newer one")
	}
	first := parseHTML(t, ts.get("/sections/lead", http.StatusOK).Body.Bytes())
	if ls := first.all("link", "rel", "next"); len(first.all("link", "rel", "prev")) != 0 || len(ls) != 1 || attr(ls[0], "href") != site.URL("/sections/lead/page/6") {
		t.Error("the list's own page links a previous page, or not the newest numbered one as the next")
	}
	body := ts.get("/", http.StatusOK).Body.String()
	contains(t, "/", body, `<a href="/issues">Every issue, all 61 of them, in the archive`)
	if got := len(parseHTML(t, []byte(body)).all("li", "class", "")); got == 0 {
		t.Error("home lists no issues")
	}
}

// storiesPerPage is how many stories a section page prints (handlers/site).
const storiesPerPage = 10
