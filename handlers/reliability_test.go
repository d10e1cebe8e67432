package handlers

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// newServerWith is newTestServer with Deps adjusted by set.
func newServerWith(t *testing.T, set func(*Deps)) *testServer {
	t.Helper()
	fsys := fixture()
	live, err := content.NewLive(fsys, content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, fsys: fsys, live: live, feeds: feed.NewCache(64 << 20), clock: &clock{t: testNow}, logs: &bytes.Buffer{}}
	d := Deps{
		Content: live,
		Feeds:   ts.feeds,
		Now:     ts.clock.Now,
		Logger:  slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
	}
	set(&d)
	if ts.e, err = New(d); err != nil {
		t.Fatal(err)
	}
	return ts
}

// from serves one request from a client address; header is name, value, ….
func (ts *testServer) from(addr, method, path string, header ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.e.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitFullResponsesOnly(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) { d.RateLimit = 3 })
	const client = "192.0.2.1:4000"
	var etag string
	for i := range 3 {
		rec := ts.from(client, "GET", "/feed.atom")
		if rec.Code != 200 {
			t.Fatalf("full download %d: %d, want 200", i+1, rec.Code)
		}
		etag = rec.Header().Get("ETag")
	}
	rec := ts.from(client, "GET", "/feed.atom")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth full download within the hour: %d, want 429", rec.Code)
	}
	// 3 an hour: one token every 20 minutes.
	if ra := rec.Header().Get("Retry-After"); ra != "1200" {
		t.Errorf("Retry-After = %q, want 1200", ra)
	}
	for _, h := range []string{"ETag", "Last-Modified", "Content-Encoding"} {
		if v := rec.Header().Get(h); v != "" {
			t.Errorf("429 carries %s: %q", h, v)
		}
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("429 Cache-Control = %q", cc)
	}
	if rec.Body.Len() > 200 || strings.Contains(rec.Body.String(), "<") {
		t.Errorf("429 body: %q", rec.Body.String())
	}

	// Conditional requests are never limited: a reader polling every
	// minute for a day is answered 304 every time.
	for i := range 1440 {
		if rec := ts.from(client, "GET", "/feed.atom", "If-None-Match", etag); rec.Code != http.StatusNotModified {
			t.Fatalf("conditional request %d while over the limit: %d, want 304", i, rec.Code)
		}
	}
	if rec := ts.from(client, "HEAD", "/feed.atom"); rec.Code != 200 {
		t.Errorf("HEAD over the limit: %d, want 200 (no body, not limited)", rec.Code)
	}
	// Buckets are per feed and per client.
	if rec := ts.from(client, "GET", "/feed.rss"); rec.Code != 200 {
		t.Errorf("another feed: %d, want 200", rec.Code)
	}
	if rec := ts.from("192.0.2.2:4000", "GET", "/feed.atom"); rec.Code != 200 {
		t.Errorf("another client: %d, want 200", rec.Code)
	}
	// X-Forwarded-For from a client that is no trusted proxy changes nothing.
	if rec := ts.from(client, "GET", "/feed.atom", "X-Forwarded-For", "198.51.100.9"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For: %d, want 429", rec.Code)
	}
	// Pages are not limited.
	for range 10 {
		if rec := ts.from(client, "GET", "/issues/86"); rec.Code != 200 {
			t.Fatalf("page: %d", rec.Code)
		}
	}

	// The bucket refills: one download per 20 minutes.
	ts.clock.Set(testNow.Add(20 * time.Minute))
	if rec := ts.from(client, "GET", "/feed.atom"); rec.Code != 200 {
		t.Errorf("20 minutes later: %d, want 200", rec.Code)
	}
	if rec := ts.from(client, "GET", "/feed.atom"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right after: %d, want 429", rec.Code)
	}
}

func TestRateLimitOff(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) { d.RateLimit = 0 })
	if ts.e == nil {
		t.Fatal("no server")
	}
	for i := range 500 {
		if rec := ts.from("192.0.2.1:4000", "GET", "/feed.json"); rec.Code != 200 {
			t.Fatalf("request %d with abuse control off: %d", i, rec.Code)
		}
	}
}

