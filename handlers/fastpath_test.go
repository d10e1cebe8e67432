package handlers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// fastServer is the fixture served twice on loopback: through the fast
// path (fast) and through net/http alone (plain), by one Server.
type fastServer struct {
	*testServer
	h           *Server
	fast, plain string // addresses
	l           *Listener
}

func newFastServer(t *testing.T, mod func(*Deps)) *fastServer {
	t.Helper()
	ts := newTestServer(t, fixture())
	d := Deps{
		Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, Version: "test",
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
		Limits: Limits{ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second},
	}
	if mod != nil {
		mod(&d)
	}
	h, err := NewServer(d)
	if err != nil {
		t.Fatal(err)
	}
	ts.e = h.e
	fs := &fastServer{testServer: ts, h: h}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Serve, keeping the listener to count what the fast path answers.
	if fs.l, err = h.listen(ln); err != nil {
		t.Fatal(err)
	}
	fs.fast = ln.Addr().String()
	go func() { _ = h.http.Serve(fs.l) }()

	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The same server but for the fast path, to compare answers with.
	plain := h.limits.HTTPServer(h, nil)
	fs.plain = plainLn.Addr().String()
	go func() { _ = plain.Serve(plainLn) }()

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = plain.Shutdown(ctx)
	})
	return fs
}

// client sends requests as they are written, without adding headers.
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, c *http.Client, method, url string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Del("Date")
	return answer{resp.StatusCode, resp.Header, body}
}

// The fast path answers every plain feed request as the feed handler
// does through net/http: same status, headers (but Date) and bytes, for
// each encoding and conditional request.
func TestFastPathAnswersAsFeedHandler(t *testing.T) {
	fs := newFastServer(t, nil)
	c := rawClient()
	ref := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/feed.atom", "Accept-Encoding", "gzip")
	lastMod := ref.header.Get("Last-Modified")
	lm, err := http.ParseTime(lastMod)
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", lastMod, err)
	}
	encodings := []string{"", "gzip", "br", "gzip;q=0", "*", "identity", "br;q=0, gzip", "x-gzip"}
	conds := func(etag string) [][]string {
		return [][]string{
			nil,
			{"If-None-Match", etag},
			{"If-None-Match", "W/" + etag},
			{"If-None-Match", `"other", ` + etag},
			{"If-None-Match", `"other"`},
			{"If-None-Match", "*"},
			{"If-None-Match", `"other"`, "If-None-Match", etag},
			{"If-Modified-Since", lastMod},
			{"If-Modified-Since", lm.Add(-time.Hour).Format(http.TimeFormat)},
			{"If-Modified-Since", "yesterday"},
			{"If-None-Match", `"other"`, "If-Modified-Since", lastMod},
		}
	}
	paths := slices.Sorted(maps.Keys(fs.h.routes)) // every route the fast path answers
	compared := 0
	before := fs.l.served.Load()
	for i, path := range paths {
		encs := encodings
		if i%5 != 0 { // every feed once, some in every combination
			encs = []string{"gzip"}
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			for _, ae := range encs {
				aeh := []string{}
				if ae != "" {
					aeh = []string{"Accept-Encoding", ae}
				}
				etag := fetch(t, c, method, "http://"+fs.plain+path, aeh...).header.Get("Etag")
				for _, cd := range conds(etag) {
					h := append(slices.Clone(aeh), cd...)
					want := fetch(t, c, method, "http://"+fs.plain+path, h...)
					got := fetch(t, c, method, "http://"+fs.fast+path, h...)
					what := method + " " + path + " " + strings.Join(h, " ")
					if got.status != want.status {
						t.Errorf("%s: status %d, net/http %d", what, got.status, want.status)
					}
					if !equalHeaders(got.header, want.header) {
						t.Errorf("%s: headers\n%v\nnet/http\n%v", what, got.header, want.header)
					}
					if !bytes.Equal(got.body, want.body) {
						t.Errorf("%s: %d bytes of body, net/http %d", what, len(got.body), len(want.body))
					}
					compared++
				}
			}
		}
	}
	if n := fs.l.served.Load() - before; n != int64(compared) {
		t.Errorf("the fast path answered %d of %d requests", n, compared)
	}
	if compared < 300 {
		t.Errorf("only %d requests compared", compared)
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// rawConn is a connection to write requests on by hand.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, s); err != nil {
		r.t.Fatal(err)
	}
}

