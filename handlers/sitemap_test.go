package handlers

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

func getSitemap(t *testing.T, ts *testServer, path string) sitemapDoc {
	t.Helper()
	rec := ts.get(path, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	var d sitemapDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.XMLName.Space != "http://www.sitemaps.org/schemas/sitemap/0.9" {
		t.Errorf("%s: namespace %q", path, d.XMLName.Space)
	}
	for _, u := range append(d.URLs, d.Sitemaps...) {
		if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
			t.Errorf("%s: %s lastmod %q: %v", path, u.Loc, u.LastMod, err)
		}
	}
	return d
}

var (
	issueURL   = regexp.MustCompile(`/issues/[1-9][0-9]*$`)
	articleURL = regexp.MustCompile(`/issues/[1-9][0-9]*/[^/]+$`)
)

// The sitemap lists every public page, as many issue and article pages
// as /healthz counts, each answering 200; nothing unpublished.
func TestSitemap(t *testing.T) {
	ts := newTestServer(t, fixture())
	site := ts.live.Content().Site
	d := getSitemap(t, ts, "/sitemap.xml")
	if d.XMLName.Local != "urlset" {
		t.Fatalf("root %s", d.XMLName.Local)
	}
	var h health
	if err := json.Unmarshal(ts.get("/healthz", http.StatusOK).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	issues, articles := 0, 0
	var locs []string
	for _, u := range d.URLs {
		locs = append(locs, u.Loc)
		switch {
		case issueURL.MatchString(u.Loc):
			issues++
		case articleURL.MatchString(u.Loc) && !strings.Contains(u.Loc, "/page/"):
			articles++
		}
		path := strings.TrimPrefix(u.Loc, strings.TrimSuffix(site.URL("/"), "/"))
		ts.get(path, http.StatusOK)
	}
	if issues != h.Issues || articles != h.Articles {
		t.Errorf("sitemap: %d issues, %d articles; /healthz: %d, %d", issues, articles, h.Issues, h.Articles)
	}
	for _, want := range []string{"/", "/issues", "/sections/lead", "/sections/tools", "/tags", "/tags/open-source", "/issues/86/weekend-warriors", "/feeds"} {
		if !slices.Contains(locs, site.URL(want)) {
			t.Errorf("sitemap lacks %s", want)
		}
	}
	for _, l := range locs {
		if strings.Contains(l, "/issues/87") || strings.Contains(l, "/issues/85") || strings.Contains(l, "secret") {
			t.Errorf("sitemap lists an unpublished page: %s", l)
		}
	}
	contains(t, "/robots.txt", ts.get("/robots.txt", http.StatusOK).Body.String(), "Sitemap: "+site.URL("/sitemap.xml")+"\n")
	if r := ts.get("/sitemap.xml", http.StatusOK, "Accept-Encoding", "gzip"); r.Header().Get("Content-Encoding") != "gzip" || r.Header().Get("Vary") != "Accept-Encoding" {
		t.Error("sitemap not compressed")
	}
	ts.get("/sitemaps/2026.xml", http.StatusNotFound) // one document: no yearly ones
	// Publication adds the issue.
	ts.clock.Set(publish87)
	if d := getSitemap(t, ts, "/sitemap.xml"); len(d.URLs) <= len(locs) {
		t.Errorf("after publication: %d URLs, before %d", len(d.URLs), len(locs))
	}
}

// Over the limit, /sitemap.xml is an index of one sitemap per year,
// which together list what one sitemap would.
func TestSitemapIndex(t *testing.T) {
	fsys := fixture()
	for _, iss := range []struct{ n, date string }{{"1", "2024-06-01"}, {"2", "2024-06-02"}, {"3", "2025-03-01"}} {
		fsys["issues/"+iss.n+"/issue.md"] = &fstest.MapFile{Data: []byte("---\ndate: " + iss.date + "\n---\n")}
		fsys["issues/"+iss.n+"/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Story " + iss.n + "\n---\nx\n")}
	}
	whole := newTestServer(t, fsys)
	all := getSitemap(t, whole, "/sitemap.xml")

	split := newTestServer(t, fsys)
	_, e, err := newServer(Deps{Content: split.live, Feeds: split.feeds, Now: split.clock.Now, Logger: slog.New(slog.DiscardHandler), sitemapMax: 10})
	if err != nil {
		t.Fatal(err)
	}
	split.e = e
	idx := getSitemap(t, split, "/sitemap.xml")
	if idx.XMLName.Local != "sitemapindex" || len(idx.Sitemaps) != 3 {
		t.Fatalf("index %s with %d sitemaps", idx.XMLName.Local, len(idx.Sitemaps))
	}
	site := split.live.Content().Site
	var union []string
	for i, y := range []string{"2026", "2025", "2024"} {
		if idx.Sitemaps[i].Loc != site.URL("/sitemaps/"+y+".xml") {
			t.Errorf("sitemap %d: %s", i, idx.Sitemaps[i].Loc)
		}
		for _, u := range getSitemap(t, split, "/sitemaps/"+y+".xml").URLs {
			union = append(union, u.Loc)
		}
	}
	var want []string
	for _, u := range all.URLs {
		want = append(want, u.Loc)
	}
	slices.Sort(union)
	slices.Sort(want)
	if !slices.Equal(union, want) {
		t.Errorf("yearly sitemaps list %d URLs, the whole sitemap %d", len(union), len(want))
	}
	for _, p := range []string{"/sitemaps/2023.xml", "/sitemaps/2026", "/sitemaps/02026.xml"} {
		split.get(p, http.StatusNotFound)
	}
}
