package handlers

import (
	"bytes"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mmcdole/gofeed"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
)

// newSourcesServer serves the embedded sample with its one upstream source
// polled into a store, and the preview token set. With public, the
// sample's morningpost.yaml says sources_public: true.
func newSourcesServer(t *testing.T, public bool) *testServer {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(content.Sample(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.Sample(), p)
		if p == content.SiteFile && public {
			b = append(b, "sources_public: true\n"...)
		}
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, fsys)
	store, err := upstream.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	site := ts.live.Content().Site
	p, err := upstream.NewPoller(t.Context(), store, []content.Source{{Name: site.Sources[0].Name, URL: site.Sources[0].URL, Section: content.Tools}}, upstream.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PollAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	ts.e, err = New(Deps{
		Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, Version: "test",
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
		PreviewToken: testToken,
		Sources:      store,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestSourcesPage(t *testing.T) {
	ts := newSourcesServer(t, false)
	ts.get("/sources", http.StatusNotFound) // no token: nothing to see
	rec := ts.get("/sources", http.StatusOK, bearer...)
	body := rec.Body.String()
	contains(t, "/sources", body, "Trending models", "GrayColor", "Qwen2.5 Math 7B", "SFT Pipeline Ops", "file:sources/trending-models.xml")
	if cc := rec.Header().Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}

	// Search by words, and filter by source.
	body = ts.get("/sources?q=julia", http.StatusOK, bearer...).Body.String()
	if !strings.Contains(body, "Qwen3-8B Julia") || strings.Contains(body, "GrayColor</a>") {
		t.Errorf("search for julia:\n%s", truncate(body))
	}
	body = ts.get("/sources?source=nobody", http.StatusOK, bearer...).Body.String()
	if strings.Contains(body, "GrayColor</a>") || !strings.Contains(body, "No items match") {
		t.Errorf("filter by an unknown source shows items")
	}
}

func TestSourcesFeedPrivateByDefault(t *testing.T) {
	ts := newSourcesServer(t, false)
	for _, f := range feed.Formats {
		path := feed.SourcesPath(f)
		ts.get(path, http.StatusNotFound)
		ts.get(path, http.StatusNotFound, "Authorization", "Basic "+basic("reader", "wrong"))
		rec := ts.get(path, http.StatusOK, bearer...)
		if ct := rec.Header().Get("Content-Type"); ct != f.ContentType() {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		parsed, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(parsed.Items) != 5 {
			t.Errorf("%s: %d items, want the sample's 5", path, len(parsed.Items))
		}
		// Feed readers send the token as a Basic password.
		rec = ts.get(path, http.StatusOK, "Authorization", "Basic "+basic("reader", testToken))
		etag := rec.Header().Get("Etag")
		if rec.Header().Get("Cache-Control") != "private, no-cache" || etag == "" {
			t.Errorf("%s: Cache-Control %q ETag %q", path, rec.Header().Get("Cache-Control"), etag)
		}
		ts.get(path, http.StatusNotModified, "Authorization", "Basic "+basic("reader", testToken), "If-None-Match", etag)
	}
}

func TestSourcesFeedPublicWhenConfigured(t *testing.T) {
	ts := newSourcesServer(t, true)
	rec := ts.get("/sources/feed.atom", http.StatusOK)
	if !strings.Contains(rec.Body.String(), "GrayColor") {
		t.Error("public sources feed lacks the items")
	}
	ts.get("/sources", http.StatusNotFound) // the page stays the editors'
}

func TestSourcesAbsentWithoutStore(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	ts.get("/sources", http.StatusNotFound, bearer...)
	ts.get("/sources/feed.rss", http.StatusNotFound, bearer...)
}

func basic(user, pass string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// The editor's desk links /sources when the site reads sources, and
// only then (it answers 404 otherwise).
func TestDeskLinksSources(t *testing.T) {
	ts := newSourcesServer(t, false)
	contains(t, "/preview", ts.get("/preview", http.StatusOK, bearer...).Body.String(), `<a href="/sources">`)

	ts = newServerWith(t, func(d *Deps) { d.PreviewToken = testToken })
	if body := ts.get("/preview", http.StatusOK, bearer...).Body.String(); strings.Contains(body, `href="/sources"`) {
		t.Error("the desk of a site without sources links /sources, which answers 404")
	}
}
