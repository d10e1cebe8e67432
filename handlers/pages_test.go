package handlers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/page"
)

// doc is a parsed page with helpers to find elements.
type doc struct{ root *html.Node }

func parseHTML(t *testing.T, body []byte) doc {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc{n}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// all returns the elements named tag whose attributes include every
// key=value pair given.
func (d doc) all(tag string, kv ...string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			ok := true
			for i := 0; i+1 < len(kv); i += 2 {
				if attr(n, kv[i]) != kv[i+1] {
					ok = false
				}
			}
			if ok {
				out = append(out, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func (d doc) anyAttr(key string) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, key) != "" {
			found = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return found
}

func TestPages(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, path := range pagePaths {
		t.Run(path, func(t *testing.T) {
			rec := ts.get(path, http.StatusOK)
			h := rec.Header()
			for k, v := range map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "strict-origin-when-cross-origin",
				"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
				"Cache-Control":           "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400",
			} {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
			d := parseHTML(t, rec.Body.Bytes())
			if hs := d.all("html"); len(hs) != 1 || attr(hs[0], "lang") != "en-GB" {
				t.Error(`no <html lang="en-GB">`)
			}
			if n := len(d.all("h1")); n != 1 {
				t.Errorf("%d h1 elements, want 1", n)
			}
			canonical := "https://post.example" + path
			if path == "/" {
				canonical = "https://post.example/"
			}
			if ls := d.all("link", "rel", "canonical"); len(ls) != 1 || attr(ls[0], "href") != canonical {
				t.Errorf("canonical link missing or not %s", canonical)
			}
			wantFeeds := []string{"/feed", "/issues/feed"}
			if sec, ok := strings.CutPrefix(path, "/sections/"); ok {
				wantFeeds = append(wantFeeds, "/sections/"+sec+"/feed")
			}
			switch path {
			case "/issues/86/weekend-warriors":
				wantFeeds = append(wantFeeds, "/sections/lead/feed")
			case "/issues/86/specialization-thesis":
				wantFeeds = append(wantFeeds, "/sections/deep-dive/feed")
			case "/issues/86/the-democracy-of-ai-development-is-working":
				wantFeeds = append(wantFeeds, "/sections/opinion/feed")
			}
			alternates := d.all("link", "rel", "alternate")
			if len(alternates) != 3*len(wantFeeds) {
				t.Errorf("%d autodiscovery links, want %d", len(alternates), 3*len(wantFeeds))
			}
			for _, base := range wantFeeds {
				for ext, typ := range map[string]string{"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"} {
					ls := d.all("link", "rel", "alternate", "type", typ, "href", "https://post.example"+base+"."+ext)
					if len(ls) != 1 || attr(ls[0], "title") == "" {
						t.Errorf("no autodiscovery link with title for %s.%s", base, ext)
					}
				}
			}
			for _, p := range []string{"og:title", "og:description", "og:url", "og:type", "og:site_name"} {
				if ms := d.all("meta", "property", p); len(ms) != 1 || attr(ms[0], "content") == "" {
					t.Errorf("missing %s", p)
				}
			}
			if ms := d.all("meta", "property", "og:url"); len(ms) == 1 && attr(ms[0], "content") != canonical {
				t.Errorf("og:url %q, want %q", attr(ms[0], "content"), canonical)
			}
			if len(d.all("meta", "name", "twitter:card", "content", "summary")) != 1 {
				t.Error("missing twitter:card summary")
			}
			// What the Content-Security-Policy forbids must not be there.
			if len(d.all("script")) > 0 || len(d.all("style")) > 0 || d.anyAttr("style") {
				t.Error("page has a script, a style element or a style attribute")
			}
			for _, l := range d.all("link", "rel", "stylesheet") {
				if href := attr(l, "href"); !strings.HasPrefix(href, "/static/site.css?v=") {
					t.Errorf("style sheet %q is not the fingerprinted /static/site.css", href)
				}
			}
			for _, tag := range []string{"header", "main", "footer"} {
				if len(d.all(tag)) == 0 {
					t.Errorf("no <%s>", tag)
				}
			}

			// Revalidation and HEAD.
			etag := h.Get("Etag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			nm := ts.get(path, http.StatusNotModified, "If-None-Match", etag)
			if nm.Body.Len() != 0 || nm.Header().Get("Etag") != etag || nm.Header().Get("Cache-Control") == "" {
				t.Errorf("bad 304: %v", nm.Header())
			}
			head := ts.do(http.MethodHead, path)
			if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != h.Get("Content-Length") || head.Header().Get("Etag") != etag {
				t.Errorf("HEAD: status %d, %d bytes, headers %v", head.Code, head.Body.Len(), head.Header())
			}
			// Same content, same bytes.
			if again := ts.get(path, http.StatusOK); !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
				t.Error("a second rendering differs")
			}
		})
	}
}

// Element IDs are unique on every page, even when several issues share
// slugs and lists (anchors like /issues/86#tools must be unambiguous).
func TestUniqueIDs(t *testing.T) {
	fsys := fixture()
	// Issue 87 gets a list and a slug issue 86 has too.
	fsys["issues/87/issue.md"].Data = []byte("---\ndate: 2026-04-25\ntools:\n  items:\n    - name: A\n      description: B\n---\n")
	fsys["issues/87/deep-dive.md"] = &fstest.MapFile{Data: []byte("---\nslug: specialization-thesis\ntitle: Again\n---\nBody\n")}
	ts := newTestServer(t, fsys)
	ts.clock.Set(publish87)
	for _, path := range append(pagePaths, "/issues/87") {
		d := parseHTML(t, ts.get(path, http.StatusOK).Body.Bytes())
		seen := map[string]bool{}
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if id := attr(n, "id"); n.Type == html.ElementNode && id != "" {
				if seen[id] {
					t.Errorf("%s: duplicate id %q", path, id)
				}
				seen[id] = true
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(d.root)
	}
	contains(t, "/issues/87", ts.get("/issues/87", http.StatusOK).Body.String(), `id="tools"`, `id="specialization-thesis"`)
}

// The front page looks like the printed paper.
func TestFrontPageLayout(t *testing.T) {
	ts := newTestServer(t, fixture())
	body := ts.get("/", http.StatusOK).Body.String()
	contains(t, "/", body,
		`<h1 class="nameplate"><a href="/">The AI Morning Post</a></h1>`,
		`Est. 2025 · Your Daily AI Intelligence Briefing · <a href="/issues/86">Issue #86</a>`,
		"Artificial Intelligence • Machine Learning • Future Tech",
		`Friday, 24 April 2026</time> · Manchester, United Kingdom · 6°C Cloudy`,
		`<p class="kicker">Lead Story <span class="rating" title="Rating">7/10</span></p>`,
		`<p class="standfirst">While corporate AI labs pause for the weekend`,
		`<a href="/issues/86/weekend-warriors">The Weekend Warriors`,
		`<dt>Individual Developer Models</dt><dd>5/5 trending</dd>`,
		`<p class="kicker">Analysis</p>`,
		`<blockquote><p>When weekend warriors choose safer formats`,
		`Editor&#39;s Column`, `Guest Column`,
		`Tools of the Week`, `<span class="number" aria-hidden="true">01</span>`, `<span class="number" aria-hidden="true">02</span>`,
		`<a href="https://example.org/qwen">Qwen3-8B Julia</a>`,
		`Weekend Reading`, `The Economics of Specialized AI Models`,
		`From the Archive`,
	)
	art := ts.get("/issues/86/specialization-thesis", http.StatusOK).Body.String()
	contains(t, "article page", art,
		`<h1 class="headline">The Specialization Thesis</h1>`,
		`Also in <a href="/issues/86">Issue #86</a>`,
		`<a href="/issues/86/weekend-warriors">`,
		`<a href="/issues/86#tools">Tools of the Week</a>`,
		`<meta property="og:type" content="article">`,
	)
	if strings.Contains(art, "This Saturday&#39;s trending models") {
		t.Error("the article page prints other articles' bodies")
	}
	feeds := ts.get("/feeds", http.StatusOK).Body.String()
	contains(t, "/feeds", feeds, "newsboat", "Miniflux", "NetNewsWire", "Feedly", "https://post.example/feeds.opml")
	for _, p := range feedPaths() {
		contains(t, "/feeds", feeds, "https://post.example"+p)
	}
}

func TestNotFound(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, path := range []string{
		"/nope",
		"/issues/087",
		"/issues/+86",
		"/issues/86abc",
		"/issues/0",
		"/issues/-86",
		"/issues/99999999999999999999999",
		"/issues/86/nope",
		"/issues/086/weekend-warriors",
		"/issues/86/weekend-warriors/extra",
		"/issues/85",      // a draft issue
		"/issues/85/lead", // in a draft issue
		"/issues/86/secret-draft-article",
		"/issues/87", // scheduled
		"/sections/nope",
		"/sections/nope/feed.rss",
		"/sections/lead/feed.xml",
		"/feed.xml",
		"/static/nope.css",
		"/issues/feed",
		"/issues/86%2Fweekend-warriors",
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := ts.do(method, path)
			if rec.Code != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", method, path, rec.Code)
				continue
			}
			if loc := rec.Header().Get("Location"); loc != "" {
				t.Errorf("%s %s: redirects to %s", method, path, loc)
			}
			if method == http.MethodHead {
				if rec.Body.Len() != 0 {
					t.Errorf("HEAD %s: 404 with a body", path)
				}
				continue
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("%s: 404 Content-Type %q", path, ct)
			}
			contains(t, path, rec.Body.String(), "The AI Morning Post", "no such page", `lang="en-GB"`)
			if rec.Header().Get("Etag") != "" {
				t.Errorf("%s: 404 has an ETag", path)
			}
		}
	}
	if ts.logs.Len() > 0 {
		t.Errorf("404s were logged:\n%s", ts.logs)
	}
}

// Every GET route answers HEAD with the same status and headers and no body.
func TestHEADEverywhere(t *testing.T) {
	ts := newTestServer(t, fixture())
	gets, heads := map[string]bool{}, map[string]bool{}
	for _, r := range ts.e.Routes() {
		switch r.Method {
		case http.MethodGet:
			gets[r.Path] = true
		case http.MethodHead:
			heads[r.Path] = true
		}
	}
	for path := range gets {
		if !heads[path] {
			t.Errorf("GET %s has no HEAD", path)
			continue
		}
		if strings.Contains(path, ":") {
			continue // covered with real values by TestPages
		}
		get := ts.do(http.MethodGet, path)
		head := ts.do(http.MethodHead, path)
		if head.Code != get.Code || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: status %d (GET %d), %d body bytes", path, head.Code, get.Code, head.Body.Len())
		}
		for _, k := range []string{"Content-Type", "Content-Length", "Etag", "Cache-Control"} {
			if head.Header().Get(k) != get.Header().Get(k) {
				t.Errorf("HEAD %s: %s %q, GET %q", path, k, head.Header().Get(k), get.Header().Get(k))
			}
		}
	}
	if len(gets) < 30 {
		t.Errorf("only %d GET routes", len(gets))
	}
}

func TestMethodNotAllowed(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, path := range []string{"/feed.atom", "/", "/issues/86", "/healthz"} {
		rec := ts.do(http.MethodPost, path)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", path, rec.Code)
		}
		if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
			t.Errorf("POST %s: Allow %q", path, allow)
		}
	}
}