// read reads one response to a request of method.
func (r *rawConn) read(method string) *http.Response {
	r.t.Helper()
	resp, err := http.ReadResponse(r.br, &http.Request{Method: method})
	if err != nil {
		r.t.Fatalf("reading a response: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// Whatever the fast path does not answer, net/http answers on the same
// connection, from the request's first byte, and keeps the connection.
func TestFastPathHandsOverTheRest(t *testing.T) {
	fs := newFastServer(t, nil)
	get := "GET /feed.atom HTTP/1.1\r\nHost: post.example\r\n\r\n"
	for _, c := range []struct {
		name, req string
		status    int
	}{
		{"query", "GET /feed.atom?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 200},
		{"page", "GET /issues/86 HTTP/1.1\r\nHost: a\r\n\r\n", 200},
		{"archive", "GET /archive/2026/04/feed.atom HTTP/1.1\r\nHost: a\r\n\r\n", 200},
		{"not found", "GET /feed.atomx HTTP/1.1\r\nHost: a\r\n\r\n", 404},
		{"POST", "POST /feed.atom HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405},
		{"body", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 200},
		{"chunked body", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 413},
		{"no host", "GET /feed.atom HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
		{"two hosts", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"bad host", "GET /feed.atom HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
		{"folded header", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 200},
		{"bad header name", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n", 400},
		{"bare LF", "GET /feed.atom HTTP/1.1\nHost: a\n\n", 200},
		{"lower-case method", "get /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n", 405},
		{"expect", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", 200},
		{"upgrade", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n", 200},
		{"absolute form", "GET http://a/feed.atom HTTP/1.1\r\nHost: a\r\n\r\n", 200},
		{"large headers", "GET /feed.atom HTTP/1.1\r\nHost: a\r\nCookie: " + strings.Repeat("x", 6000) + "\r\n\r\n", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, fs.fast)
			before := fs.l.served.Load()
			r.send(c.req)
			if resp := r.read(http.MethodGet); resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if n := fs.l.served.Load() - before; n != 0 {
				t.Errorf("the fast path answered it")
			}
			if c.status >= 400 {
				return // net/http may close the connection after an error
			}
			// The connection is net/http's now, and still good.
			r.send(get)
			if resp := r.read(http.MethodGet); resp.StatusCode != 200 {
				t.Errorf("next request: status %d", resp.StatusCode)
			}
			if n := fs.l.served.Load() - before; n != 0 {
				t.Errorf("the fast path answered on a connection it handed over")
			}
		})
	}

	// A request that arrives in pieces goes to net/http, which waits for the rest.
	r := dialRaw(t, fs.fast)
	before := fs.l.served.Load()
	r.send("GET /feed.atom HTTP/1.1\r\nHo")
	time.Sleep(50 * time.Millisecond)
	r.send("st: a\r\n\r\n")
	if resp := r.read(http.MethodGet); resp.StatusCode != 200 {
		t.Errorf("split request: status %d", resp.StatusCode)
	}
	if fs.l.served.Load() != before {
		t.Errorf("the fast path answered a split request")
	}
}

// Pipelined requests are answered in order, the fast path's and then
// net/http's; Connection: close is honoured.
func TestFastPathPipeliningAndClose(t *testing.T) {
	fs := newFastServer(t, nil)
	etag := fetch(t, rawClient(), http.MethodGet, "http://"+fs.plain+"/feed.json").header.Get("Etag")
	r := dialRaw(t, fs.fast)
	before := fs.l.served.Load()
	r.send("GET /feed.json HTTP/1.1\r\nHost: a\r\n\r\n" +
		"HEAD /feed.rss HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /feed.json HTTP/1.1\r\nHost: a\r\nIf-None-Match: " + etag + "\r\n\r\n" +
		"GET /issues HTTP/1.1\r\nHost: a\r\n\r\n" +
		"GET /feed.json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	for i, want := range []struct {
		method string
		status int
		ctype  string
	}{
		{"GET", 200, "application/feed+json"},
		{"HEAD", 200, "application/rss+xml"},
		{"GET", 304, ""},
		{"GET", 200, "text/html"},
		{"GET", 200, "application/feed+json"},
	} {
		resp := r.read(want.method)
		if resp.StatusCode != want.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), want.ctype) {
			t.Errorf("response %d: %d %q, want %d %q", i, resp.StatusCode, resp.Header.Get("Content-Type"), want.status, want.ctype)
		}
		if i == 4 && !resp.Close {
			t.Error("no Connection: close in the answer to Connection: close")
		}
	}
	if n := fs.l.served.Load() - before; n != 3 {
		t.Errorf("the fast path answered %d, want the 3 before the page", n)
	}
	if _, err := r.br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close: %v, want EOF", err)
	}

	r = dialRaw(t, fs.fast)
	r.send("GET /feed.json HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n")
	if resp := r.read("GET"); !resp.Close {
		t.Error("keep-alive, close: connection kept")
	}
	if _, err := r.br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close: %v, want EOF", err)
	}
}

// Abuse control, metrics and the access log see the fast path's
// responses as the feed handler's.
func TestFastPathLimitsCountsAndLogs(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) {
		d.RateLimit = 2
		d.AccessLog = true
	})
	r := dialRaw(t, fs.fast)
	req := "GET /sections/lead/feed.atom HTTP/1.1\r\nHost: a\r\nUser-Agent: Feedly/1.0 (+http://www.feedly.com/fetcher.html; 17 subscribers)\r\n\r\n"
	var etag string
	for i, want := range []int{200, 200, 429} {
		r.send(req)
		resp := r.read("GET")
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if i == 0 {
			etag = resp.Header.Get("Etag")
		}
	}
	// Handed over with its 429, the connection is net/http's: a 304 there is not limited either.
	r.send("GET /sections/lead/feed.atom HTTP/1.1\r\nHost: a\r\nIf-None-Match: " + etag + "\r\n\r\n")
	if resp := r.read("GET"); resp.StatusCode != 304 {
		t.Errorf("conditional request over the limit: %d", resp.StatusCode)
	}
	// And on a new connection, 304s from the fast path are never limited.
	r = dialRaw(t, fs.fast)
	before := fs.l.served.Load()
	for range 5 {
		r.send("GET /sections/lead/feed.atom HTTP/1.1\r\nHost: a\r\nIf-None-Match: " + etag + "\r\n\r\n")
		if resp := r.read("GET"); resp.StatusCode != 304 {
			t.Fatalf("conditional request over the limit: %d", resp.StatusCode)
		}
	}
	if n := fs.l.served.Load() - before; n != 5 {
		t.Errorf("the fast path answered %d of 5", n)
	}

	// The fast path counts a response once it is written: the client may
	// read it first.
	want304 := `morningpost_http_requests_total{format="atom",route="/sections/lead/feed.atom",status="304"} 6`
	var metrics answer
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		metrics = fetch(t, rawClient(), http.MethodGet, "http://"+fs.plain+"/metrics")
		if strings.Contains(string(metrics.body), want304) && strings.Count(fs.logs.String(), "status=304") == 6 || time.Now().After(deadline) {
			break
		}
	}
	contains(t, "/metrics", string(metrics.body),
		`morningpost_http_requests_total{format="atom",route="/sections/lead/feed.atom",status="200"} 2`,
		`morningpost_http_requests_total{format="atom",route="/sections/lead/feed.atom",status="304"} 6`,
		`morningpost_http_requests_total{format="atom",route="/sections/lead/feed.atom",status="429"} 1`,
		`morningpost_feed_subscribers{aggregator="feedly",feed="/sections/lead/feed.atom"} 17`,
	)
	logs := fs.logs.String()
	if n := strings.Count(logs, "method=GET path=/sections/lead/feed.atom route=/sections/lead/feed.atom status=304 bytes=0"); n != 6 {
		t.Errorf("%d access log lines of 304s, want 6:\n%s", n, logs)
	}
	if !strings.Contains(logs, "route=/sections/lead/feed.atom status=200 bytes=") {
		t.Errorf("no access log line of a 200:\n%s", logs)
	}
}

// With trusted proxies, X-Forwarded-For names the client: such requests
// go to net/http, whose IP extractor reads it.
func TestFastPathTrustedProxies(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) {
		d.RateLimit = 1
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	r := dialRaw(t, fs.fast)
	before := fs.l.served.Load()
	for i, want := range []int{200, 200, 429} {
		client := []string{"192.0.2.1", "192.0.2.2", "192.0.2.2"}[i]
		r.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: " + client + "\r\n\r\n")
		if resp := r.read("GET"); resp.StatusCode != want {
			t.Errorf("request %d from %s: %d, want %d", i, client, resp.StatusCode, want)
		}
	}
	if fs.l.served.Load() != before {
		t.Error("the fast path answered a forwarded request")
	}
}

// Idle connections close after the idle timeout, and at shutdown; a
// response being written is finished first.
func TestFastPathTimeoutsAndShutdown(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) {
		d.Limits.IdleTimeout = 200 * time.Millisecond
		d.Limits.ReadHeaderTimeout = 200 * time.Millisecond
	})
	r := dialRaw(t, fs.fast)
	r.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n")
	r.read("GET")
	start := time.Now()
	if _, err := r.br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: %v, want EOF", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle connection closed after %v", d)
	}
	// A connection that never sends a request is closed as well.
	r = dialRaw(t, fs.fast)
	if _, err := r.br.ReadByte(); err != io.EOF {
		t.Errorf("silent connection: %v, want EOF", err)
	}

	// Shutdown closes idle connections at once and accepts no more.
	fs2 := newFastServer(t, nil)
	idle := dialRaw(t, fs2.fast)
	idle.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n")
	idle.read("GET")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fs2.h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := idle.br.ReadByte(); err != io.EOF && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Errorf("idle connection after shutdown: %v, want EOF", err)
	}
	if c, err := net.DialTimeout("tcp", fs2.fast, time.Second); err == nil {
		c.Close()
		t.Error("a connection was accepted after shutdown")
	}
	if _, err := fs2.l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after shutdown: %v", err)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "reset")
}

