package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/desk"
	"github.com/morningpost/morningpost/handlers/site"
)

const testToken = "editor-token-0123456789"

// newPreviewServer is newTestServer with the editor's desk open.
func newPreviewServer(t *testing.T, fsys fstest.MapFS) *testServer {
	t.Helper()
	ts := newTestServer(t, fsys)
	var err error
	ts.e, err = New(Deps{
		Content:      ts.live,
		Feeds:        ts.feeds,
		Now:          ts.clock.Now,
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
		Version:      "test",
		PreviewToken: testToken,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

var bearer = []string{"Authorization", "Bearer " + testToken}

// previewPaths are the editor's pages of the fixture: issue 87 is
// scheduled, 86 public with a draft article, 85 a draft issue.
var previewPaths = []string{
	"/preview",
	"/preview/issues/87",
	"/preview/issues/87/scheduled",
	"/preview/issues/86",
	"/preview/issues/86/secret-draft-article",
	"/preview/issues/85",
	"/preview/entries/86",
	"/preview/entries/87",
}

// Without a token configured, the editor's pages do not exist.
func TestPreviewOffWithoutToken(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, path := range append(previewPaths, "/preview/events", "/preview?token="+testToken) {
		rec := ts.get(path, http.StatusNotFound, bearer...)
		if strings.Contains(rec.Body.String(), "Secret") || strings.Contains(rec.Body.String(), "Scheduled Lead") {
			t.Errorf("%s reveals a draft", path)
		}
	}
	// Public pages carry no script and no Vary: Cookie (they vary by
	// encoding only).
	rec := ts.get("/issues/86", http.StatusOK)
	if strings.Contains(rec.Body.String(), "<script") || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("public page without preview: script or Vary %q", rec.Header().Get("Vary"))
	}
}

// Without a valid token the editor's pages answer exactly like a URL that
// does not exist, whether the draft exists or not.
func TestPreviewNeedsToken(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	notFound := ts.get("/no/such/page", http.StatusNotFound).Body.String()
	for _, path := range append(previewPaths, "/preview/issues/99", "/preview/events") {
		for _, header := range [][]string{
			nil,
			{"Authorization", "Bearer wrong"},
			{"Authorization", "Bearer " + testToken + "x"},
			{"Authorization", "Basic " + testToken},
			{"Cookie", desk.CookieName + "=" + testToken},
			{"Cookie", desk.CookieName + "=forged"},
		} {
			rec := ts.get(path, http.StatusNotFound, header...)
			body := strings.ReplaceAll(rec.Body.String(), path, "/no/such/page")
			if body != notFound {
				t.Errorf("%s %v: 404 differs from any other 404:\n%s", path, header, truncate(body))
			}
		}
		ts.get(path+"?token=wrong", http.StatusNotFound)
	}
	// A valid token does not help a URL that names nothing.
	ts.get("/preview/issues/99", http.StatusNotFound, bearer...)
	ts.get("/preview/issues/86/no-such-slug", http.StatusNotFound, bearer...)
	ts.get("/preview/entries/099", http.StatusNotFound, bearer...)
}

// ?token= sets a cookie holding a value derived from the token and
// redirects to the clean URL; the cookie then opens every editor's page.
func TestPreviewTokenQueryGivesCookie(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	rec := ts.get("/preview/issues/87?token="+testToken+"&x=1", http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/preview/issues/87?x=1" {
		t.Errorf("Location %q", loc)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("redirect Cache-Control %q", cc)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	ck := cookies[0]
	if ck.Name != desk.CookieName || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge <= 0 {
		t.Errorf("cookie %+v", ck)
	}
	if strings.Contains(ck.Value, testToken) || ck.Value == "" {
		t.Errorf("cookie holds the token: %q", ck.Value)
	}
	if loc := ts.get("/preview?token="+testToken, http.StatusSeeOther).Header().Get("Location"); loc != "/preview" {
		t.Errorf("Location %q", loc)
	}
	// Over https (behind a proxy) the cookie is Secure.
	rec = ts.get("/preview?token="+testToken, http.StatusSeeOther, "X-Forwarded-Proto", "https")
	if c := rec.Result().Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("https cookie %v", c)
	}
	// No open redirect from a path that looks like a host.
	// Browsers drop tabs and newlines from a Location and read a
	// backslash as a slash: the Location is the cleaned, escaped path.
	for path, want := range map[string]string{
		"//evil.example/x":       "/evil.example/x",
		"/%5Cevil.example":       "/%5Cevil.example",
		"/%5C%5Cevil.example":    "/%5C%5Cevil.example",
		"/%09/evil.example":      "/%09/evil.example",
		"/%0A/evil.example":      "/%0A/evil.example",
		"/%2F%2Fevil.example":    "/evil.example",
		"/./%2F/evil.example":    "/evil.example",
		"/issues/../%5Cevil.com": "/%5Cevil.com",
		"/preview/issues/87/":    "/preview/issues/87",
	} {
		rec = ts.get(path+"?token="+testToken, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		if loc != want {
			t.Errorf("%s: Location %q, want %q", path, loc, want)
		}
		if u, err := url.Parse(loc); err != nil || u.Host != "" || strings.ContainsAny(loc, "\\\t\r\n") {
			t.Errorf("%s: Location %q leaves the site", path, loc)
		}
	}

	for _, path := range previewPaths {
		rec := ts.get(path, http.StatusOK, "Cookie", ck.Name+"="+ck.Value)
		h := rec.Header()
		if h.Get("Cache-Control") != "private, no-store" || !strings.Contains(h.Get("Vary"), "Cookie") {
			t.Errorf("%s: Cache-Control %q, Vary %q", path, h.Get("Cache-Control"), h.Get("Vary"))
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("X-Robots-Tag"), "noindex") {
			t.Errorf("%s: headers %v", path, h)
		}
		d := parseHTML(t, rec.Body.Bytes())
		if s := d.all("script"); len(s) != 1 || !strings.HasPrefix(attr(s[0], "src"), "/static/live.js?v=") || attr(s[0], "data-version") != ts.live.Content().Version {
			t.Errorf("%s: live reload script %v", path, s)
		}
		contains(t, path, rec.Body.String(), `class="preview-bar"`, `id="live-problems"`, `<a href="/preview">Editor's desk</a>`)
	}
}

// The preview of an issue is the public page as it will be, with the
// drafts, under a PREVIEW banner that says when it goes out.
func TestPreviewPages(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	body := ts.get("/preview", http.StatusOK, bearer...).Body.String()
	contains(t, "/preview", body,
		"Issue #87", "status-scheduled", "Scheduled: goes out Saturday 25 April 2026 at 06:00 BST, in 17 hours 0 minutes.",
		"Issue #85", "status-draft", draftIssueTitle, "issues/85/issue.md",
		draftArticleTitle, "issues/86/secret.md", "Draft: goes out as soon as “draft: true” is removed from issues/86/secret.md.",
		`href="/preview/issues/87"`, `href="/preview/entries/87"`, `href="/preview/issues/86/secret-draft-article"`,
		"None: the files on disk are what is being served.")
	if strings.Contains(body, "The Weekend Warriors") {
		t.Error("/preview lists a published article")
	}

	// The scheduled issue: the public issue page's content, plus the banner.
	ts.clock.Set(publish87)
	public := ts.get("/issues/87", http.StatusOK).Body.String()
	ts.clock.Set(testNow)
	prev := ts.get("/preview/issues/87", http.StatusOK, bearer...).Body.String()
	mainOf := func(s string) string {
		i, j := strings.Index(s, `<main id="main">`), strings.Index(s, "</main>")
		return s[i:j]
	}
	if mainOf(public) != mainOf(prev) {
		t.Errorf("preview of issue 87 differs from its published page:\n%s\n---\n%s", mainOf(prev), mainOf(public))
	}
	contains(t, "/preview/issues/87", prev, scheduledTitle, "Preview</strong>", "Scheduled: goes out")

	art := ts.get("/preview/issues/86/secret-draft-article", http.StatusOK, bearer...).Body.String()
	contains(t, "draft article preview", art, draftArticleTitle, "Not yet.", "status-draft", `href="/preview/issues/86"`)
	iss := ts.get("/preview/issues/86", http.StatusOK, bearer...).Body.String()
	contains(t, "issue 86 preview", iss, draftArticleTitle, "The Weekend Warriors", "status-published")
	contains(t, "draft issue preview", ts.get("/preview/issues/85", http.StatusOK, bearer...).Body.String(), draftIssueTitle, "status-draft")

	// Nothing public changed.
	for _, path := range pagePaths {
		if b := ts.get(path, http.StatusOK).Body.String(); strings.Contains(b, draftArticleTitle) || strings.Contains(b, "<script") {
			t.Errorf("%s leaks a draft or a script after previews", path)
		}
	}
}

// A public page seen by an editor carries the live reload and is private
// (no cache keeps it); the public answer varies by encoding only, so
// shared caches keep one copy for every reader.
func TestPublicPageInPreviewMode(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	pub := ts.get("/issues/86", http.StatusOK)
	if pub.Header().Get("Vary") != "Accept-Encoding" || !strings.HasPrefix(pub.Header().Get("Cache-Control"), "public") {
		t.Errorf("public answer: Vary %q, Cache-Control %q", pub.Header().Get("Vary"), pub.Header().Get("Cache-Control"))
	}
	if strings.Contains(pub.Body.String(), "<script") || strings.Contains(pub.Header().Get("Content-Security-Policy"), "script-src") {
		t.Error("public page carries a script")
	}
	ed := ts.get("/issues/86", http.StatusOK, bearer...)
	if ed.Header().Get("Cache-Control") != "private, no-store" || ed.Header().Get("Etag") != "" {
		t.Errorf("preview-mode answer: Cache-Control %q, ETag %q", ed.Header().Get("Cache-Control"), ed.Header().Get("Etag"))
	}
	contains(t, "preview mode", ed.Body.String(), "/static/live.js?v=", "in preview mode")
	// Still only public content: preview mode is not the preview.
	if strings.Contains(ed.Body.String(), draftArticleTitle) {
		t.Error("public page in preview mode shows a draft")
	}
	// The cached public page was not replaced by the editor's.
	if b := ts.get("/issues/86", http.StatusOK).Body.String(); strings.Contains(b, "<script") {
		t.Error("public page cached with the script")
	}
	// Every public page renders in preview mode, with the script.
	for _, path := range append(append([]string{}, pagePaths...), "/feeds/view/issues/feed.json") {
		if b := ts.get(path, http.StatusOK, bearer...).Body.String(); !strings.Contains(b, "/static/live.js?v=") {
			t.Errorf("%s in preview mode has no live reload", path)
		}
	}
	// The script itself is served.
	js := ts.get("/static/live.js", http.StatusOK)
	if !strings.HasPrefix(js.Header().Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body.String(), "EventSource") {
		t.Errorf("live.js: %q", js.Header().Get("Content-Type"))
	}
}

// What readers will see: each entry of the issue as the feeds carry it.
func TestPreviewEntries(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	rec := ts.get("/preview/entries/86", http.StatusOK, bearer...)
	body := rec.Body.String()
	contains(t, "entries 86", body,
		"tag:post.example,2025:issue-86", "tag:post.example,2025:issue-86/lead", "tag:post.example,2025:issue-86/secret",
		"tag:post.example,2025:issue-86/tools", "tag:post.example,2025:issue-86/reading",
		draftArticleTitle, "status-draft",
		"&lt;item&gt;", "&lt;entry", "&#34;content_html&#34;", "&lt;guid",
		"When weekend warriors choose safer formats, the ecosystem matures.",
		"https://post.example/issues/86/weekend-warriors",
		"Friday 24 April 2026, 06:00 BST")
	d := parseHTML(t, rec.Body.Bytes())
	if n := len(d.all("article", "class", "entry")); n != 8 {
		t.Errorf("%d entries, want 8 (issue, 5 articles, tools, reading)", n)
	}
	if len(d.all("div", "class", "reader-content")) != 8 || len(d.all("pre")) != 24 {
		t.Error("each entry needs a reader view and three raw items")
	}
	// The fixture's entries are clean.
	if strings.Contains(body, `class="warnings"`) {
		t.Errorf("unexpected warnings:\n%s", body[strings.Index(body, `class="warnings"`):][:300])
	}
	// Scheduled issue: its entries, as they will be.
	contains(t, "entries 87", ts.get("/preview/entries/87", http.StatusOK, bearer...).Body.String(), scheduledTitle, "status-scheduled")
}

// The event stream sends the state at once, then one event per reload:
// the new version, or the problems of a broken edit, which clear when the
// file is fixed.
func TestPreviewEvents(t *testing.T) {
	fsys := fixture()
	ts := newPreviewServer(t, fsys)
	srv := httptest.NewServer(ts.e)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/preview/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	r := bufio.NewReader(resp.Body)
	type liveEvent struct {
		Version  string           `json:"version"`
		Problems content.Problems `json:"problems"`
	}
	next := func() liveEvent {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev liveEvent
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Fatal(err)
				}
				return ev
			}
		}
	}
	v0 := ts.live.Content().Version
	if ev := next(); ev.Version != v0 || len(ev.Problems) != 0 {
		t.Fatalf("first event %+v, want version %s", ev, v0)
	}

	fsys["issues/86/secret.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Edited Draft\ndraft: true\n---\nNow.\n")}
	_ = ts.live.Reload()
	ev := next()
	if ev.Version == v0 || ev.Version != ts.live.Content().Version || len(ev.Problems) != 0 {
		t.Fatalf("after an edit: %+v", ev)
	}
	v1 := ev.Version

	fsys["issues/86/secret.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Broken\nrating: ten\n---\n")}
	_ = ts.live.Reload()
	ev = next()
	if ev.Version != v1 || len(ev.Problems) != 1 || ev.Problems[0].Path != "issues/86/secret.md" || ev.Problems[0].Line != 3 {
		t.Fatalf("after a broken edit: %+v", ev)
	}
	// The broken edit shows on every editor's page, and the public site
	// keeps the last good content.
	contains(t, "/preview with a broken file", ts.get("/preview", http.StatusOK, bearer...).Body.String(), "issues/86/secret.md:3", "Readers still see the last good version.")

	fsys["issues/86/secret.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Fixed\ndraft: true\n---\n")}
	_ = ts.live.Reload()
	if ev = next(); ev.Version == v1 || len(ev.Problems) != 0 {
		t.Fatalf("after the fix: %+v", ev)
	}
}

