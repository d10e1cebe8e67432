package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// waitFeed polls url until its body contains want.
func waitFeed(t *testing.T, url, want string) (*http.Response, []byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, b := get(t, "GET", url)
		if bytes.Contains(b, []byte(want)) {
			return r, b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q", url, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func lastModified(t *testing.T, r *http.Response) time.Time {
	t.Helper()
	lm, err := http.ParseTime(r.Header.Get("Last-Modified"))
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", r.Header.Get("Last-Modified"), err)
	}
	return lm
}

// TestEveryChangeMovesLastModifiedOnEveryReplica is newsboat's view
// (If-Modified-Since, and a 200 counts only with a newer Last-Modified)
// of a late article and of a second issue with the same date, served by
// two replicas started at different times on one store.
func TestEveryChangeMovesLastModifiedOnEveryReplica(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgresql"} {
		t.Run(engine, func(t *testing.T) {
			cfg := serveConfig{data: filepath.Join(t.TempDir(), "data")}
			if engine == "postgresql" {
				cfg.databaseURL = storetest.PostgresURL(t)
			}
			testReplicas(t, cfg)
			_, err := os.Stat(cfg.data)
			if engine == "postgresql" && !os.IsNotExist(err) {
				t.Errorf("with PostgreSQL, --data was written: %v", err)
			}
		})
	}
}