func TestRateLimitTrustedProxies(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) {
		d.RateLimit = 1
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	const proxy = "10.1.2.3:5000"
	cases := []struct {
		from, xff string
		want      int
	}{
		{proxy, "203.0.113.5", 200},
		{proxy, "203.0.113.5", 429},               // the same reader behind the proxy
		{proxy, "203.0.113.6", 200},               // another reader behind it
		{proxy, "203.0.113.5, 10.9.9.9", 429},     // a chain of trusted proxies: still .5
		{proxy, "198.51.100.1, 203.0.113.5", 429}, // the reader's own forged XFF entry is left of it and ignored
		{"192.0.2.1:4000", "203.0.113.7", 200},    // not a trusted proxy: its own address counts
		{"192.0.2.1:4000", "203.0.113.8", 429},    // … whatever it claims
		{"127.0.0.1:4000", "203.0.113.9", 200},    // loopback is not trusted unless listed
		{"127.0.0.1:4000", "203.0.113.10", 429},
	}
	for i, c := range cases {
		if rec := ts.from(c.from, "GET", "/feed.atom", "X-Forwarded-For", c.xff); rec.Code != c.want {
			t.Errorf("%d: from %s with X-Forwarded-For %q: %d, want %d", i, c.from, c.xff, rec.Code, c.want)
		}
	}
}

