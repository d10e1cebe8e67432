package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// underSubPath is the fixture with base_url under /blog/.
func underSubPath() fstest.MapFS {
	m := fixture()
	m["morningpost.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(string(m["morningpost.yaml"].Data),
		"base_url: https://post.example/", "base_url: https://post.example/blog/", 1))}
	return m
}

var linkRE = regexp.MustCompile(`\b(?:href|src|action|data-events)="([^"]*)"`)

// A site under a sub-path links every page, asset and feed under it, and
// redirects there, whether it is served behind a proxy that strips the
// prefix or exported.
func TestSiteUnderSubPath(t *testing.T) {
	ts := newPreviewServer(t, underSubPath())
	pages := []string{"/", "/issues", "/issues/86", "/issues/86/" + "the-weekend-warriors", "/feeds", "/tags", "/tags/open-source", "/sections/opinion", "/no/such/page"}
	seen := 0
	for _, p := range pages {
		rec := ts.do(http.MethodGet, p)
		if rec.Code != http.StatusOK && rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", p, rec.Code)
			continue
		}
		for _, m := range linkRE.FindAllStringSubmatch(rec.Body.String(), -1) {
			ref := m[1]
			if strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "//") {
				seen++
				if !strings.HasPrefix(ref, "/blog/") {
					t.Errorf("%s links %q, outside /blog/", p, ref)
				}
			}
			if strings.HasPrefix(ref, "https://post.example/") && !strings.HasPrefix(ref, "https://post.example/blog/") {
				t.Errorf("%s links %q, outside /blog/", p, ref)
			}
		}
	}
	if seen < 50 {
		t.Errorf("only %d root-relative links seen: the pages were not checked", seen)
	}
	// The stylesheet the pages name is served at the name without the prefix
	// (the proxy strips it).
	body := ts.get("/", http.StatusOK).Body.String()
	css := regexp.MustCompile(`href="/blog(/static/[^"?]+\.css)[?"]`).FindStringSubmatch(body)
	if css == nil {
		t.Fatalf("no stylesheet under /blog/ in the front page")
	}
	ts.get(css[1], http.StatusOK)

	// Redirects send the browser under the prefix.
	rec := ts.do(http.MethodGet, "/tags/Open-Source")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/blog/tags/open-source" {
		t.Errorf("/tags/Open-Source: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	// The editor's pages too, with their event stream.
	desk := ts.get("/preview", http.StatusOK, bearer...).Body.String()
	if !strings.Contains(desk, `data-events="/blog/preview/events"`) {
		t.Errorf("the desk's event stream is not under /blog/")
	}
	// Feeds link the site under the prefix (Site.URL).
	atom := ts.get("/feed.atom", http.StatusOK).Body.String()
	if !strings.Contains(atom, `href="https://post.example/blog/issues/86`) || strings.Contains(atom, `"https://post.example/issues/`) {
		t.Errorf("the feed links outside /blog/")
	}
}

// A site at the root of its host: pages are byte for byte what they were.
func TestRootSitePagesUnchanged(t *testing.T) {
	page := []byte(`<a href="/issues/86">x</a><img src="/static/a.png">`)
	if got := underBase(nil, page); &got[0] != &page[0] {
		t.Error("a site at the root is rewritten")
	}
}
