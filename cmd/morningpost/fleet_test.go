package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

	// An edit seen by both: both move on, to the same validators.
	clk.set(time.Date(2026, 6, 2, 15, 0, 0, 0, time.UTC))
	write(t, dir, "issues/2/late.md", "---\ntitle: A late column, corrected\n---\nLate words.\n")
	ra, _ := waitFeed(t, one+"/feed.atom", "A late column, corrected")
	rb, _ := waitFeed(t, two+"/feed.atom", "A late column, corrected")
	if ra.Header.Get("ETag") != rb.Header.Get("ETag") || ra.Header.Get("Last-Modified") != rb.Header.Get("Last-Modified") {
		t.Errorf("after an edit: %q %q and %q %q", ra.Header.Get("ETag"), ra.Header.Get("Last-Modified"), rb.Header.Get("ETag"), rb.Header.Get("Last-Modified"))
	}
}
