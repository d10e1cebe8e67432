package handlers

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// benchServer serves a feed once, outside the timed loop, and returns
// the request that will hit the cache.
func benchCached(b *testing.B, path string, header ...string) {
	ts := newTestServer(&testing.T{}, fixture())
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discardWriter{h: http.Header{}}
	ts.e.ServeHTTP(w, req)
	if w.code != http.StatusOK {
		b.Fatalf("%s: %d", path, w.code)
	}
	if etag := w.h.Get("Etag"); req.Header.Get("If-None-Match") == "match" {
		req.Header.Set("If-None-Match", etag)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		ts.e.ServeHTTP(w, req)
	}
}

// The cached handler path: a full gzip response, a 304, and an archive.
func BenchmarkFeedCachedGzip(b *testing.B) { benchCached(b, "/feed.atom", "Accept-Encoding", "gzip") }
func BenchmarkFeedCached304(b *testing.B) {
	benchCached(b, "/feed.atom", "Accept-Encoding", "gzip", "If-None-Match", "match")
}
func BenchmarkArchiveCached(b *testing.B) {
	benchCached(b, "/archive/2026/04/feed.atom", "Accept-Encoding", "gzip")
}

// BenchmarkEditToServe is what an editor waits for in a ten-year archive
// (3,650 issues): from the start of the reload after a change of the
// newest issue's lead to the new bytes of /feed.atom served.
func BenchmarkEditToServe(b *testing.B) {
	dir := b.TempDir()
	if err := os.CopyFS(dir, archiveFixture(b, 3650)); err != nil {
		b.Fatal(err)
	}
	live, err := content.NewLive(os.DirFS(dir), content.LiveOptions{})
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	ts := newTestServer(t, fixture())
	ts.live = live
	ts.e, err = New(Deps{Content: live, Feeds: ts.feeds, Now: func() time.Time { return archiveLast.Add(36 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	ts.get("/feed.atom", http.StatusOK)
	lead := filepath.Join(dir, "issues", "3650", "lead.md")
	orig, err := os.ReadFile(lead)
	if err != nil {
		b.Fatal(err)
	}
	renders := ts.feeds.Stats().Renders
	i := 0
	for b.Loop() {
		i++
		mark := "Edit number " + strconv.Itoa(i)
		if err := os.WriteFile(lead, append(orig, []byte("\n"+mark+".\n")...), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := live.ReloadPaths([]string{"issues/3650/lead.md"}); err != nil {
			b.Fatal(err)
		}
		if body := ts.get("/feed.atom", http.StatusOK).Body.String(); !strings.Contains(body, mark) {
			b.Fatal("the edit is not served")
		}
	}
	b.ReportMetric(float64(ts.feeds.Stats().Renders-renders)/float64(i), "renders/op")
	_ = feed.Atom
}

// BenchmarkCrawlListPages crawls every list page of a ten-year archive
// (3,650 issues) from /: the front page, every archive, section and tag
// page, following their links. It fails if any HTML page is over 150 KB
// or an issue is not reached, and reports the largest page.
func BenchmarkCrawlListPages(b *testing.B) {
	t := &testing.T{}
	ts := newTestServer(t, archiveFixture(b, 3650))
	ts.clock.Set(archiveLast.AddDate(0, 0, 1))
	for b.Loop() {
		largest, largestPath, pages := 0, "", 0
		seen := ts.crawl([]string{"/"}, isListPage, func(path, from string, res *http.Response, body []byte) {
			if res.StatusCode != http.StatusOK {
				b.Fatalf("GET %s (linked from %s): %d", path, from, res.StatusCode)
			}
			pages++
			if len(body) > largest {
				largest, largestPath = len(body), path
			}
		})
		if largest >= maxHTMLPage {
			b.Fatalf("%s: %d bytes, over %d", largestPath, largest, maxHTMLPage)
		}
		for i := 1; i <= 3650; i++ {
			if !seen["/issues/"+strconv.Itoa(i)] {
				b.Fatalf("issue %d not reachable from /", i)
			}
		}
		b.ReportMetric(float64(largest), "largest-page-bytes")
		b.ReportMetric(float64(pages), "list-pages")
	}
}