// The event stream ends when the server shuts down (Deps.Done).
func TestPreviewEventsEndAtShutdown(t *testing.T) {
	ts := newTestServer(t, fixture())
	done := make(chan struct{})
	e, err := New(Deps{Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, PreviewToken: testToken, Done: done})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/preview/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	close(done)
	var buf [4096]byte
	for {
		if _, err := resp.Body.Read(buf[:]); err != nil {
			return // the stream ended
		}
	}
}

// Every feed has a readable page, linked from /feeds, listing the feed's
// entries with the address to subscribe to.
func TestFeedViews(t *testing.T) {
	ts := newTestServer(t, fixture())
	feeds := ts.get("/feeds", http.StatusOK).Body.String()
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			path := site.FeedViewPath(spec, f)
			if !strings.Contains(feeds, `href="`+path+`"`) {
				t.Errorf("/feeds does not link %s", path)
			}
			rec := ts.get(path, http.StatusOK)
			body := rec.Body.String()
			contains(t, path, body, "https://post.example"+spec.Path(f), "Subscribe", `<link rel="canonical" href="https://post.example`+path+`">`)
			if rec.Header().Get("Content-Security-Policy") == "" || strings.Contains(body, "<script") {
				t.Errorf("%s: CSP or script", path)
			}
			if strings.Contains(body, draftArticleTitle) || strings.Contains(body, scheduledTitle) {
				t.Errorf("%s leaks a draft", path)
			}
		}
	}
	contains(t, "articles view", ts.get("/feeds/view/feed.atom", http.StatusOK).Body.String(),
		`href="/issues/86/weekend-warriors"`, "The Specialization Thesis", "Every story as it is published")
	contains(t, "lead view", ts.get("/feeds/view/sections/lead/feed.rss", http.StatusOK).Body.String(),
		"The Weekend Warriors", `<link rel="alternate" type="application/rss+xml" title="The AI Morning Post — Lead Story (RSS)"`)
}