func TestParseFastRequest(t *testing.T) {
	routes := map[string]*fastRoute{"/feed.atom": {path: "/feed.atom"}}
	for _, c := range []struct {
		req  string
		ok   bool
		want func(fastRequest) bool
	}{
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n", true, func(r fastRequest) bool { return !r.head && r.n == 36 }},
		{"HEAD /feed.atom HTTP/1.1\r\nHost: a:8080\r\n\r\nGET", true, func(r fastRequest) bool { return r.head && r.n == 42 }},
		{"GET /feed.atom HTTP/1.1\r\nhost: a\r\naccept-encoding:  gzip \r\nAccept-Encoding: br\r\nIF-NONE-MATCH: \"a\"\r\nIf-None-Match: \"b\"\r\nIf-Modified-Since: x\r\nIf-Modified-Since: y\r\n\r\n", true,
			func(r fastRequest) bool {
				return r.acceptEncoding == "gzip" && r.nINM == 2 && r.ifNoneMatch[1] == `"b"` && r.ifModifiedSince == "x"
			}},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n", true, func(r fastRequest) bool { return !r.close && r.forwarded }},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n", true, func(r fastRequest) bool { return r.close }},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\n", false, nil},
		{"GET /feed.atom HTTP/1.0\r\nHost: a\r\n\r\n", false, nil},
		{"GET /feed.atom  HTTP/1.1\r\nHost: a\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1 \r\nHost: a\r\n\r\n", false, nil},
		{"PUT /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nConnection: TE\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("If-None-Match: x\r\n", maxIfNoneMatch+1) + "\r\n", false, nil},
		{"GET /feed.atom HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: x\r\n", maxFastHeaders) + "\r\n", false, nil},
	} {
		r, ok := parseFastRequest([]byte(c.req), routes)
		if ok != c.ok || ok && !c.want(r) {
			t.Errorf("%q: ok %v %+v, want ok %v", c.req, ok, r, c.ok)
		}
	}
}

