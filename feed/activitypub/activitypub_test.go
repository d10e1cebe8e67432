package activitypub

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWebFinger(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		resource string
		status   int
	}{
		{"acct:news@post.example", 200},
		{"acct:NEWS@post.example", 200},
		{"https://post.example/ap/news", 200},
		{"acct:news@other.example", 404},
		{"acct:desk@post.example", 404},
		{"", 400},
	} {
		res, doc := get(t, f.svc.WebFinger, "/.well-known/webfinger?resource="+tc.resource)
		if res.StatusCode != tc.status {
			t.Errorf("%q: status %d, want %d", tc.resource, res.StatusCode, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/jrd+json" {
			t.Errorf("%q: Content-Type %q", tc.resource, ct)
		}
		links, _ := doc["links"].([]any)
		self, _ := links[0].(map[string]any)
		if doc["subject"] != "acct:news@post.example" || self["rel"] != "self" || self["type"] != ActivityType || self["href"] != "https://post.example/ap/news" {
			t.Errorf("%q: %v", tc.resource, doc)
		}
	}
}

func TestOffAnswersNothing(t *testing.T) {
	f := newFixture(t)
	f.write("morningpost.yaml", strings.Replace(siteYAML, "activitypub:\n  username: news\n  allow_private_addresses: true\n", "", 1))
	for _, h := range []func(http.ResponseWriter, *http.Request){f.svc.WebFinger, f.svc.NodeInfo, f.svc.NodeInfoLinks, f.svc.HostMeta} {
		if res, _ := get(t, h, "/.well-known/webfinger?resource=acct:news@post.example"); res.StatusCode != 404 {
			t.Errorf("status %d, want 404 with no activitypub:", res.StatusCode)
		}
	}
	w := httptest.NewRecorder()
	f.svc.Actor(w, httptest.NewRequest("GET", "/ap/news", nil), "news")
	if w.Code != 404 {
		t.Errorf("actor: %d", w.Code)
	}
}

func TestActor(t *testing.T) {
	f := newFixture(t)
	actor := func(svc *Service) map[string]any {
		w := httptest.NewRecorder()
		svc.Actor(w, httptest.NewRequest("GET", "/ap/news", nil), "news")
		if w.Code != 200 || w.Header().Get("Content-Type") != ActivityType {
			t.Fatalf("actor: %d %q", w.Code, w.Header().Get("Content-Type"))
		}
		res, doc := get(t, func(w http.ResponseWriter, r *http.Request) { svc.Actor(w, r, "news") }, "/ap/news")
		_ = res
		return doc
	}
	doc := actor(f.svc)
	want := map[string]any{
		"id": "https://post.example/ap/news", "preferredUsername": "news", "name": "The Test Post",
		"summary": "<p>A test newsletter.</p>", "url": "https://post.example/",
		"inbox": "https://post.example/ap/news/inbox", "outbox": "https://post.example/ap/news/outbox",
		"followers": "https://post.example/ap/news/followers", "following": "https://post.example/ap/news/following",
		"manuallyApprovesFollowers": false, "discoverable": true,
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != "https://post.example/ap/inbox" {
		t.Errorf("endpoints = %v", doc["endpoints"])
	}
	if icon, _ := doc["icon"].(map[string]any); icon["url"] != "https://post.example/icon.png" {
		t.Errorf("icon = %v", doc["icon"])
	}
	pk, _ := doc["publicKey"].(map[string]any)
	if pk["id"] != "https://post.example/ap/news#main-key" || pk["owner"] != "https://post.example/ap/news" {
		t.Errorf("publicKey = %v", pk)
	}
	blk, _ := pem.Decode([]byte(pk["publicKeyPem"].(string)))
	key, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if n := key.(interface{ Size() int }).Size() * 8; n != 2048 {
		t.Errorf("key of %d bits, want RSA 2048", n)
	}
	// Another server of the fleet, or a restart, has the same key.
	again := New(Options{DB: f.db, Content: f.live, Now: f.clock.Now})
	if pk2 := actor(again)["publicKey"].(map[string]any); pk2["publicKeyPem"] != pk["publicKeyPem"] {
		t.Error("a second service over the same store made another key")
	}
}

func TestNodeInfoAndHostMeta(t *testing.T) {
	f := newFixture(t)
	_, links := get(t, f.svc.NodeInfoLinks, "/.well-known/nodeinfo")
	l := links["links"].([]any)[0].(map[string]any)
	if l["rel"] != "http://nodeinfo.diaspora.software/ns/schema/2.1" || l["href"] != "https://post.example/nodeinfo/2.1" {
		t.Errorf("links = %v", links)
	}
	_, ni := get(t, f.svc.NodeInfo, "/nodeinfo/2.1")
	if ni["version"] != "2.1" || ni["software"].(map[string]any)["name"] != "morningpost" || ni["protocols"].([]any)[0] != "activitypub" {
		t.Errorf("nodeinfo = %v", ni)
	}
	if posts := ni["usage"].(map[string]any)["localPosts"]; posts != float64(2) {
		t.Errorf("localPosts = %v, want 2 (the draft is not counted)", posts)
	}
	w := httptest.NewRecorder()
	f.svc.HostMeta(w, httptest.NewRequest("GET", "/.well-known/host-meta", nil))
	if !strings.Contains(w.Body.String(), `template="https://post.example/.well-known/webfinger?resource={uri}"`) {
		t.Errorf("host-meta: %s", w.Body)
	}
}

func TestWants(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/activity+json": true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/ld+json":              true,
		"text/html, application/xhtml+xml": false,
		"application/activity+json;q=0":    false,
		"":                                 false,
		`application/ld+json; profile="http://example.com/other"`: false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := Wants(r); got != want {
			t.Errorf("Wants(%q) = %v", accept, got)
		}
	}
}

