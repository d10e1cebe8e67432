package handlers

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
)

// newFediServer is newTestServer with a store and the fediverse
// account's service; on says whether morningpost.yaml has activitypub:.
func newFediServer(t *testing.T, on bool) (*testServer, *store.DB) {
	t.Helper()
	fsys := fixture()
	if on {
		site := string(fsys["morningpost.yaml"].Data) + "activitypub:\n  username: news\n"
		fsys["morningpost.yaml"] = &fstest.MapFile{Data: []byte(site)}
	}
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
	svc := activitypub.New(activitypub.Options{DB: db, Content: ts.live, Now: ts.clock.Now})
	ts.e, err = New(Deps{Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, Logger: slog.New(slog.DiscardHandler), ActivityPub: svc, PreviewToken: fediToken})
	if err != nil {
		t.Fatal(err)
	}
	return ts, db
}

const fediToken = "a-preview-token-of-the-desk"

// The article URL answers its page to browsers and its Article object
// to ActivityPub clients; pages name the handle and link the object.
func TestArticleNegotiated(t *testing.T) {
	ts, _ := newFediServer(t, true)
	const page = "/issues/86/weekend-warriors"
	html := ts.get(page, http.StatusOK, "Accept", "text/html")
	if v := html.Header().Get("Vary"); !strings.HasSuffix(v, ", Accept") {
		t.Errorf("the page's Vary is %q: caches would give its HTML to ActivityPub clients", v)
	}
	if v := ts.get(page, http.StatusNotModified, "If-None-Match", html.Header().Get("Etag")).Header().Get("Vary"); !strings.HasSuffix(v, ", Accept") {
		t.Errorf("the 304's Vary is %q", v)
	}
	contains(t, page, html.Body.String(),
		`<meta name="fediverse:creator" content="@news@post.example">`,
		`<link rel="alternate" type="application/activity+json" href="https://post.example`+page+`">`,
		`follow <a href="/feeds#fediverse"><strong>@news@post.example</strong></a>`)
	for _, accept := range []string{activitypub.ActivityType, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`} {
		rec := ts.get(page, http.StatusOK, "Accept", accept)
		if ct := rec.Header().Get("Content-Type"); ct != activitypub.ActivityType {
			t.Errorf("%s: Content-Type %q", accept, ct)
		}
		contains(t, page, rec.Body.String(), `"type":"Article"`, `"id":"https://post.example`+page+`"`)
	}
	ts.get("/issues/86/no-such-article", http.StatusNotFound, "Accept", activitypub.ActivityType)
	contains(t, "/feeds", ts.get("/feeds", http.StatusOK).Body.String(), `<section id="fediverse"`)
	for _, p := range []string{"/.well-known/webfinger?resource=acct:news@post.example", "/ap/news", "/ap/news/outbox", "/ap/news/followers", "/ap/news/following", "/.well-known/nodeinfo", "/nodeinfo/2.1", "/.well-known/host-meta"} {
		ts.get(p, http.StatusOK)
	}
}

// Without activitypub: nothing changes: no hint on the pages, the page
// whatever the Accept, and every fediverse URL 404.
func TestFediverseOff(t *testing.T) {
	ts, _ := newFediServer(t, false)
	const page = "/issues/86/weekend-warriors"
	body := ts.get(page, http.StatusOK).Body.String()
	if strings.Contains(body, "fediverse") || strings.Contains(body, "activity+json") {
		t.Error("a page names the fediverse with no account")
	}
	if ct := ts.get(page, http.StatusOK, "Accept", activitypub.ActivityType).Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q without an account", ct)
	}
	for _, p := range []string{"/.well-known/webfinger?resource=acct:news@post.example", "/ap/news", "/nodeinfo/2.1"} {
		ts.get(p, http.StatusNotFound)
	}
}

// The inbox takes activities up to 1 MB (the site's other routes take
// 4 KB): an unsigned one is 401, a bigger one 413.
func TestInboxThroughTheServer(t *testing.T) {
	ts, _ := newFediServer(t, true)
	post := func(path string, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", activitypub.ActivityType)
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		return rec.Code
	}
	follow := []byte(`{"type":"Follow","actor":"https://mastodon.example/users/a","object":"https://post.example/ap/news","pad":"` + strings.Repeat("x", 8<<10) + `"}`)
	for _, p := range []string{"/ap/news/inbox", "/ap/inbox"} {
		if code := post(p, follow); code != http.StatusUnauthorized {
			t.Errorf("%s: unsigned 8 KB Follow: %d, want 401", p, code)
		}
		if code := post(p, bytes.Repeat([]byte("x"), activitypub.MaxInboxBody+1)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: over 1 MB: %d, want 413", p, code)
		}
	}
	if code := post("/ap/nobody/inbox", follow); code != http.StatusNotFound {
		t.Errorf("another account's inbox: %d", code)
	}
}

// The audience page counts the account's followers per day and per
// instance.
func TestAudienceShowsFollowers(t *testing.T) {
	ts, db := newFediServer(t, true)
	// Followers as the inbox records them (its own tests sign them in).
	for i, host := range []string{"mastodon.example", "mastodon.example", "fosstodon.example"} {
		actor := "https://" + host + "/users/u" + strconv.Itoa(i)
		if _, err := db.ExecContext(t.Context(), "INSERT INTO ap_followers (account, actor, inbox, shared_inbox, host, since) VALUES ('news', ?, ?, '', ?, ?)",
			actor, actor+"/inbox", host, store.Nanos(testNow.Add(-time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	body := ts.get("/preview/audience", http.StatusOK, "Authorization", "Bearer "+fediToken).Body.String()
	contains(t, "/preview/audience", body, "3 followers of @news@post.example",
		`<tr><th scope="row">mastodon.example</th><td>2</td></tr>`,
		`<tr><th scope="row"><time datetime="2026-04-24">2026-04-24</time></th><td>1</td></tr>`)
}