// Drafts and scheduled issues appear nowhere: not in pages, feeds, OPML
// or /healthz counts.
func TestDraftsNeverPublic(t *testing.T) {
	ts := newTestServer(t, fixture())
	paths := append(append(append([]string{}, pagePaths...), feedPaths()...), "/feeds.opml", "/feeds.opml?format=rss", "/healthz")
	for _, path := range paths {
		body := ts.get(path, http.StatusOK).Body.String()
		for _, secret := range []string{draftIssueTitle, draftArticleTitle, scheduledTitle, "secret", "issue-85", "issue-87", "/issues/85", "/issues/87"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
	}
	var h health
	if err := json.Unmarshal(ts.get("/healthz", http.StatusOK).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if h.Issues != 1 || h.Articles != 4 {
		t.Errorf("/healthz counts %d issues and %d articles, want 1 and 4", h.Issues, h.Articles)
	}
}

// healthzMap is /healthz decoded, with the given request headers.
func healthzMap(t *testing.T, ts *testServer, header ...string) map[string]any {
	t.Helper()
	rec := ts.get("/healthz", http.StatusOK, header...)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantJSON(t *testing.T, what string, m, want map[string]any) {
	t.Helper()
	if len(m) != len(want) {
		t.Errorf("%s: keys %v, want %v", what, m, want)
	}
	for k, v := range want {
		got, _ := json.Marshal(m[k])
		exp, _ := json.Marshal(v)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s: %s = %s, want %s", what, k, got, exp)
		}
	}
}

// Public /healthz says only what is public: counts, a version of the
// public content and how many problems there are. With the preview
// token it says everything: versions of the drafts, the next
// publication, the problems' files, lines and texts.
func TestHealthz(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	snap := ts.live.At(testNow)
	public := map[string]any{
		"status":   "ok",
		"version":  snap.Version,
		"build":    "test",
		"issues":   1.0,
		"articles": 4.0,
		"problems": 0.0,
	}
	wantJSON(t, "public", healthzMap(t, ts), public)
	editor := map[string]any{
		"status":           "ok",
		"version":          ts.live.Content().Version,
		"public_version":   snap.Version,
		"build":            "test",
		"snapshot":         snap.Key,
		"issues":           1.0,
		"articles":         4.0,
		"problems":         0.0,
		"next_publication": "2026-04-25T05:00:00Z",
		"errors":           []any{},
	}
	wantJSON(t, "with the token", healthzMap(t, ts, bearer...), editor)
	cookie := ts.get("/preview?token="+testToken, http.StatusSeeOther).Result().Cookies()[0]
	wantJSON(t, "with the cookie", healthzMap(t, ts, "Cookie", cookie.Name+"="+cookie.Value), editor)
	wantJSON(t, "with a wrong token", healthzMap(t, ts, "Authorization", "Bearer nope"), public)

	// After publication nothing is scheduled: next_publication is null.
	ts.clock.Set(publish87)
	m := healthzMap(t, ts, bearer...)
	if m["next_publication"] != nil || m["issues"] != 2.0 {
		t.Errorf("after publication: next_publication %v, issues %v", m["next_publication"], m["issues"])
	}
	if m["public_version"] == snap.Version {
		t.Error("the public version did not change at a publication")
	}
	ts.clock.Set(testNow)

	// Saving a draft article or a scheduled issue changes nothing public.
	for _, p := range []string{"issues/86/secret.md", "issues/87/lead.md", "issues/85/lead.md"} {
		f := ts.fsys[p]
		ts.fsys[p] = &fstest.MapFile{Data: append(bytes.Clone(f.Data), "More.\n"...)}
		if err := ts.live.Reload(); err != nil {
			t.Fatal(err)
		}
		if m := healthzMap(t, ts); m["version"] != snap.Version {
			t.Errorf("a save of %s changed the public version", p)
		}
	}
	if m := healthzMap(t, ts, bearer...); m["version"] == editor["version"] || m["public_version"] != snap.Version {
		t.Errorf("editors: version %v, public %v after saves of drafts", m["version"], m["public_version"])
	}

	// A broken edit, with a secret in a draft: the last good content is
	// still served, still 200. Anyone sees that there is a problem;
	// editors see which.
	ts.fsys["issues/86/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Fine\nrating: eleven\n---\nBody\n")}
	ts.fsys["issues/85/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Draft\nrating: \"Acquisition by SECRETCORP\"\nsection: secret-section\nsecret_key: 1\n---\nBody\n")}
	if err := ts.live.Reload(); err == nil {
		t.Fatal("reload of broken content succeeded")
	}
	rec := ts.get("/healthz", http.StatusOK)
	for _, leak := range []string{"SECRETCORP", "issues/", "secret", "rating", "2026-04-25", "next_publication", "snapshot", "errors"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("public /healthz shows %q:\n%s", leak, rec.Body)
		}
	}
	public["problems"] = float64(len(ts.live.Problems()))
	wantJSON(t, "public, with problems", healthzMap(t, ts), public)
	if len(ts.live.Problems()) < 2 {
		t.Fatalf("problems %v", ts.live.Problems())
	}
	var h struct {
		Status   string
		Snapshot string
		Issues   int
		Errors   []map[string]any
	}
	if err := json.Unmarshal(ts.get("/healthz", http.StatusOK, bearer...).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.Issues != 1 {
		t.Errorf("with content errors: %+v", h)
	}
	if len(h.Errors) != len(ts.live.Problems()) {
		t.Fatalf("content errors not reported to editors: %+v", h.Errors)
	}
	var e map[string]any
	for _, x := range h.Errors {
		if x["path"] == "issues/86/lead.md" {
			e = x
		}
	}
	if e == nil || e["line"] != 3.0 || !strings.Contains(e["message"].(string), "rating") {
		t.Errorf("errors %v, want issues/86/lead.md line 3 about the rating", h.Errors)
	}
	if len(e) != 3 {
		t.Errorf("error has keys %v, want path, line, message", e)
	}
	ts.get("/issues/86/weekend-warriors", http.StatusOK) // still served
}

