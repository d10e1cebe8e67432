package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}, {"help"}} {
		code, out, _ := runCmd(t, nil, args...)
		if code != 0 || !strings.Contains(out, "morningpost serve [--addr HOST:PORT] [--content DIR] [--base-url URL]") {
			t.Errorf("%v: code %d, usage:\n%s", args, code, out)
		}
	}
	if code, _, errOut := runCmd(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "serve", "--no-such-flag"); code != 2 {
		t.Errorf("bad flag: code %d, want 2", code)
	}
}

func TestInitAndCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, out, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatalf("init: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "issues/87/lead.md")); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCmd(t, nil, "init", dir); code != 1 {
		t.Errorf("init over a non-empty folder: code %d, want 1", code)
	}
	code, out, _ := runCmd(t, nil, "check", "--content", dir)
	if code != 0 || !strings.Contains(out, "ok: 1 issue, 4 articles") {
		t.Fatalf("check: %d %s", code, out)
	}
	// The environment names the folder too.
	if code, _, _ := runCmd(t, map[string]string{"MORNINGPOST_CONTENT": dir}, "check"); code != 0 {
		t.Errorf("check with MORNINGPOST_CONTENT: code %d", code)
	}

	// Markup in a title is shown as text, and a warning: check passes.
	write(t, dir, "issues/87/guest.md", "---\ntitle: \"<script>alert(1)</script> Guest <b>Column</b>\"\n---\nText.\n")
	code, out, _ = runCmd(t, nil, "check", "--content", dir)
	if code != 0 || !strings.Contains(out, `warning: issues/87/guest.md:2: title "<script>alert(1)</script> Guest <b>Column</b>" holds markup; it is shown as the plain text "alert(1) Guest Column"`) {
		t.Errorf("check of a title with markup: code %d, want 0 and a warning:\n%s", code, out)
	}

	// Two broken files: both problems, each as path:line: message, exit 1.
	write(t, dir, "issues/87/lead.md", "---\ntitle: T\nrating: ten\n---\n")
	write(t, dir, "issues/87/issue.md", "---\ndate: 25 April\n---\n")
	code, out, _ = runCmd(t, nil, "check", "--content", dir)
	if code != 1 {
		t.Errorf("check broken: code %d, want 1", code)
	}
	for _, want := range []string{"issues/87/issue.md:2: date \"25 April\"", "issues/87/lead.md:3: rating \"ten\""} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clock is a settable clock for the server under test.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time   { return time.Unix(0, c.t.Load()) }
func (c *clock) set(t time.Time)  { c.t.Store(t.UnixNano()) }
func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }

// startServer runs the real server on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, cfg serveConfig) string {
	t.Helper()
	base, _ := startStoppable(t, cfg)
	return base
}

// startStoppable is startServer, with a stop that shuts the server down
// gracefully before the test ends (it may be called more than once).
func startStoppable(t *testing.T, cfg serveConfig) (base string, stop func()) {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	if cfg.data == "" {
		cfg.data = t.TempDir() // the sample reads a source; its store must not land in the source tree
	}
	addr := make(chan string, 1)
	cfg.ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, cfg, logs) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("server: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("server did not shut down")
			}
		})
	}
	t.Cleanup(stop)
	select {
	case a := <-addr:
		return "http://" + a, stop
	case err := <-done:
		t.Fatalf("server did not start: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not start:\n%s", logs)
	}
	return "", stop
}

func get(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// A bare transport: no transparent gzip, so encodings are seen as sent.
	return roundTrip(t, &http.Transport{DisableCompression: true}, req)
}

// roundTrip sends req through rt and reads the whole response.
// identityFetcher returns a GET of base+target without compression,
// with header's name/value pairs set, through one transport for the
// test, so that connections are reused (nginx has few).
func identityFetcher(t *testing.T) func(base, target string, header ...string) (*http.Response, []byte) {
	transport := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
	t.Cleanup(transport.CloseIdleConnections)
	return func(base, target string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "identity")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return roundTrip(t, transport, req)
	}
}

