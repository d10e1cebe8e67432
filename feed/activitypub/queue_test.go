package activitypub

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/morningpost/morningpost/feed/netguard"
)

// TestOneRequestPerSharedInbox: followers on one server with a shared
// inbox get one delivery between them.
func TestOneRequestPerSharedInbox(t *testing.T) {
	f := newFixture(t)
	p := newPeer(t, f.svc)
	for i := range 5 {
		p.name = "user" + strconv.Itoa(i)
		p.follow(t, f)
	}
	flush(t, f)
	n := len(p.received())
	act := Object{"id": "https://post.example/test#1", "type": "Create"}
	inboxes, err := f.svc.followerInboxes(t.Context(), f.db, "news")
	if err != nil {
		t.Fatal(err)
	}
	if len(inboxes) != 1 || inboxes[0] != p.srv.URL+"/inbox" {
		t.Fatalf("inboxes = %v, want the shared inbox once", inboxes)
	}
	if err := f.svc.enqueue(t.Context(), "news", act, inboxes); err != nil {
		t.Fatal(err)
	}
	flush(t, f)
	if got := len(p.received()) - n; got != 1 {
		t.Errorf("%d requests for five followers on one server, want 1", got)
	}
}

// TestQueueAcrossACrash: a server that dies with deliveries queued and
// one in flight loses none and sends none twice that an inbox took.
func TestQueueAcrossACrash(t *testing.T) {
	dir := t.TempDir()
	f := newFixtureAt(t, dir)
	fast, slow := newPeer(t, f.svc), newPeer(t, f.svc)
	slow.stall = true
	var ids []string
	for i := range 20 {
		id := "https://post.example/test#" + strconv.Itoa(i)
		ids = append(ids, id)
		if err := f.svc.enqueue(t.Context(), "news", Object{"id": id, "type": "Create"}, []string{fast.srv.URL + "/inbox", slow.srv.URL + "/inbox"}); err != nil {
			t.Fatal(err)
		}
	}
	// The server runs until the fast peer has everything, and dies with
	// the slow one's deliveries in flight or waiting.
	ctx, crash := context.WithCancel(t.Context())
	go f.svc.deliverLoop(ctx, nil)
	deadline := time.Now().Add(10 * time.Second)
	for len(fast.received()) < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	crash()
	crashed := time.Now()
	f.svc.dl().wg.Wait()
	if got := len(fast.received()); got != 20 {
		t.Fatalf("the fast peer got %d of 20 before the crash", got)
	}
	if got := len(slow.received()); got != 0 {
		t.Fatalf("the slow peer acknowledged %d", got)
	}
	// A new server over the same store.
	slow.mu.Lock()
	slow.stall = false
	slow.mu.Unlock()
	again := newFixtureAt(t, dir)
	fast.svc, slow.svc = again.svc, again.svc
	flush(t, again)
	// Every activity reached every inbox; one that an inbox took before
	// the crash came again only if its answer was still on its way back
	// then (taken in the last 100 ms): the receiver knows it by its ID.
	for _, p := range []*peer{fast, slow} {
		p.mu.Lock()
		got, first := map[string]int{}, map[string]time.Time{}
		for i, a := range p.got {
			id := a["id"].(string)
			if got[id] == 0 {
				first[id] = p.gotAt[i]
			}
			got[id]++
		}
		p.mu.Unlock()
		for _, id := range ids {
			switch {
			case got[id] == 0:
				t.Errorf("%s (slow %v) never got %s", p.srv.URL, p == slow, id)
			case got[id] > 1 && first[id].Before(crashed.Add(-100*time.Millisecond)):
				t.Errorf("%s (slow %v) got %s %d times, the first %v before the crash", p.srv.URL, p == slow, id, got[id], crashed.Sub(first[id]))
			}
		}
	}
	if n := again.count("SELECT COUNT(*) FROM ap_deliveries"); n != 0 {
		t.Errorf("%d deliveries left", n)
	}
}