// BenchmarkFastPath is a cached feed answered by the fast path: parse,
// lookup and write, with the allocations of a request.
func BenchmarkFastPath(b *testing.B) {
	for _, bc := range []struct{ name, cond string }{{"gzip", ""}, {"304", "match"}} {
		b.Run(bc.name, func(b *testing.B) {
			live, err := content.NewLive(fixture(), content.LiveOptions{})
			if err != nil {
				b.Fatal(err)
			}
			clk := &clock{t: testNow}
			h, err := NewServer(Deps{Content: live, Feeds: feed.NewCache(64 << 20), Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			l := &Listener{h: h}
			fc := &fastConn{c: discardConn{}}
			raw := "GET /feed.atom HTTP/1.1\r\nHost: post.example\r\nUser-Agent: bench\r\nAccept-Encoding: gzip, deflate, br\r\n"
			req, _ := parseFastRequest([]byte(raw+"\r\n"), h.routes)
			if !l.answer(fc, &req) {
				b.Fatal("not answered")
			}
			if bc.cond != "" {
				_, rest, _ := strings.Cut(string(fc.out), "Etag: ")
				etag, _, _ := strings.Cut(rest, "\r\n")
				raw += "If-None-Match: " + etag + "\r\n"
			}
			buf := []byte(raw + "\r\n")
			b.ReportAllocs()
			stop := cpuPerOp(b)
			for b.Loop() {
				req, _ := parseFastRequest(buf, h.routes)
				l.answer(fc, &req)
			}
			stop()
			if want := map[string]string{"gzip": " 200 ", "304": " 304 "}[bc.name]; !bytes.Contains(fc.out, []byte(want)) {
				b.Fatalf("answered %s", fc.out)
			}
		})
	}
}

// discardConn is a connection whose writes go nowhere.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4000} }

// FuzzParseFastRequest: whatever the fast path takes as a plain feed
// request, net/http parses as the same request, and the request ends
// where net/http says it ends: reading the same bytes as one stream of
// pipelined requests, net/http and the fast path consume exactly the
// same bytes for each request the fast path answers, so neither can
// take the end of one request for the start of another.
func FuzzParseFastRequest(f *testing.F) {
	get := "GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n"
	for _, s := range []string{
		get,
		"HEAD /feed.atom HTTP/1.1\r\nHost: a:80\r\nAccept-Encoding: gzip, br\r\nIf-None-Match: \"x\"\r\nIf-None-Match: W/\"y\"\r\n\r\n",
		"GET /feed.atom HTTP/1.1\r\nhost: a\r\nConnection: close\r\nUser-Agent: Feedly (3 subscribers)\r\nIf-Modified-Since: Sat, 25 Apr 2026 05:00:00 GMT\r\n\r\nGET",
		"GET /feed.atom HTTP/1.1\r\nHost: a\r\nX: \xff\t\r\n\r\n",
		// The wire cases of TestFastPathWireAsNetHTTP.
		get + "\r\n",
		get + "\n",
		get + "\r\n" + get,
		get + "GE",
		get + get + "HEAD /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\n" + get,
		get + "GET /feed.atom HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"GET /feed.atom HTTP/1.1\r\nHost: a\nX: b\r\n\r\n" + get,
		"GET /feed.atom HTTP/1.1\nHost: a\n\n" + get,
	} {
		f.Add([]byte(s))
	}
	routes := map[string]*fastRoute{"/feed.atom": {path: "/feed.atom"}}
	f.Fuzz(func(t *testing.T, buf []byte) {
		// net/http reads the whole input as a connection would.
		rd := bytes.NewReader(buf)
		br := bufio.NewReaderSize(rd, fastReadBuffer)
		consumed := func() int { return len(buf) - rd.Len() - br.Buffered() }
		for at := 0; at < len(buf); {
			r, ok := parseFastRequest(buf[at:], routes)
			if !ok {
				return // net/http answers the rest
			}
			if r.n > len(buf)-at || !bytes.HasSuffix(buf[at:at+r.n], []byte("\r\n\r\n")) {
				t.Fatalf("request of %d bytes in %d", r.n, len(buf)-at)
			}
			req, err := http.ReadRequest(br)
			if err != nil {
				t.Fatalf("net/http refuses what the fast path takes at byte %d: %v", at, err)
			}
			if end := consumed(); end != at+r.n {
				t.Fatalf("the request at byte %d ends at %d for net/http, %d for the fast path", at, end, at+r.n)
			}
			checkSameRequest(t, req, &r)
			if r.close {
				return
			}
			at += r.n
		}
	})
}

// checkSameRequest fails unless net/http's req is the fast path's r.
func checkSameRequest(t *testing.T, req *http.Request, r *fastRequest) {
	t.Helper()
	wantMethod := map[bool]string{false: http.MethodGet, true: http.MethodHead}[r.head]
	switch {
	case req.Method != wantMethod:
		t.Errorf("method %q, fast path %q", req.Method, wantMethod)
	case req.URL.Path != r.route.path || req.URL.RawQuery != "" || req.Host == "":
		t.Errorf("URL %q host %q, fast path %q", req.URL, req.Host, r.route.path)
	case req.ContentLength != 0 || len(req.TransferEncoding) > 0:
		t.Errorf("a body: %d %v", req.ContentLength, req.TransferEncoding)
	case req.Header.Get("Accept-Encoding") != r.acceptEncoding,
		req.Header.Get("If-Modified-Since") != r.ifModifiedSince,
		req.Header.Get("User-Agent") != r.userAgent,
		!slices.Equal(req.Header["If-None-Match"], r.ifNoneMatch[:r.nINM]):
		t.Errorf("headers %q, fast path %+v", req.Header, r)
	case req.Close != r.close:
		t.Errorf("close %v, fast path %v", req.Close, r.close)
	case len(req.Header["X-Forwarded-For"]) > 0 != r.forwarded:
		t.Errorf("X-Forwarded-For %q, fast path %v", req.Header["X-Forwarded-For"], r.forwarded)
	}
}
