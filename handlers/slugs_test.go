package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
)

// newSlugServer is newTestServer with a store keeping the articles'
// URLs (content.Slugs) in a data folder of its own.
func newSlugServer(t *testing.T, fsys fstest.MapFS) *testServer {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := &testServer{t: t, fsys: fsys, feeds: feed.NewCache(64 << 20), clock: &clock{t: testNow}}
	ts.live, err = content.NewLive(fsys, content.LiveOptions{Slugs: store.NewSlugs(db), Now: ts.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts.e, err = New(Deps{Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (ts *testServer) edit(path, text string) {
	ts.t.Helper()
	ts.fsys[path] = &fstest.MapFile{Data: []byte(text)}
	if err := ts.live.Reload(); err != nil {
		ts.t.Fatal(err)
	}
}

// A published article keeps its URL when its headline is fixed; when an
// editor sets a slug:, the URL it had answers 301 to the new one, and
// pages and feeds link the new one.
func TestArticleURLSurvivesEdits(t *testing.T) {
	ts := newSlugServer(t, fixture())
	const first = "/issues/86/specialization-over-generalization"
	ts.get(first, http.StatusOK)

	ts.edit("issues/86/guest.md", "---\ntitle: Specialisation Beats Generalisation\nkicker: Guest Column\n---\nFixed.\n")
	body := ts.get(first, http.StatusOK).Body.String()
	contains(t, first, body, "Specialisation Beats Generalisation")
	ts.get("/issues/86/specialisation-beats-generalisation", http.StatusNotFound)

	ts.edit("issues/86/guest.md", "---\ntitle: Specialisation Beats Generalisation\nslug: specialisation\nkicker: Guest Column\n---\nFixed.\n")
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := ts.do(method, first)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/issues/86/specialisation" {
			t.Errorf("%s %s: %d to %q, want 301 to /issues/86/specialisation", method, first, rec.Code, rec.Header().Get("Location"))
		}
	}
	ts.get("/issues/86/specialisation", http.StatusOK)
	for _, p := range []string{"/issues/86", "/feed.atom", "/feed.rss", "/feed.json", "/sitemap.xml"} {
		body := ts.get(p, http.StatusOK).Body.String()
		if !strings.Contains(body, "/issues/86/specialisation") || strings.Contains(body, first) {
			t.Errorf("%s does not link the article's current URL only", p)
		}
	}
	// A slug the issue never had is still a 404.
	ts.get("/issues/86/specialization", http.StatusNotFound)
}

// A path ending in "/" that names nothing answers 301 to the path
// without it, as the export's nginx configuration does.
func TestTrailingSlashRedirects(t *testing.T) {
	ts := newTestServer(t, fixture())
	for path, want := range map[string]string{
		"/issues/86/":                  "/issues/86",
		"/issues/86/weekend-warriors/": "/issues/86/weekend-warriors",
		"/issues/":                     "/issues",
		"/issues//":                    "/issues",
		"/feed.atom/?x=1":              "/feed.atom?x=1",
		"/tags/Open-Source/":           "/tags/Open-Source",
		"//evil.example/":              "/evil.example",
		"/nope/":                       "/nope",
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := ts.do(method, path)
			if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != want {
				t.Errorf("%s %s: %d to %q, want 301 to %s", method, path, rec.Code, rec.Header().Get("Location"), want)
			}
		}
	}
	if rec := ts.do(http.MethodPost, "/issues/86/"); rec.Code == http.StatusMovedPermanently {
		t.Errorf("POST /issues/86/ redirected")
	}
	ts.get("/", http.StatusOK)
}

// flakySlugs fails its first fails answers, as a store that cannot be
// reached at start.
type flakySlugs struct {
	store *store.Slugs
	fails int
}

func (f *flakySlugs) Slugs(ctx context.Context, issues []int) (map[int]map[string][]string, error) {
	if f.fails > 0 {
		f.fails--
		return nil, errors.New("unreachable")
	}
	return f.store.Slugs(ctx, issues)
}

func (f *flakySlugs) Claim(ctx context.Context, at time.Time, claims map[int]map[string]string) (map[int]map[string][]string, error) {
	return f.store.Claim(ctx, at, claims)
}

// A server whose store answers only after it started serves the
// articles under their files' slugs, then under their pinned ones: the
// feeds, whose files did not change, follow.
func TestFeedsFollowSlugsOnceStoreAnswers(t *testing.T) {
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fsys := fixture()
	if _, err := content.NewLive(fsys, content.LiveOptions{Slugs: store.NewSlugs(db), Now: func() time.Time { return testNow }}); err != nil {
		t.Fatal(err)
	}
	const pinned = "/issues/86/specialization-over-generalization"
	fsys["issues/86/guest.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Specialisation Beats Generalisation\n---\nFixed.\n")}

	clk := &clock{t: testNow}
	live, err := content.NewLive(fsys, content.LiveOptions{Slugs: &flakySlugs{store: store.NewSlugs(db), fails: 1}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Deps{Content: live, Feeds: feed.NewCache(64 << 20), Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, e: e}
	if body := ts.get("/feed.atom", http.StatusOK).Body.String(); !strings.Contains(body, "/issues/86/specialisation-beats-generalisation") {
		t.Fatalf("without the store, the feed does not link the files' slug")
	}
	clk.Set(testNow.Add(time.Minute))
	body := ts.get("/feed.atom", http.StatusOK).Body.String()
	if !strings.Contains(body, pinned) || strings.Contains(body, "/issues/86/specialisation-beats-generalisation") {
		t.Errorf("once the store answers, the feed does not link the pinned URL %s only", pinned)
	}
}