// TestBackoffThenDrop: a failing inbox is tried again later and later,
// dropped after two days and marked unreachable; refused (4xx) is not
// tried again.
func TestBackoffThenDrop(t *testing.T) {
	f := newFixture(t)
	p := newPeer(t, f.svc)
	p.status = http.StatusServiceUnavailable
	inbox := p.srv.URL + "/inbox"
	if err := f.svc.enqueue(t.Context(), "news", Object{"id": "https://post.example/test#1", "type": "Create"}, []string{inbox}); err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	for range 40 {
		flush(t, f)
		if f.count("SELECT COUNT(*) FROM ap_deliveries") == 0 {
			break
		}
		var next int64
		f.db.QueryRowContext(t.Context(), "SELECT next_at FROM ap_deliveries").Scan(&next)
		wait := time.Unix(0, next).Sub(f.clock.Now())
		waits = append(waits, wait)
		f.clock.Add(wait)
	}
	if len(waits) < 8 || waits[0] < time.Minute || waits[1] < 2*time.Minute || waits[len(waits)-1] > 14*time.Hour {
		t.Errorf("waits = %v: want a minute, doubling, at most about 12 h", waits)
	}
	var total time.Duration
	for _, w := range waits {
		total += w
	}
	if total < 48*time.Hour || total > 62*time.Hour {
		t.Errorf("dropped after %v, want about two days", total)
	}
	if f.count("SELECT COUNT(*) FROM ap_inboxes WHERE inbox = ? AND unreachable = 1", inbox) != 1 {
		t.Error("the inbox is not marked unreachable")
	}
	// Nothing more is queued for it…
	f.svc.enqueue(t.Context(), "news", Object{"id": "https://post.example/test#2", "type": "Create"}, []string{inbox})
	if n := f.count("SELECT COUNT(*) FROM ap_deliveries"); n != 0 {
		t.Errorf("%d queued for an unreachable inbox", n)
	}
	// …until its server speaks to us again.
	p.status = http.StatusAccepted
	p.follow(t, f)
	if n := f.count("SELECT COUNT(*) FROM ap_inboxes WHERE unreachable = 1"); n != 0 {
		t.Error("still unreachable after a signed Follow from it")
	}

	p.status = http.StatusForbidden
	f.svc.enqueue(t.Context(), "news", Object{"id": "https://post.example/test#3", "type": "Create"}, []string{inbox})
	flush(t, f)
	if n := f.count("SELECT COUNT(*) FROM ap_deliveries WHERE activity = 'https://post.example/test#3'"); n != 0 {
		t.Error("a refused delivery is tried again")
	}
}

// TestNoRequestForgery: actor URLs and inboxes come from strangers:
// without allow_private_addresses, neither a fetch nor a delivery
// reaches loopback, private or link-local addresses, directly or by a
// redirect.
func TestNoRequestForgery(t *testing.T) {
	f := newFixture(t)
	f.write("morningpost.yaml", siteYAML[:len(siteYAML)-len("  allow_private_addresses: true\n")])
	f.svc = New(Options{DB: f.db, Content: f.live, Now: f.clock.Now}) // and not by the environment
	hits := 0
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer inside.Close()
	_, port, _ := splitHostPort(inside.URL)
	for _, target := range []string{
		inside.URL + "/users/alice",
		"http://localhost:" + port + "/users/alice",
		"http://10.0.0.1/users/alice",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]:" + port + "/users/alice",
	} {
		if _, err := f.svc.fetchActor(t.Context(), target); !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("fetch %s: %v, want refused", target, err)
		}
		if _, err := f.svc.post(t.Context(), target, []byte(`{}`), "news"); !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("deliver to %s: %v, want refused", target, err)
		}
	}
	// A redirect to one: the first hop is allowed (as an owner-configured
	// URL would be), the redirect is not.
	redirector := httptest.NewServer(http.RedirectHandler(inside.URL+"/users/alice", http.StatusFound))
	defer redirector.Close()
	ctx := netguard.Allow(t.Context(), redirector.URL)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, redirector.URL, nil)
	if _, err := f.svc.http(nil).Do(req); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("redirect to loopback: %v, want refused", err)
	}
	if hits != 0 {
		t.Errorf("the inside server was reached %d times", hits)
	}
}
