package handlers

import (
	"bytes"
	"image"
	"image/png"
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

// morningpost.yaml names the icon and renames a section: pages, feeds
// and /icon.png follow; the built-in icon and names stay the default.
func TestBrandingFromTheSite(t *testing.T) {
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 128, 128))); err != nil {
		t.Fatal(err)
	}
	m := fixture()
	m["morningpost.yaml"] = &fstest.MapFile{Data: append(append([]byte(nil), m["morningpost.yaml"].Data...),
		"sections:\n  opinion: Columns\nicon: logo.png\n"...)}
	m["logo.png"] = &fstest.MapFile{Data: logo.Bytes()}
	ts := newTestServer(t, m)
	plain := newTestServer(t, fixture())

	if got := ts.get("/icon.png", http.StatusOK).Body.Bytes(); !bytes.Equal(got, logo.Bytes()) {
		t.Error("/icon.png is not the site's icon")
	}
	if bytes.Equal(plain.get("/icon.png", http.StatusOK).Body.Bytes(), logo.Bytes()) {
		t.Error("the built-in icon is gone")
	}
	home, plainHome := ts.get("/", http.StatusOK).Body.String(), plain.get("/", http.StatusOK).Body.String()
	icon := regexp.MustCompile(`rel="icon" type="image/png" href="([^"]+)"`)
	if a, b := icon.FindStringSubmatch(home), icon.FindStringSubmatch(plainHome); a == nil || b == nil || a[1] == b[1] {
		t.Errorf("the pages' icon link does not follow the icon: %v %v", a, b)
	} else if got := ts.get(a[1], http.StatusOK).Body.Bytes(); !bytes.Equal(got, logo.Bytes()) {
		t.Errorf("%s is not the site's icon", a[1])
	}
	if !strings.Contains(home, `<a href="/sections/opinion">Columns</a>`) || strings.Contains(home, "Opinion &amp; Analysis</a>") {
		t.Error("the masthead does not name the section as the site does")
	}
	if !strings.Contains(ts.get("/sections/opinion", http.StatusOK).Body.String(), `class="page-title">Columns</h1>`) {
		t.Error("the section page does not name the section as the site does")
	}
	if !strings.Contains(ts.get("/sections/opinion/feed.atom", http.StatusOK).Body.String(), "<title>The AI Morning Post — Columns</title>") {
		t.Error("the section feed's title does not name the section as the site does")
	}
	if !strings.Contains(plainHome, `<a href="/sections/opinion">Opinion &amp; Analysis</a>`) {
		t.Error("the default section name changed")
	}
}
