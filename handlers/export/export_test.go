package export

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
)

// site is a small handler: pages linking to each other, a feed, a
// versioned style sheet, a broken link and a private page.
func site() http.Handler {
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.Write([]byte(body))
		}
	}
	// The site is under /post/: its pages link under it, as the
	// handler's pages do for a base_url with a path; /elsewhere is not
	// the site's.
	mux.HandleFunc("GET /{$}", page(`<link rel="stylesheet" href="/post/s.css?v=1"><a href="a">A</a> <a href="https://x.example/post/b#top">B</a> <a href="https://elsewhere.example/c">C</a> <a href="/post/gone">gone</a> <a href="/post/private">P</a> <a href="/elsewhere">E</a>`))
	mux.HandleFunc("GET /a", page(`<img srcset="/post/img.png 1x, /post/img.png 2x">`))
	mux.HandleFunc("GET /elsewhere", page("not the site's"))
	mux.HandleFunc("GET /b", page(`back <a href="./">home</a>`))
	mux.HandleFunc("GET /private", page("secret"))
	mux.HandleFunc("GET /img.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG"))
	})
	mux.HandleFunc("GET /s.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		cc := "public, max-age=86400"
		if r.URL.Query().Get("v") == "1" {
			cc = "public, max-age=31536000, immutable"
		}
		w.Header().Set("Cache-Control", cc)
		w.Write([]byte("body{}"))
	})
	mux.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Header().Set("Last-Modified", "Sat, 25 Apr 2026 05:00:00 GMT")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write([]byte(`<feed><link href="https://x.example/post/archive/feed.atom" rel="prev-archive"/><content>&lt;a href=&quot;https://x.example/post/b&quot;&gt;</content></feed>`))
	})
	mux.HandleFunc("GET /archive/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Header().Set("Last-Modified", "Fri, 24 Apr 2026 05:00:00 GMT")
		w.Header().Set("Cache-Control", "public, max-age=2592000")
		w.Write([]byte(`<feed/>`))
	})
	return mux
}

func TestExportCrawlsLinks(t *testing.T) {
	base, _ := url.Parse("https://x.example/post/")
	out := filepath.Join(t.TempDir(), "out")
	fallback := time.Date(2026, 4, 26, 0, 0, 0, 0, time.UTC)
	opts := Options{Handler: site(), Base: base, Roots: []string{"/", "/feed.atom", "/sitemap.xml"},
		Skip: func(p string) bool { return p == "/private" }, Fallback: fallback}
	res, err := Export(t.Context(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "a.html", "b.html", "img.png", "s.css", "s.css.gz", "feed.atom", "feed.atom.br", "archive/feed.atom"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"private.html", "elsewhere.html", "img.png.gz", "c.html", "sitemap.xml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s exported", f)
		}
	}
	if len(res.Broken) != 1 || res.Broken[0] != (Link{From: "/", To: "/gone"}) {
		t.Errorf("broken links: %v", res.Broken)
	}
	if fi, _ := os.Stat(filepath.Join(out, "archive/feed.atom")); !fi.ModTime().Equal(time.Date(2026, 4, 24, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("archive time %v, want its Last-Modified", fi.ModTime())
	}
	if fi, _ := os.Stat(filepath.Join(out, "a.html")); !fi.ModTime().Equal(fallback) {
		t.Errorf("page time %v, want the fallback", fi.ModTime())
	}
	conf, _ := os.ReadFile(filepath.Join(out, nginxName))
	for _, want := range []string{
		`if ($arg_v = "1")`, `set $mp_cache_control "public, max-age=31536000, immutable";`,
		`location "/post/archive/" {`, `add_header Cache-Control "public, max-age=2592000";`, `error_page 404 /post/404.html;`,
		`"image/png" png;`, `try_files $uri.html =404;`,
	} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("_nginx.conf lacks %s:\n%s", want, conf)
		}
	}
	headers, _ := os.ReadFile(filepath.Join(out, headersName))
	for _, want := range []string{"/*.atom\n  Content-Type: application/atom+xml; charset=utf-8", "/archive/*\n  Cache-Control: public, max-age=2592000", "/feed.atom\n  Access-Control-Allow-Origin: *"} {
		if !strings.Contains(string(headers), want) {
			t.Errorf("_headers lacks %q:\n%s", want, headers)
		}
	}

	again, err := Export(t.Context(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Wrote != 0 || again.Kept != res.Files || again.Removed != 0 {
		t.Errorf("again: wrote %d, kept %d of %d, removed %d", again.Wrote, again.Kept, res.Files, again.Removed)
	}
}

// A query string that changes the bytes cannot be a file: it is
// reported, not exported over the path's file.
func TestExportQueryWithOtherBytes(t *testing.T) {
	base, _ := url.Parse("https://x.example/")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`<a href="/?page=2">next</a> page ` + r.URL.Query().Get("page")))
	})
	res, err := Export(t.Context(), filepath.Join(t.TempDir(), "out"), Options{Handler: h, Base: base, Roots: []string{"/"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unexportable) != 1 || res.Unexportable[0] != "/?page=2" {
		t.Errorf("unexportable: %v", res.Unexportable)
	}
}

// The redirects serve answers are written for nginx and for Netlify and
// Cloudflare Pages: moves whose targets were exported, a pattern per
// tag, and the trailing slash.
func TestExportWritesRedirects(t *testing.T) {
	base, _ := url.Parse("https://x.example/")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<a href="/issues/1/new">new</a> <a href="/tags/open-source">tag</a>`))
		case "/issues/1/new", "/tags/open-source":
			w.Write([]byte("page"))
		default:
			http.NotFound(w, r)
		}
	})
	out := filepath.Join(t.TempDir(), "out")
	_, err := Export(t.Context(), out, Options{Handler: h, Base: base, Roots: []string{"/"}, Moved: []content.Move{
		{From: "/issues/1/old", To: "/issues/1/new"},
		{From: "/issues/1/older", To: "/issues/1/gone"}, // not exported: left out
		{From: "/tags/Open-Source", To: "/tags/open-source", Below: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	redirects, _ := os.ReadFile(filepath.Join(out, redirectsName))
	for _, want := range []string{"/issues/1/old  /issues/1/new  301\n", "/tags/Open-Source  /tags/open-source  301\n", "/tags/Open-Source/*  /tags/open-source/:splat  301\n"} {
		if !strings.Contains(string(redirects), want) {
			t.Errorf("_redirects lacks %q:\n%s", want, redirects)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(out, nginxName))
	for _, want := range []string{
		`location ~ "^(/.*?)/+$" { return 301 $1$is_args$args; }`,
		`location = "/issues/1/old" { return 301 "/issues/1/new"; }`,
		`location ~* "^/tags/[^a-z0-9/]*open[^a-z0-9/]+source[^a-z0-9/]*(/page/[0-9]+|/feed\.(?:rss|atom|json))?$" { return 301 /tags/open-source$1; }`,
	} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("_nginx.conf lacks %s:\n%s", want, conf)
		}
	}
	if strings.Contains(string(redirects)+string(conf), "/issues/1/older") {
		t.Errorf("a move to a URL not exported was written")
	}
}