func roundTrip(t *testing.T, rt http.RoundTripper, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

const e2eSite = `title: The Test Post
base_url: https://post.example/
authority: post.example,2025
author: {name: Desk}
time_zone: Europe/London
publish_time: "06:00"
`

func e2eContent(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, "morningpost.yaml", e2eSite)
	write(t, dir, "issues/1/issue.md", "---\ndate: 2026-06-01\n---\n")
	write(t, dir, "issues/1/lead.md", "---\ntitle: Published lead\n---\nHello [home](/).\n")
	write(t, dir, "issues/1/secret.md", "---\ntitle: Draft column\ndraft: true\n---\nNot yet.\n")
	write(t, dir, "issues/2/issue.md", "---\ndate: 2026-06-02\n---\n")
	write(t, dir, "issues/2/lead.md", "---\ntitle: Second day lead\n---\nLater.\n")
	write(t, dir, "issues/3/issue.md", "---\ndate: 2026-05-30\ndraft: true\n---\n")
	write(t, dir, "issues/3/lead.md", "---\ntitle: Draft issue lead\n---\nNo.\n")
	return dir
}

func TestServeEndToEnd(t *testing.T) {
	dir := e2eContent(t)
	// 1 June 2026, 12:00 BST: issue 1 is out, issue 2 goes out tomorrow at 06:00 BST.
	clk := newClock(time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{content: dir, now: clk.now})

	types := map[string]string{
		"/feed.rss":                    "application/rss+xml; charset=utf-8",
		"/feed.atom":                   "application/atom+xml; charset=utf-8",
		"/feed.json":                   "application/feed+json; charset=utf-8",
		"/issues/feed.atom":            "application/atom+xml; charset=utf-8",
		"/sections/tools/feed.json":    "application/feed+json; charset=utf-8",
		"/sections/deep-dive/feed.rss": "application/rss+xml; charset=utf-8",
		"/":                            "text/html; charset=utf-8",
		"/issues/1":                    "text/html; charset=utf-8",
		"/feeds":                       "text/html; charset=utf-8",
	}
	for path, want := range types {
		resp, _ := get(t, "GET", base+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want {
			t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
	}

	resp, body := get(t, "GET", base+"/feed.atom")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || lm == "" {
		t.Fatalf("validators: ETag %q Last-Modified %q", etag, lm)
	}
	if !bytes.Contains(body, []byte("Published lead")) {
		t.Error("feed lacks the published lead")
	}
	for _, leak := range []string{"Draft column", "Draft issue lead", "Second day lead"} {
		for _, path := range []string{"/feed.atom", "/feed.json", "/issues/feed.rss", "/", "/issues", "/feeds.opml"} {
			if _, b := get(t, "GET", base+path); bytes.Contains(b, []byte(leak)) {
				t.Errorf("%s shows %q before it is public", path, leak)
			}
		}
	}
	if r, _ := get(t, "GET", base+"/issues/3"); r.StatusCode != 404 {
		t.Errorf("draft issue page: %d, want 404", r.StatusCode)
	}

	// Conditional GETs: each validator alone gives a 304 without a body.
	for _, h := range [][]string{{"If-None-Match", etag}, {"If-Modified-Since", lm}} {
		r, b := get(t, "GET", base+"/feed.atom", h...)
		if r.StatusCode != 304 || len(b) != 0 || r.Header.Get("ETag") != etag {
			t.Errorf("%s: %d (%d bytes, ETag %q), want 304", h[0], r.StatusCode, len(b), r.Header.Get("ETag"))
		}
	}
	// If-None-Match wins over If-Modified-Since.
	if r, _ := get(t, "GET", base+"/feed.atom", "If-None-Match", `"other"`, "If-Modified-Since", lm); r.StatusCode != 200 {
		t.Errorf("If-None-Match mismatch with a matching date: %d, want 200", r.StatusCode)
	}

	// HEAD: the same headers, no body.
	r, b := get(t, "HEAD", base+"/feed.atom")
	if r.StatusCode != 200 || len(b) != 0 || r.Header.Get("ETag") != etag {
		t.Errorf("HEAD: %d, %d bytes, ETag %q", r.StatusCode, len(b), r.Header.Get("ETag"))
	}

	// gzip: its own ETag, and the same document inside.
	r, gz := get(t, "GET", base+"/feed.atom", "Accept-Encoding", "gzip")
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("ETag") == etag || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: encoding %q ETag %q Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("ETag"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, body) {
		t.Error("gzip body differs from the identity body")
	}

	// The scheduled issue appears at its time, without a restart.
	clk.set(time.Date(2026, 6, 2, 4, 59, 59, 0, time.UTC))
	if _, b := get(t, "GET", base+"/feed.atom"); bytes.Contains(b, []byte("Second day lead")) {
		t.Error("issue 2 public a second early")
	}
	clk.set(time.Date(2026, 6, 2, 5, 0, 0, 0, time.UTC)) // 06:00 BST
	r, b = get(t, "GET", base+"/feed.atom", "If-None-Match", etag)
	if r.StatusCode != 200 || !bytes.Contains(b, []byte("Second day lead")) {
		t.Errorf("at 06:00 BST: %d, issue 2 in feed = %v", r.StatusCode, bytes.Contains(b, []byte("Second day lead")))
	}
	if r, _ := get(t, "GET", base+"/issues/2"); r.StatusCode != 200 {
		t.Errorf("issue 2 page at its time: %d", r.StatusCode)
	}
}

func TestServeDeterministicAcrossStarts(t *testing.T) {
	clk := newClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	paths := []string{"/feed.rss", "/feed.atom", "/feed.json", "/issues/feed.atom", "/sections/reading/feed.json", "/feeds.opml"}
	fetch := func() map[string]string {
		base := startServer(t, serveConfig{now: clk.now}) // the embedded sample
		out := map[string]string{}
		for _, p := range paths {
			r, b := get(t, "GET", base+p, "Accept-Encoding", "gzip")
			out[p] = r.Header.Get("ETag") + "\n" + string(b)
		}
		return out
	}
	first, second := fetch(), fetch()
	for _, p := range paths {
		if first[p] != second[p] {
			t.Errorf("%s differs between two starts", p)
		}
	}
	if len(first["/feed.atom"]) < 1000 {
		t.Fatalf("/feed.atom is %d bytes", len(first["/feed.atom"]))
	}
}

func TestServeSampleHasSeedHeadlines(t *testing.T) {
	base := startServer(t, serveConfig{})
	_, b := get(t, "GET", base+"/issues/87")
	for _, want := range []string{
		"The Weekend Warriors: Individual Developers Drive AI&#39;s Silent Revolution",
		"Weekend Innovation Metrics", "Editor&#39;s Column", "Guest Column", "GrayColor Model", "Weekend Reading",
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("/issues/87 lacks %q", want)
		}
	}
}

// With --metrics-addr, /metrics is served there and not on the public
// address, and the metrics count the public server's requests.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	maddr := make(chan string, 1)
	base := startServer(t, serveConfig{metricsAddr: "127.0.0.1:0", metricsReady: func(a string) { maddr <- a }})
	m := "http://" + <-maddr
	if resp, _ := get(t, http.MethodGet, base+"/feed.atom"); resp.StatusCode != 200 {
		t.Fatalf("/feed.atom: %d", resp.StatusCode)
	}
	// A response is counted once written: the client may read it first.
	want := `morningpost_http_requests_total{format="atom",route="/feed.atom",status="200"} 1`
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, body := get(t, http.MethodGet, m+"/metrics")
		if resp.StatusCode == 200 && strings.Contains(string(body), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics address: %d\n%s", resp.StatusCode, body)
		}
	}
	if resp, _ := get(t, http.MethodHead, m+"/metrics"); resp.StatusCode != 200 {
		t.Errorf("HEAD /metrics on the metrics address: %d", resp.StatusCode)
	}
	if resp, _ := get(t, http.MethodGet, base+"/metrics"); resp.StatusCode != 404 {
		t.Errorf("public /metrics: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, http.MethodGet, m+"/feed.atom"); resp.StatusCode != 404 {
		t.Errorf("metrics address serves /feed.atom: %d", resp.StatusCode)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--metrics-addr", "127.0.0.1:bad"}, func(string) string { return "" }, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--metrics-addr") {
		t.Errorf("bad --metrics-addr: exit %d\n%s", code, stderr.String())
	}
}

// check reads the content root through os.Root: an article or a file:
// source linked from outside it is refused, naming the file.
func TestCheckRefusesLinksOutOfTheContent(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "secret.xml", "<rss><channel><title>Outside</title></channel></rss>")
	write(t, outside, "lead.md", "---\ntitle: Outside lead\n---\nSecret.\n")
	dir := e2eContent(t)
	write(t, dir, "morningpost.yaml", e2eSite+"sources:\n  - name: Linked\n    url: file:sources/link.xml\n")
	if err := os.MkdirAll(filepath.Join(dir, "sources"), 0o755); err != nil {
		t.Fatal(err)
	}
	for target, name := range map[string]string{"secret.xml": "sources/link.xml", "lead.md": "issues/2/guest.md"} {
		if err := os.Symlink(filepath.Join(outside, target), filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Skipf("no symbolic links: %v", err)
		}
	}
	code, out, _ := runCmd(t, nil, "check", "--content", dir)
	if code != 1 {
		t.Errorf("check: code %d, want 1\n%s", code, out)
	}
	for _, want := range []string{`morningpost.yaml:9: sources: url "file:sources/link.xml": leads outside the content root`, "issues/2/guest.md: leads outside the content root"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