// The preview of a whole issue shows its draft articles as they would
// look, so each is marked where it stands, and the banner names every
// article that will not go out with the issue. Public pages carry no
// mark.
func TestPreviewMarksDraftArticles(t *testing.T) {
	ts := newPreviewServer(t, fixture())
	body := ts.get("/preview/issues/86", http.StatusOK, bearer...).Body.String()
	if n := strings.Count(body, `class="draft-mark"`); n != 1 {
		t.Errorf("issue 86's preview has %d draft marks, want 1 (its draft article):\n%s", n, body)
	}
	i := strings.Index(body, `class="draft-mark"`)
	if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], "issues/86/") || !strings.Contains(body[i:], "Secret") {
		t.Errorf("the draft mark does not name the draft's file")
	}
	if !strings.Contains(body, `class="preview-held"`) || !strings.Contains(body, "Will not go out with this issue") {
		t.Errorf("the banner does not list the held drafts")
	}
	// The scheduled issue without drafts: no mark, no list.
	if body := ts.get("/preview/issues/87", http.StatusOK, bearer...).Body.String(); strings.Contains(body, "draft-mark") || strings.Contains(body, "preview-held") {
		t.Errorf("issue 87 (no draft article) is marked")
	}
	for _, path := range []string{"/issues/86", "/"} {
		if strings.Contains(ts.get(path, http.StatusOK).Body.String(), "draft-mark") {
			t.Errorf("public %s carries a draft mark", path)
		}
	}
}
