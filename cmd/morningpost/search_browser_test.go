package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserSearchesExport: a static export served by nginx searches in
// the browser (search.js on /search/index.json): the search box of any
// page leads to hits that match what serve finds; a phrase, an exclusion
// and a query that cannot be run behave as on the server; without
// JavaScript the page says why it cannot search. Skipped without nginx
// or chromium, except under CI=true.
func TestBrowserSearchesExport(t *testing.T) {
	at := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "post")
	if err := writeArchive(dir, 20, at); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)
	ngx := startNginx(t, out)
	srv := startServer(t, serveConfig{content: dir, now: func() time.Time { return at }})
	ctx := newBrowser(t)

	// What the server finds, once its index is warm.
	found := regexp.MustCompile(`(\d+) articles? found`)
	serverCount := func(q string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(srv + "/search?q=" + q)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if m := found.FindStringSubmatch(string(b)); m != nil {
					return m[1]
				}
				return "0"
			}
			if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("server /search?q=%s: %d", q, resp.StatusCode)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	staticCount := func() string {
		t.Helper()
		waitFor(t, ctx, "static results", `document.querySelector("#static-search-results p")`, 15*time.Second)
		text := run1(t, ctx, "results", chromedp.Evaluate[string](`document.getElementById("static-search-results").innerText`))
		if m := found.FindStringSubmatch(text); m != nil {
			return m[1]
		}
		return "0"
	}

	// From the front page's search box.
	do(t, ctx, "open the front page", chromedp.Navigate(ngx+"/"))
	do(t, ctx, "search from the box",
		chromedp.SendKeys(chromedp.CSS("#search-box-q"), "distillation"),
		chromedp.Submit(chromedp.CSS("#search-box-q")))
	waitFor(t, ctx, "the search page", `location.pathname === "/search" && location.search === "?q=distillation"`, 10*time.Second)
	if got, want := staticCount(), serverCount("distillation"); got != want || got == "0" {
		t.Errorf("distillation: the export finds %s, the server %s", got, want)
	}
	hits := run1(t, ctx, "hits", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".search-results .headline a")].map(a => a.getAttribute("href"))`))
	if len(hits) == 0 || !strings.HasPrefix(hits[0], "/issues/") {
		t.Fatalf("hits %v", hits)
	}
	if n := run1(t, ctx, "marks", chromedp.Evaluate[int](`document.querySelectorAll(".search-results mark").length`)); n == 0 {
		t.Error("no word marked in the snippets")
	}
	// A hit leads to its article, served by nginx.
	do(t, ctx, "follow a hit", chromedp.Click(chromedp.CSS(".search-results .headline a")))
	waitFor(t, ctx, "the article", `location.pathname === "`+hits[0]+`" && document.querySelector("main h1")`, 10*time.Second)

	// Stemming, exclusion: as the server.
	for _, q := range []string{"models", "distillation+-enterprise", "quantisation+benchmark"} {
		do(t, ctx, "search "+q, chromedp.Navigate(ngx+"/search?q="+q))
		if got, want := staticCount(), serverCount(q); got != want {
			t.Errorf("%s: the export finds %s, the server %s", q, got, want)
		}
	}
	// A query that cannot be run says why.
	do(t, ctx, "search -models", chromedp.Navigate(ngx+"/search?q=-models"))
	waitFor(t, ctx, "the problem", `document.querySelector("#static-search-results .search-problem") && document.body.innerText.includes("not only words to leave out")`, 10*time.Second)

	// Without JavaScript: a message, not an empty page.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("switch JavaScript off: %v", err)
	}
	do(t, ctx, "search without JavaScript", chromedp.Navigate(ngx+"/search?q=distillation"))
	text := run1(t, ctx, "text", chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(text, "searching needs JavaScript") {
		t.Errorf("without JavaScript the page says:\n%s", text)
	}
}

// TestExportHoldsSearch: an export holds the search page, its script and
// index and the OpenSearch description, nginx answers /search from the
// page's file, and the export says nothing of the search's query
// variants (the page answers them all in the browser); search feeds,
// which need a server, are not exported.
func TestExportHoldsSearch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCmd(t, exportEnv(out), "export", "--at", "2026-04-26T07:00:00Z", out)
	if code != 0 {
		t.Fatalf("export: %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "/search") {
		t.Errorf("export speaks of search:\n%s", stderr)
	}
	for _, f := range []string{"search.html", "search/index.json", "search/index.json.gz", "static/search.js", "opensearch.xml"} {
		if !fileExists(filepath.Join(out, f)) {
			t.Errorf("no %s in the export", f)
		}
	}
	for _, f := range []string{"search/feed.atom", "search/feed.rss", "search/feed.json"} {
		if fileExists(filepath.Join(out, f)) {
			t.Errorf("%s exported", f)
		}
	}
	// Browsers are offered only what the copy answers: the page, not the
	// search feeds, which a static host answers 404.
	osd, err := os.ReadFile(filepath.Join(out, "opensearch.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(osd), "/search?q={searchTerms}") || strings.Contains(string(osd), "/search/feed.") {
		t.Errorf("the export's opensearch.xml:\n%s", osd)
	}
	conf, err := os.ReadFile(filepath.Join(out, "_nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), `location = "/search" {`) || !strings.Contains(string(conf), "script-src 'self'") {
		t.Errorf("_nginx.conf does not serve the search page with its policy")
	}
}
