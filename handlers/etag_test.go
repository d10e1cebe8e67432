package handlers

import (
	"crypto/sha256"
	"net/http"
	"testing"

	"github.com/morningpost/morningpost/feed"
)

// Every cached answer, whatever its kind, has the one ETag formula of its
// bytes, feed.ETag, which the export's record uses too: a feed, a page,
// OPML, a picture, a static file, robots.txt.
func TestOneETagFormula(t *testing.T) {
	ts := newTestServer(t, imageFixture())
	for _, path := range []string{
		"/feed.atom", "/", "/issues/86", "/feeds.opml", "/sitemap.xml",
		imagePath(t, ts, 86, "chart.png"), imagePath(t, ts, 86, "logo.svg"),
		"/static/site.css", "/static/live.js", "/icon.png", "/robots.txt",
	} {
		rec := ts.get(path, http.StatusOK)
		if got, want := rec.Header().Get("Etag"), feed.ETag(sha256.Sum256(rec.Body.Bytes())); got != want {
			t.Errorf("%s: ETag %s, want feed.ETag of its bytes %s", path, got, want)
		}
	}
}