func TestOPML(t *testing.T) {
	ts := newTestServer(t, fixture())
	rec := ts.get("/feeds.opml", http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/x-opml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.Bytes()
	if n := bytes.Count(body, []byte("<?xml")); n != 1 || !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("%d XML declarations, or not first", n)
	}
	var o struct {
		Version string `xml:"version,attr"`
		Head    struct {
			Title string `xml:"title"`
		} `xml:"head"`
		Body []struct {
			Text    string `xml:"text,attr"`
			Type    string `xml:"type,attr"`
			XMLURL  string `xml:"xmlUrl,attr"`
			HTMLURL string `xml:"htmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	if o.Version != "2.0" || o.Head.Title == "" || len(o.Body) != len(feed.Specs())+1 { // and the open-source tag's feed
		t.Fatalf("OPML %+v", o)
	}
	for i, spec := range feed.Specs() {
		out := o.Body[i]
		if out.XMLURL != "https://post.example"+spec.Path(feed.Atom) || out.Text == "" || out.Type != "rss" || !strings.HasPrefix(out.HTMLURL, "https://post.example/") {
			t.Errorf("outline %d: %+v", i, out)
		}
	}
	if again := ts.get("/feeds.opml", http.StatusOK).Body.Bytes(); !bytes.Equal(again, body) {
		t.Error("OPML is not deterministic")
	}
	ts.get("/feeds.opml", http.StatusNotModified, "If-None-Match", rec.Header().Get("Etag"))
	rss := ts.get("/feeds.opml?format=rss", http.StatusOK).Body.String()
	contains(t, "OPML in RSS", rss, `xmlUrl="https://post.example/sections/tools/feed.rss"`)
	ts.get("/feeds.opml?format=xml", http.StatusNotFound)
}

func TestStatic(t *testing.T) {
	ts := newTestServer(t, fixture())
	css := ts.get("/static/site.css", http.StatusOK)
	if ct := css.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("CSS Content-Type %q", ct)
	}
	if css.Header().Get("Cache-Control") != "public, max-age=86400" {
		t.Errorf("unversioned CSS Cache-Control %q", css.Header().Get("Cache-Control"))
	}
	ts.get("/static/site.css", http.StatusNotModified, "If-None-Match", css.Header().Get("Etag"))
	versioned := mustStatic(t).URL("site.css")
	if cc := ts.get(versioned, http.StatusOK).Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("%s Cache-Control %q", versioned, cc)
	}
	if cc := ts.get("/static/site.css?v=old", http.StatusOK).Header().Get("Cache-Control"); cc != "public, max-age=86400" {
		t.Errorf("old version Cache-Control %q", cc)
	}
	for _, path := range []string{"/icon.png", "/favicon.ico"} {
		rec := ts.get(path, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != "image/png" {
			t.Errorf("%s Content-Type %q", path, ct)
		}
		img, err := png.Decode(rec.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
			t.Errorf("%s is %v, want 512×512", path, b)
		}
	}
	robots := ts.get("/robots.txt", http.StatusOK)
	contains(t, "/robots.txt", robots.Body.String(), "User-agent: *")
}

// Server errors say "internal error" and nothing more; the details go to
// the log, and only 5xx are logged.
func TestInternalErrorHidden(t *testing.T) {
	ts := newTestServer(t, fixture())
	srv := &server{log: slog.New(slog.NewTextHandler(ts.logs, nil)), content: ts.live, now: ts.clock.Now}
	req := httptest.NewRequest(http.MethodGet, "/feed.atom", nil)
	rec := httptest.NewRecorder()
	c := ts.e.NewContext(req, rec)
	c.Response().Header().Set("Etag", `"half-set"`)
	srv.handleError(errors.New("disk on fire at /secret/path"), c)
	if rec.Code != http.StatusInternalServerError || strings.TrimSpace(rec.Body.String()) != "internal error" {
		t.Errorf("status %d, body %q", rec.Code, rec.Body)
	}
	if rec.Header().Get("Etag") != "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("500 headers %v", rec.Header())
	}
	if !strings.Contains(ts.logs.String(), "disk on fire") {
		t.Errorf("the error was not logged: %q", ts.logs)
	}
}

// A panic in a handler is a 500, not a dead server.
func TestPanicRecovered(t *testing.T) {
	ts := newTestServer(t, fixture())
	ts.e.GET("/boom", func(c echo.Context) error { panic("kaboom") })
	rec := ts.do(http.MethodGet, "/boom")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "kaboom") {
		t.Errorf("status %d body %q", rec.Code, rec.Body)
	}
	if !strings.Contains(ts.logs.String(), "kaboom") {
		t.Error("panic not logged")
	}
}

func TestNewFailsWithoutDeps(t *testing.T) {
	if _, err := New(Deps{}); err == nil {
		t.Error("New without content and feeds succeeded")
	}
}

func mustStatic(t *testing.T) *page.Static {
	s, err := page.LoadStatic()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