func TestArticleObject(t *testing.T) {
	f := newFixture(t)
	snap := f.live.At(f.clock.Now())
	a := snap.Issue(1).Article("first-lead")
	if a == nil {
		t.Fatal("no article first-lead")
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/issues/1/first-lead", nil)
	f.svc.Article(w, r, snap.Site, a)
	if w.Code != 200 || w.Header().Get("Content-Type") != ActivityType || w.Header().Get("Vary") != "Accept" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	_, o := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Article(w, r, snap.Site, a) }, "/issues/1/first-lead")
	want := map[string]any{
		"id": "https://post.example/issues/1/first-lead", "type": "Article", "name": "First lead",
		"url": "https://post.example/issues/1/first-lead", "attributedTo": "https://post.example/ap/news",
		"summary": "About First lead.", "published": "2026-01-01T06:00:00Z", "updated": "2026-01-01T06:00:00Z",
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %v, want %v", k, o[k], v)
		}
	}
	html, _ := o["content"].(string)
	if !strings.Contains(html, `<a href="https://post.example/issues/1">a link</a>`) {
		t.Errorf("content has no absolute link: %s", html)
	}
	if to := o["to"].([]any); to[0] != publicAddr {
		t.Errorf("to = %v", to)
	}
	if cc := o["cc"].([]any); cc[0] != "https://post.example/ap/news/followers" {
		t.Errorf("cc = %v", cc)
	}
	tag := o["tag"].([]any)[0].(map[string]any)
	if tag["type"] != "Hashtag" || tag["href"] != "https://post.example/tags/open-source" || tag["name"] != "#opensource" {
		t.Errorf("tag = %v", tag)
	}
	preview := o["preview"].(map[string]any)
	if preview["type"] != "Note" || !strings.Contains(preview["content"].(string), "About First lead.") ||
		!strings.Contains(preview["content"].(string), "https://post.example/issues/1/first-lead") {
		t.Errorf("preview = %v", preview)
	}
}

func TestOutbox(t *testing.T) {
	f := newFixture(t)
	_, coll := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Outbox(w, r, "news") }, "/ap/news/outbox")
	if coll["type"] != "OrderedCollection" || coll["totalItems"] != float64(2) || coll["first"] != "https://post.example/ap/news/outbox?page=1" {
		t.Fatalf("outbox = %v", coll)
	}
	_, page := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Outbox(w, r, "news") }, "/ap/news/outbox?page=1")
	items := page["orderedItems"].([]any)
	var names []string
	for _, it := range items {
		c := it.(map[string]any)
		if c["type"] != "Create" || c["id"] == nil {
			t.Errorf("item %v", c)
		}
		names = append(names, c["object"].(map[string]any)["name"].(string))
	}
	// Newest first: the lead is dated at the issue's time, the column a second before.
	if strings.Join(names, "|") != "First lead|First column" {
		t.Errorf("outbox = %v; the draft must not be there, and the newest comes first", names)
	}
	if res, _ := get(t, func(w http.ResponseWriter, r *http.Request) { f.svc.Outbox(w, r, "news") }, "/ap/news/outbox?page=2"); res.StatusCode != 404 {
		t.Errorf("page 2: %d", res.StatusCode)
	}
}