func TestLimiterIPv6Prefixes(t *testing.T) {
	// Every address of one IPv6 /64 is one client.
	ts := newServerWith(t, func(d *Deps) { d.RateLimit = 1 })
	if rec := ts.from("[2001:db8:1:2::1]:4000", "GET", "/feed.atom"); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	if rec := ts.from("[2001:db8:1:2:ffff::7]:4000", "GET", "/feed.atom"); rec.Code != 429 {
		t.Errorf("same /64: %d, want 429", rec.Code)
	}
	if rec := ts.from("[2001:db8:1:3::1]:4000", "GET", "/feed.atom"); rec.Code != 200 {
		t.Errorf("another /64: %d, want 200", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	ts := newServerWith(t, func(d *Deps) { d.Metrics = m; d.RateLimit = 2; d.PreviewToken = testToken })
	etag := ts.get("/feed.atom", 200).Header().Get("ETag")
	ts.get("/feed.atom", 304, "If-None-Match", etag)
	ts.get("/feed.atom", 304, "If-None-Match", etag)
	ts.get("/feed.atom", 200)
	ts.get("/feed.atom", 429)
	ts.get("/issues/86", 200)
	ts.get("/issues/9999", 404)
	ts.get("/no/such/page", 404)
	ts.get("/feed.rss", 200, "User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; feed-id=abc)")
	ts.get("/feed.rss", 200, "User-Agent", "Mozilla/5.0 (compatible; Inoreader/1.0; +http://www.inoreader.com/feed-fetcher; 45 subscribers; )")
	ts.get("/feed.json", 200, "User-Agent", "NewsBlur Feed Fetcher - 12 subscribers - http://www.newsblur.com/site/1/x")
	ts.get("/issues/feed.atom", 200, "User-Agent", "SomeReader/2 (7 subscribers)")
	ts.get("/sections/lead/archive/2026/04/feed.rss", 200)
	ts.get("/tags/open-source/feed.json", 200)
	ts.get("/feeds/view/feed.atom", 200)
	m.ObservePoll("trending-models", "ok")
	m.ObservePoll("trending-models", "not-modified")
	m.ObservePoll("private-wire", "ok")

	// A broken edit: the reload fails and is counted.
	ts.fsys["issues/86/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitel: typo\n---\n")}
	_ = ts.live.Reload()

	// The public /metrics sums polls over sources: their names are for
	// editors, who see them with the token (and on --metrics-addr).
	public := ts.get("/metrics", 200).Body.String()
	if strings.Contains(public, "trending-models") || strings.Contains(public, "private-wire") || strings.Contains(public, "source=") {
		t.Errorf("the public /metrics names sources:\n%s", public)
	}
	contains(t, "public /metrics", public,
		"morningpost_upstream_polls_total{result=\"ok\"} 2\n",
		"morningpost_upstream_polls_total{result=\"not-modified\"} 1\n")
	private := httptest.NewRecorder()
	m.Handler().ServeHTTP(private, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(private.Body.String(), `morningpost_upstream_polls_total{result="ok",source="private-wire"} 1`) {
		t.Errorf("--metrics-addr lacks the sources:\n%s", private.Body)
	}

	rec := ts.get("/metrics", 200, bearer...)
	body := rec.Body.String()
	for _, want := range []string{
		`morningpost_http_requests_total{format="atom",route="/feed.atom",status="200"} 2`,
		`morningpost_http_requests_total{format="atom",route="/feed.atom",status="304"} 2`,
		`morningpost_http_requests_total{format="atom",route="/feed.atom",status="429"} 1`,
		`morningpost_http_requests_total{format="html",route="/issues/:number",status="200"} 1`,
		`morningpost_http_requests_total{format="rss",route="/sections/lead/archive/:year/:month/feed.rss",status="200"} 1`,
		`morningpost_http_requests_total{format="json",route="/tags/:tag/feed.json",status="200"} 1`,
		`morningpost_http_requests_total{format="html",route="/feeds/view/feed.atom",status="200"} 1`,
		`morningpost_http_requests_total{format="html",route="/issues/:number",status="404"} 1`,
		`morningpost_http_requests_total{format="none",route="unmatched",status="404"} 1`,
		`morningpost_http_response_bytes_total{format="atom",route="/feed.atom"} `,
		`morningpost_http_request_duration_seconds_bucket{route="/feed.atom",le="+Inf"} 5`,
		`morningpost_feed_cache_hits_total `,
		`morningpost_feed_cache_misses_total `,
		`morningpost_feed_cache_renders_total `,
		`morningpost_feed_cache_evictions_total 0`,
		`morningpost_feed_render_seconds_total `,
		`morningpost_feed_cache_bytes `,
		`morningpost_content_reloads_total 1`,
		`morningpost_content_reload_errors_total 1`,
		`morningpost_content_problems 2`, // unknown key "titel", and no title
		`morningpost_upstream_polls_total{result="ok",source="trending-models"} 1`,
		`morningpost_upstream_polls_total{result="ok",source="private-wire"} 1`,
		`morningpost_upstream_polls_total{result="not-modified",source="trending-models"} 1`,
		`morningpost_feed_subscribers{aggregator="feedly",feed="/feed.rss"} 123`,
		`morningpost_feed_subscribers{aggregator="inoreader",feed="/feed.rss"} 45`,
		`morningpost_feed_subscribers{aggregator="newsblur",feed="/feed.json"} 12`,
		`morningpost_feed_subscribers{aggregator="other",feed="/issues/feed.atom"} 7`,
		`morningpost_go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Every metric is ours, and no raw path is a label.
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "morningpost_") {
			t.Errorf("metric without the morningpost_ prefix: %s", line)
		}
		if strings.Contains(line, "/9999") || strings.Contains(line, "/no/such") {
			t.Errorf("a raw path became a label: %s", line)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q", ct)
	}
}

func TestAccessLogHasNoSecrets(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) { d.AccessLog = true })
	ts.get("/feed.atom?token=SECRET1&x=1", 200, "Authorization", "Bearer SECRET2", "Cookie", "preview=SECRET3")
	ts.get("/issues/9999?token=SECRET4", 404)
	logs := ts.logs.String()
	for _, re := range []string{
		`level=INFO msg=request method=GET path=/feed.atom route=/feed.atom status=200 bytes=\d+ duration=\S+\n`,
		`level=INFO msg=request method=GET path=/issues/9999 route=/issues/:number status=404 bytes=\d+ duration=\S+\n`,
	} {
		if !regexp.MustCompile(re).MatchString(logs) {
			t.Errorf("no log line matching %s in:\n%s", re, logs)
		}
	}
	if strings.Contains(logs, "SECRET") || strings.Contains(logs, "token") {
		t.Errorf("the log holds a secret:\n%s", logs)
	}

	quiet := newServerWith(t, func(d *Deps) {})
	quiet.get("/feed.atom", 200)
	if quiet.logs.Len() != 0 {
		t.Errorf("access log off, yet: %s", quiet.logs)
	}
}

func TestRequestBodiesRefused(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) {})
	send := func(method, path string, body io.Reader, length int64) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, body)
		req.ContentLength = length
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		return rec
	}
	big := strings.Repeat("x", 64<<10)
	for _, c := range []struct {
		method string
		length int64
		body   string
	}{
		{"GET", int64(len(big)), big},
		{"GET", -1, big}, // chunked: length unknown
		{"POST", int64(len(big)), big},
		{"HEAD", 5 << 10, big[:5<<10]},
	} {
		rec := send(c.method, "/feed.atom", strings.NewReader(c.body), c.length)
		if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("Connection") != "close" {
			t.Errorf("%s with a %d-byte body: %d (Connection %q), want 413 and close", c.method, c.length, rec.Code, rec.Header().Get("Connection"))
		}
	}
	if rec := send("GET", "/feed.atom", strings.NewReader("tiny"), 4); rec.Code != 200 {
		t.Errorf("GET with a tiny body: %d, want 200", rec.Code)
	}
	if rec := send("POST", "/feed.atom", strings.NewReader("tiny"), 4); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
}

// No route maps a URL onto the file system: dot-dot tricks in any
// spelling find nothing.
func TestPathTricksNotFound(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) {})
	for _, target := range []string{
		"/static/../handlers.go",
		"/static/../../go.mod",
		"/static/..%2f..%2fgo.mod",
		"/static/%2e%2e/%2e%2e/go.mod",
		"/static/%2e%2e%2f%2e%2e%2fgo.mod",
		"/static/..\\..\\go.mod",
		"/static/site.css/../../go.mod",
		"/static/site.css%00.png",
		"/static/templates/layout.html",
		"/static/static/site.css",
		"/issues/..%2f..%2fetc%2fpasswd",
		"/issues/86/..%2f..%2f..%2fgo.mod",
		"/sections/../../etc/passwd",
		"/..",
		"/../go.mod",
		"//etc/passwd",
		"/%2e%2e/go.mod",
		"/templates/layout.html",
	} {
		// As the bytes arrive on the wire: no client cleans the path.
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: post.example\r\n\r\n")))
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		rec := httptest.NewRecorder()
		ts.e.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, rec.Code)
		}
		for _, leak := range []string{"module github.com", "package handlers", "root:", "{{define"} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s shows a file's text (%q)", target, leak)
			}
		}
	}
}

// Error pages carry the pages' security headers and show nothing of the
// request's query (where a preview token may be).
func TestErrorPagesSafe(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) {})
	rec := ts.get("/no/such/page?token=SECRET", 404)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"Cache-Control":          "no-store",
	} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("404 %s = %q, want %q", h, got, want)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("404 CSP = %q", csp)
	}
	if strings.Contains(rec.Body.String(), "SECRET") {
		t.Error("the 404 page shows the query string")
	}
	for _, p := range append([]string{"/", "/issues/86", "/feeds"}, "/issues") {
		h := ts.get(p, 200).Header()
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s lacks a security header: %v", p, h)
		}
	}
}

// BenchmarkFeedCachedGuards is BenchmarkFeedCached with abuse control
// and the access log on and off: what they add to a cached feed request.
func BenchmarkFeedCachedGuards(b *testing.B) {
	for _, c := range []struct {
		name      string
		rateLimit int
		accessLog bool
	}{
		{"off", 0, false},
		{"ratelimit", 1 << 30, false},
		{"accesslog", 0, true},
		{"both", 1 << 30, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			live, err := content.NewLive(fixture(), content.LiveOptions{})
			if err != nil {
				b.Fatal(err)
			}
			clk := &clock{t: testNow}
			e, err := New(Deps{
				Content: live, Feeds: feed.NewCache(64 << 20), Now: clk.Now,
				Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
				RateLimit: c.rateLimit, AccessLog: c.accessLog,
			})
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, "/feed.atom", nil)
			req.RemoteAddr = "192.0.2.1:4000"
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			w := &discardWriter{h: http.Header{}}
			e.ServeHTTP(w, req)
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				e.ServeHTTP(w, req)
			}
		})
	}
}
