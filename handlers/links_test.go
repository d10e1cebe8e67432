package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
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

// crawl follows every site link from start, breadth first, and calls
// visit with each response. Only HTML pages are followed further, and
// only those for which follow (nil: all) says so.
func (ts *testServer) crawl(start []string, follow func(path string) bool, visit func(path, from string, rec *http.Response, body []byte)) {
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
		rec := ts.do(http.MethodGet, h.path)
		res := rec.Result()
		body := rec.Body.Bytes()
		visit(h.path, h.from, res, body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		if follow != nil && !follow(h.path) {
			continue
		}
		for _, l := range siteLinks(h.path, body, "https://post.example/") {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, hop{l, h.path})
			}
		}
	}
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