func testReplicas(t *testing.T, cfg serveConfig) {
	var mu sync.Mutex
	pings := map[string]int{}
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		pings[r.PostForm.Get("hub.url")]++
		mu.Unlock()
	}))
	defer hub.Close()
	cfg.hubs = []string{hub.URL}
	dir := e2eContent(t)
	// 2 June 2026, 09:00 BST: issues 1 and 2 are out.
	clk := newClock(time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC))
	cfg.content, cfg.now = dir, clk.now
	one := startServer(t, cfg)

	r0, _ := get(t, "GET", one+"/feed.rss")
	lm0 := lastModified(t, r0)

	// 10:00 BST: a column dropped into issue 2, with no date.
	clk.set(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC))
	write(t, dir, "issues/2/late.md", "---\ntitle: A late column\n---\nLate words.\n")
	r1, b1 := waitFeed(t, one+"/feed.rss", "A late column")
	lm1 := lastModified(t, r1)
	if !lm1.After(lm0) {
		t.Errorf("late article: Last-Modified %v, not after %v", lm1, lm0)
	}
	if r, _ := get(t, "GET", one+"/feed.rss", "If-Modified-Since", r0.Header.Get("Last-Modified")); r.StatusCode != 200 {
		t.Errorf("If-Modified-Since the old time: %d, want 200", r.StatusCode)
	}
	// Dated when it went out, not at the issue's 06:00; the issue shows it as updated.
	item := string(b1[bytes.Index(b1, []byte("A late column")):])
	if !strings.Contains(item[:strings.Index(item, "</item>")], "<pubDate>Tue, 02 Jun 2026 10:00:00 +0100</pubDate>") {
		t.Errorf("late item not dated 10:00 BST:\n%s", item[:strings.Index(item, "</item>")])
	}
	_, issues := get(t, "GET", one+"/issues/feed.atom")
	if !bytes.Contains(issues, []byte("<updated>2026-06-02T10:00:00+01:00</updated>")) ||
		!bytes.Contains(issues, []byte("<published>2026-06-02T06:00:00+01:00</published>")) {
		t.Errorf("issue entry does not show the late article as an update:\n%s", issues)
	}

	// 11:00 BST: a second issue dated like the last.
	clk.set(time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC))
	write(t, dir, "issues/4/lead.md", "---\ntitle: Special edition lead\n---\nSame day.\n")
	write(t, dir, "issues/4/issue.md", "---\ndate: 2026-06-02\n---\n")
	r2, _ := waitFeed(t, one+"/feed.rss", "Special edition lead")
	if lm2 := lastModified(t, r2); !lm2.After(lm1) {
		t.Errorf("same-date issue: Last-Modified %v, not after %v", lm2, lm1)
	}

	// A second replica, started hours later on the same store: the same
	// answers to every URL.
	clk.set(time.Date(2026, 6, 2, 14, 0, 0, 0, time.UTC))
	two := startServer(t, cfg)
	paths := []string{"/feed.rss", "/feed.atom", "/feed.json", "/issues/feed.atom", "/sections/opinion/feed.atom",
		"/sections/lead/feed.json", "/archive/2026/06/feed.atom", "/issues/archive/2026/06/feed.rss", "/", "/issues/2", "/issues/2/a-late-column", "/feeds.opml"}
	for _, p := range paths {
		for _, enc := range []string{"", "gzip"} {
			ra, ba := get(t, "GET", one+p, "Accept-Encoding", enc)
			rb, bb := get(t, "GET", two+p, "Accept-Encoding", enc)
			if ra.StatusCode != 200 || rb.StatusCode != 200 {
				t.Errorf("%s: %d and %d", p, ra.StatusCode, rb.StatusCode)
				continue
			}
			if !bytes.Equal(ba, bb) {
				t.Errorf("%s (%q): the replicas' bytes differ", p, enc)
			}
			for _, h := range []string{"ETag", "Last-Modified"} {
				if ra.Header.Get(h) != rb.Header.Get(h) {
					t.Errorf("%s (%q): %s %q and %q", p, enc, h, ra.Header.Get(h), rb.Header.Get(h))
				}
			}
		}
	}

	// An edit seen by both: both move on, to the same validators, and
	// the hub hears of it once, from the fleet's leader.
	mu.Lock()
	clear(pings)
	mu.Unlock()
	clk.set(time.Date(2026, 6, 2, 15, 0, 0, 0, time.UTC))
	write(t, dir, "issues/2/late.md", "---\ntitle: A late column, corrected\n---\nLate words.\n")
	ra, _ := waitFeed(t, one+"/feed.atom", "A late column, corrected")
	rb, _ := waitFeed(t, two+"/feed.atom", "A late column, corrected")
	if ra.Header.Get("ETag") != rb.Header.Get("ETag") || ra.Header.Get("Last-Modified") != rb.Header.Get("Last-Modified") {
		t.Errorf("after an edit: %q %q and %q %q", ra.Header.Get("ETag"), ra.Header.Get("Last-Modified"), rb.Header.Get("ETag"), rb.Header.Get("Last-Modified"))
	}
	// The edit moves the entry's updated time to when it went public,
	// on both; its published time and ID stay.
	for _, base := range []string{one, two} {
		_, b := get(t, "GET", base+"/feed.json")
		var doc struct {
			Items []struct {
				ID        string `json:"id"`
				Published string `json:"date_published"`
				Modified  string `json:"date_modified"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range doc.Items {
			if it.ID == "tag:post.example,2025:issue-2/late" {
				found = true
				if it.Published != "2026-06-02T10:00:00+01:00" || it.Modified != "2026-06-02T16:00:00+01:00" {
					t.Errorf("%s: the corrected column published %s, modified %s; want 10:00 and 16:00 BST", base, it.Published, it.Modified)
				}
			}
		}
		if !found {
			t.Errorf("%s/feed.json lacks the late column:\n%s", base, b)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := pings["https://post.example/feed.atom"]
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // time for a second ping, which must not come
	mu.Lock()
	defer mu.Unlock()
	if n := pings["https://post.example/feed.atom"]; n != 1 {
		t.Errorf("the hub got %d pings for /feed.atom from two replicas, want 1: %v", n, pings)
	}
}

// sampleDir is the sample (which reads one file: source) as a folder.
func sampleDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		t.Fatal(err)
	}
	return dir
}

type healthDoc struct {
	Status string `json:"status"`
	Store  *struct {
		Engine    string `json:"engine"`
		Reachable bool   `json:"reachable"`
		Error     string `json:"error"`
		Polling   bool   `json:"polling"`
	} `json:"store"`
}

func healthOf(t *testing.T, base string, header ...string) healthDoc {
	t.Helper()
	_, b := get(t, "GET", base+"/healthz", header...)
	var h healthDoc
	if err := json.Unmarshal(b, &h); err != nil || h.Store == nil {
		t.Fatalf("/healthz %s: %v", b, err)
	}
	return h
}

// waitHealth polls /healthz until ok says it is as wanted.
func waitHealth(t *testing.T, base, what string, ok func(healthDoc) bool) healthDoc {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h := healthOf(t, base)
		if ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /healthz never said so: %+v %+v", what, h, *h.Store)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var pollsRE = regexp.MustCompile(`(?m)^morningpost_upstream_polls_total\{[^}]*\} (\d+)$`)

func pollsOf(t *testing.T, base string) int {
	t.Helper()
	_, b := get(t, "GET", base+"/metrics")
	n := 0
	for _, m := range pollsRE.FindAllSubmatch(b, -1) {
		v, _ := strconv.Atoi(string(m[1]))
		n += v
	}
	return n
}

// TestOnePollerPerFleet: two replicas on one PostgreSQL poll each source
// once between them, both list its items, and when the polling one
// stops the other takes over.
func TestOnePollerPerFleet(t *testing.T) {
	url := storetest.PostgresURL(t)
	dir := sampleDir(t)
	clk := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	cfg := serveConfig{content: dir, now: clk.now, databaseURL: url, leaseTerm: 600 * time.Millisecond, previewToken: "fleet-token"}
	one, stopOne := startStoppable(t, cfg)
	two := startServer(t, cfg)
	waitHealth(t, one, "the first replica polls", func(h healthDoc) bool { return h.Store.Polling && h.Store.Engine == "postgresql" })
	time.Sleep(time.Second) // more than a lease term: the second had its chances to poll
	if h := healthOf(t, two); h.Store.Polling {
		t.Error("both replicas poll")
	}
	if n1, n2 := pollsOf(t, one), pollsOf(t, two); n1+n2 != 1 {
		t.Errorf("polls: %d and %d, want one between them", n1, n2)
	}
	for _, base := range []string{one, two} {
		_, page := get(t, "GET", base+"/sources", "Authorization", "Bearer fleet-token")
		if !bytes.Contains(page, []byte("huggingface.co")) {
			t.Errorf("%s/sources lacks the source's items", base)
		}
	}
	stopOne()
	waitHealth(t, two, "the second replica takes over", func(h healthDoc) bool { return h.Store.Polling })
	if n := pollsOf(t, two); n != 0 {
		t.Errorf("the new poller polled %d times a source that is not due", n)
	}
}

// TestPostgresLostWhileServing: readers keep getting feeds and pages,
// polling pauses, /healthz says so; all resumes with the database.
func TestPostgresLostWhileServing(t *testing.T) {
	url, name, admin := storetest.Postgres(t)
	clk := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	dir := sampleDir(t)
	base := startServer(t, serveConfig{content: dir, now: clk.now, databaseURL: url, leaseTerm: 600 * time.Millisecond, previewToken: "lost-token"})
	waitHealth(t, base, "polling", func(h healthDoc) bool { return h.Status == "ok" && h.Store.Reachable && h.Store.Polling })
	r0, feed0 := get(t, "GET", base+"/feed.atom")

	cut := func(allow bool) {
		t.Helper()
		if _, err := admin.ExecContext(t.Context(), fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %v", name, allow)); err != nil {
			t.Fatal(err)
		}
		if !allow {
			if _, err := admin.ExecContext(t.Context(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
				t.Fatal(err)
			}
		}
	}
	cut(false)
	h := waitHealth(t, base, "the store is lost", func(h healthDoc) bool { return !h.Store.Reachable })
	if h.Status != "degraded" || h.Store.Polling || h.Store.Error != "" {
		t.Errorf("while lost: %+v %+v (the error is for editors only)", h, *h.Store)
	}
	if e := healthOf(t, base, "Authorization", "Bearer lost-token"); !strings.Contains(e.Store.Error, name) {
		t.Errorf("editors' /healthz: store error %q, want one naming the database", e.Store.Error)
	}
	for _, p := range []string{"/feed.atom", "/issues/feed.rss", "/", "/issues/87", "/archive/2026/04/feed.json"} {
		if r, b := get(t, "GET", base+p); r.StatusCode != 200 || p == "/feed.atom" && (!bytes.Equal(b, feed0) || r.Header.Get("Last-Modified") != r0.Header.Get("Last-Modified")) {
			t.Errorf("%s while the store is lost: %d", p, r.StatusCode)
		}
	}
	// An edit while the store is lost reaches readers at once, its
	// Last-Modified later than before.
	clk.set(time.Date(2026, 5, 1, 13, 0, 0, 0, time.UTC))
	lead, err := os.ReadFile(filepath.Join(dir, "issues/87/lead.md"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "issues/87/lead.md", strings.Replace(string(lead), `title: "`, `title: "Corrected `, 1))
	edited := time.Now()
	r1, _ := waitFeed(t, base+"/feed.atom", "Corrected The")
	if d := time.Since(edited); d > 3*time.Second {
		t.Errorf("the edit took %v to reach readers without the store", d)
	}
	if !lastModified(t, r1).After(lastModified(t, r0)) {
		t.Errorf("Last-Modified %s after the edit, was %s", r1.Header.Get("Last-Modified"), r0.Header.Get("Last-Modified"))
	}
	cut(true)
	waitHealth(t, base, "the store is back", func(h healthDoc) bool { return h.Status == "ok" && h.Store.Reachable && h.Store.Polling })
}

func TestPostgresUnreachableAtStart(t *testing.T) {
	code, _, stderr := runCmd(t, nil, "serve", "--addr", "127.0.0.1:0", "--database-url", "postgres://mp:hunter2-secret@127.0.0.1:1/morningpost")
	if code != 1 || !strings.Contains(stderr, "127.0.0.1:1") || strings.Contains(stderr, "hunter2") {
		t.Errorf("exit %d, stderr %q: want 1 and the host, without the password", code, stderr)
	}
}
