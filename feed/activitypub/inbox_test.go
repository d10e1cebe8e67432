package activitypub

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// TestInboxSignatures: only a request signed by the key of the
// activity's actor, over (request-target), host, date and a digest
// that matches the body, dated now and never seen before, is taken;
// anything else is 401 and stores nothing.
func TestInboxSignatures(t *testing.T) {
	f := newFixture(t)
	p := newPeer(t, f.svc)
	follow := func(actor string) map[string]any {
		return map[string]any{"@context": contextAS, "id": actor + "#follow", "type": "Follow", "actor": actor, "object": "https://post.example/ap/news"}
	}
	post := func(r *http.Request) int {
		w := httptest.NewRecorder()
		f.svc.Inbox(w, r, "news", "203.0.113.9")
		return w.Code
	}
	followers := func() int { return f.count("SELECT COUNT(*) FROM ap_followers") }
	queued := func() int { return f.count("SELECT COUNT(*) FROM ap_deliveries") }

	alice := p.actor("alice")
	bad := []struct {
		name string
		req  func() *http.Request
	}{
		{"unsigned", func() *http.Request {
			r := httptest.NewRequest("POST", "/ap/news/inbox", strings.NewReader(`{"type":"Follow","actor":"`+alice+`","object":"https://post.example/ap/news"}`))
			return r
		}},
		{"bad signature", func() *http.Request {
			r := p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now(), nil)
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `signature="`, `signature="AAAA`, 1))
			return r
		}},
		{"body changed after signing", func() *http.Request {
			r := p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now(), nil)
			b := []byte(`{"type":"Follow","actor":"` + alice + `","object":"https://post.example/ap/news","id":"x"}`)
			r.Body = httpBody(b)
			r.ContentLength = int64(len(b))
			return r
		}},
		{"missing Digest", func() *http.Request {
			return p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now(), []string{httpsig.RequestTarget, "host", "date"})
		}},
		{"Date unsigned", func() *http.Request {
			return p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now(), []string{httpsig.RequestTarget, "host", "digest"})
		}},
		{"Date too old", func() *http.Request {
			return p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now().Add(-10*time.Minute), nil)
		}},
		{"wrong key owner", func() *http.Request {
			// Signed with mallory's key ID, for an activity of alice's.
			return p.signed(t, "/ap/news/inbox", follow(alice), "mallory", f.clock.Now(), nil)
		}},
	}
	for _, tc := range bad {
		if code := post(tc.req()); code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", tc.name, code)
		}
		if followers() != 0 || queued() != 0 {
			t.Fatalf("%s: something was stored", tc.name)
		}
	}

	good := p.signed(t, "/ap/news/inbox", follow(alice), "alice", f.clock.Now(), nil)
	replay := good.Clone(t.Context())
	body, _ := readAll(good)
	good.Body, replay.Body = httpBody(body), httpBody(body)
	if code := post(good); code != http.StatusAccepted {
		t.Fatalf("good: %d", code)
	}
	if followers() != 1 || queued() != 1 {
		t.Fatalf("after a Follow: %d followers, %d deliveries queued (the Accept)", followers(), queued())
	}
	if code := post(replay); code != http.StatusUnauthorized {
		t.Errorf("replayed: %d, want 401", code)
	}

	// Undo(Follow) removes the follower.
	undo := map[string]any{"@context": contextAS, "id": alice + "#undo", "type": "Undo", "actor": alice, "object": follow(alice)}
	if code := post(p.signed(t, "/ap/news/inbox", undo, "alice", f.clock.Now(), nil)); code != http.StatusAccepted || followers() != 0 {
		t.Errorf("undo: %d, %d followers", code, followers())
	}
	// So does the actor's Delete.
	post(p.signed(t, "/ap/inbox", follow(alice), "alice", f.clock.Now().Add(time.Second), nil))
	del := map[string]any{"@context": contextAS, "id": alice + "#delete", "type": "Delete", "actor": alice, "object": alice}
	if followers() != 1 {
		t.Fatal("follow through the shared inbox was not taken")
	}
	if code := post(p.signed(t, "/ap/inbox", del, "alice", f.clock.Now(), nil)); code != http.StatusAccepted || followers() != 0 {
		t.Errorf("delete: %d, %d followers", code, followers())
	}
}

func TestInboxLimits(t *testing.T) {
	f := newFixture(t)
	big := bytes.Repeat([]byte("x"), MaxInboxBody+1)
	w := httptest.NewRecorder()
	f.svc.Inbox(w, httptest.NewRequest("POST", "/ap/inbox", bytes.NewReader(big)), "", "203.0.113.1")
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over 1 MB: %d, want 413", w.Code)
	}
	// Chunked, no Content-Length: cut at 1 MB as it is read.
	r := httptest.NewRequest("POST", "/ap/inbox", bytes.NewReader(big))
	r.ContentLength = -1
	w = httptest.NewRecorder()
	f.svc.Inbox(w, r, "", "203.0.113.1")
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over 1 MB, chunked: %d, want 413", w.Code)
	}
	limited := 0
	for range 400 {
		w := httptest.NewRecorder()
		f.svc.Inbox(w, httptest.NewRequest("POST", "/ap/inbox", strings.NewReader(`{}`)), "", "198.51.100.7")
		if w.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 100 {
		t.Errorf("%d of 400 posts in a minute from one client limited, want 100 (300 a minute)", limited)
	}
	w = httptest.NewRecorder()
	f.svc.Inbox(w, httptest.NewRequest("POST", "/ap/inbox", strings.NewReader(`{}`)), "", "198.51.100.8")
	if w.Code == http.StatusTooManyRequests {
		t.Error("another client was limited too")
	}
}
