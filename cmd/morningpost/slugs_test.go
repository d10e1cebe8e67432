package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store/storetest"
)

// TestServeKeepsArticleURLAcrossRestart: a headline fixed after
// publication leaves the article's URL as it went out, after a restart
// on the same store; a slug: set on purpose moves it, and the old URL
// answers 301.
func TestServeKeepsArticleURLAcrossRestart(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgresql"} {
		t.Run(engine, func(t *testing.T) {
			dir := e2eContent(t)
			at := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
			cfg := serveConfig{content: dir, data: filepath.Join(t.TempDir(), "data"), now: func() time.Time { return at }}
			if engine == "postgresql" {
				cfg.databaseURL = storetest.PostgresURL(t)
			}
			const first = "/issues/1/published-lead"
			base, stop := startStoppable(t, cfg)
			if r, _ := get(t, "GET", base+first); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", first, r.StatusCode)
			}
			stop()

			write(t, dir, "issues/1/lead.md", "---\ntitle: Published lede, fixed\n---\nHello [home](/).\n")
			base, stop = startStoppable(t, cfg)
			r, body := get(t, "GET", base+first)
			if r.StatusCode != http.StatusOK || !strings.Contains(string(body), "Published lede, fixed") {
				t.Errorf("after the headline was fixed and a restart, %s: %d", first, r.StatusCode)
			}
			if _, feed := get(t, "GET", base+"/feed.atom"); !strings.Contains(string(feed), "https://post.example"+first) {
				t.Errorf("the feed does not link %s", first)
			}
			stop()

			write(t, dir, "issues/1/lead.md", "---\ntitle: Published lede, fixed\nslug: lede\n---\nHello [home](/).\n")
			base, stop = startStoppable(t, cfg)
			defer stop()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get(base + first)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/issues/1/lede" {
				t.Errorf("with slug: lede, %s: %d to %q", first, resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
