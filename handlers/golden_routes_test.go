package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/handlers/golden"
)

// goldenHost is the Host header of every request of the route golden:
// the answers must not depend on the address the test listens on.
const goldenHost = "post.example"

// goldenVolatile are the routes whose bodies change from one request to
// the next by design (counters, timings, a stream that never ends): the
// golden pins their status and header names only.
var goldenVolatile = map[string]string{
	"/metrics":               "counters and timings of the requests served so far",
	"/healthz":               "uptime and counters",
	"/preview/events":        "an event stream that ends only at shutdown",
	"/preview/audience":      "counts of the requests served so far",
	"/preview/audience.json": "counts of the requests served so far",
}

// goldenPosts are the routes that take POST, which the golden does not
// send: the fediverse inboxes, whose every answer depends on a signed
// request from another server (feed/activitypub's tests, and
// handlers/activitypub_test.go).
var goldenPosts = map[string]bool{"/ap/inbox": true, "/ap/:name/inbox": true}

// goldenExpansions gives, for the parameters of a route (their names
// joined by commas), the values to expand it with over the fixture c.
// A route whose parameters are not listed fails TestGoldenRoutes.
func goldenExpansions(c *content.Content) map[string][][]string {
	var numbers, articles, images, tags, months, years [][]string
	seenTag, seenMonth, seenYear := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, iss := range c.Issues {
		n := strconv.Itoa(iss.Number)
		numbers = append(numbers, []string{n})
		for _, a := range iss.Articles {
			articles = append(articles, []string{n, a.Slug})
			for _, tag := range a.Tags {
				if s := content.TagSlug(tag); !seenTag[s] {
					seenTag[s] = true
					tags = append(tags, []string{s})
				}
			}
		}
		for _, img := range iss.Images {
			images = append(images, []string{n, img.Hash, img.Name})
		}
		y, m := iss.Date.Format("2006"), iss.Date.Format("01")
		if !seenMonth[y+m] {
			seenMonth[y+m] = true
			months = append(months, []string{y, m})
		}
		if !seenYear[y] {
			seenYear[y] = true
			years = append(years, []string{y + ".xml"})
		}
	}
	// And what does not exist, or is spelled wrong.
	numbers = append(numbers, []string{"999"}, []string{"086"})
	articles = append(articles, []string{"86", "no-such-article"}, []string{"999", "weekend-warriors"})
	images = append(images, []string{"86", "0000000000000000", "chart.png"})
	tags = append(tags, []string{"no-such-tag"})
	months = append(months, []string{"2026", "05"}, []string{"2026", "13"})
	years = append(years, []string{"2026"}, []string{"1999.xml"})
	firstTag := tags[0][0]
	return map[string][][]string{
		"":                 {{}},
		"page":             {{"2"}, {"1"}},
		"number":           numbers,
		"number,slug":      articles,
		"number,hash,name": images,
		"tag":              tags,
		"tag,page":         {{firstTag, "2"}},
		"year,month":       months,
		"year":             years,
		"name":             {{"news"}, {"nobody"}},
	}
}

// goldenURLs expands every GET route of e over the fixture c: the
// sorted paths, the routes, and what keeps a route out of the golden.
func goldenURLs(e *echo.Echo, c *content.Content) (urls, routes, problems []string) {
	exp := goldenExpansions(c)
	gets, heads := map[string]bool{}, map[string]bool{}
	for _, r := range e.Routes() {
		switch r.Method {
		case http.MethodGet:
			gets[r.Path] = true
		case http.MethodHead:
			heads[r.Path] = true
		case http.MethodPost:
			if !goldenPosts[r.Path] {
				problems = append(problems, fmt.Sprintf("route %s %s: the golden sends GET and HEAD only; add its method to TestGoldenRoutes", r.Method, r.Path))
			}
		default:
			problems = append(problems, fmt.Sprintf("route %s %s: the golden sends GET and HEAD only; add its method to TestGoldenRoutes", r.Method, r.Path))
		}
	}
	seen := map[string]bool{}
	for _, route := range slices.Sorted(maps.Keys(gets)) {
		routes = append(routes, route)
		if !heads[route] {
			problems = append(problems, fmt.Sprintf("route GET %s has no HEAD", route))
		}
		segs := strings.Split(route, "/")
		var params []string
		for _, s := range segs {
			if strings.HasPrefix(s, ":") {
				params = append(params, s[1:])
			}
		}
		values, ok := exp[strings.Join(params, ",")]
		if !ok {
			problems = append(problems, fmt.Sprintf("route %s: TestGoldenRoutes does not know how to expand the parameters %v; add them to goldenExpansions", route, params))
			continue
		}
		for _, vs := range values {
			out := slices.Clone(segs)
			i := 0
			for j, s := range out {
				if strings.HasPrefix(s, ":") {
					out[j] = vs[i]
					i++
				}
			}
			if u := strings.Join(out, "/"); !seen[u] {
				seen[u] = true
				urls = append(urls, u)
			}
		}
	}
	slices.Sort(urls)
	return urls, routes, problems
}

// goldenServer is the image fixture at testNow, with the editor's desk
// open, served by one Server through the fast path (fast) and through
// net/http alone (plain).
func goldenServer(t *testing.T) (*Server, *Listener, *content.Content, string, string) {
	t.Helper()
	ts := newTestServer(t, imageFixture())
	h, err := NewServer(Deps{
		Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, Version: "test",
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
		PreviewToken: testToken,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := h.listen(ln)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.http.Serve(l) }()
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	plain := h.limits.HTTPServer(h, nil)
	go func() { _ = plain.Serve(plainLn) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = plain.Shutdown(ctx)
	})
	return h, l, ts.live.Content(), ln.Addr().String(), plainLn.Addr().String()
}

// goldenAnswer is one response as the golden records it.
type goldenAnswer struct {
	status int
	header http.Header
	body   []byte
}

func goldenFetch(t *testing.T, c *http.Client, method, addr, path string, volatile bool, header []string) goldenAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = goldenHost
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var body []byte
	if !volatile {
		if body, err = io.ReadAll(resp.Body); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	resp.Header.Del("Date")
	return goldenAnswer{resp.StatusCode, resp.Header, body}
}

// line is the answer's record: status, every header but Date in order
// of name, and the body's SHA-256; for a volatile route, the status and
// the header names.
func (a goldenAnswer) line(volatile bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", a.status)
	for _, k := range slices.Sorted(maps.Keys(a.header)) {
		if volatile {
			fmt.Fprintf(&b, " | %s", k)
			continue
		}
		for _, v := range a.header[k] {
			fmt.Fprintf(&b, " | %s: %s", k, v)
		}
	}
	switch {
	case volatile:
		b.WriteString(" | body volatile")
	case len(a.body) == 0:
		b.WriteString(" | body empty")
	default:
		sum := sha256.Sum256(a.body)
		fmt.Fprintf(&b, " | body %d bytes sha256 %s", len(a.body), hex.EncodeToString(sum[:]))
	}
	return b.String()
}

// TestGoldenRoutes is the safety net of the site's answers: every route
// expanded over the image fixture at testNow, for GET and HEAD, three
// encodings, reader and editor, plain and conditional, through the fast
// path and through net/http. The two must agree, and what they answer
// must stay byte for byte what testdata/routes.golden says, unless a
// change means to alter it (then: go test ./handlers -run
// TestGoldenRoutes -update, and say why in the commit).
func TestGoldenRoutes(t *testing.T) {
	h, l, c, fast, plain := goldenServer(t)
	urls, routes, problems := goldenURLs(h.e, c)
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	// A connection the fast path hands to net/http stays with net/http:
	// the fast server's connections are closed after each handover, so
	// every request to it comes on a connection the fast path reads.
	client, fastClient := rawClient(), rawClient()
	defer client.CloseIdleConnections()
	defer fastClient.CloseIdleConnections()

	type variant struct {
		name   string
		header []string
	}
	encodings := []variant{{"identity", []string{"Accept-Encoding", "identity"}}, {"gzip", []string{"Accept-Encoding", "gzip"}}, {"br", []string{"Accept-Encoding", "br"}}}
	audiences := []variant{{"reader", nil}, {"editor", bearer}}

	var lines []string
	cases, byFast, answers := 0, 0, map[string]string{} // answers by id
	for _, path := range urls {
		_, volatile := goldenVolatile[path]
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			for _, enc := range encodings {
				for _, aud := range audiences {
					base := append(slices.Clone(enc.header), aud.header...)
					ref := goldenFetch(t, client, method, plain, path, volatile, base)
					conds := []variant{{"plain", nil}}
					if etag := ref.header.Get("Etag"); etag != "" && !volatile {
						conds = append(conds, variant{"if-none-match", []string{"If-None-Match", etag}})
					}
					if lm := ref.header.Get("Last-Modified"); lm != "" && !volatile {
						conds = append(conds, variant{"if-modified-since", []string{"If-Modified-Since", lm}})
					}
					for _, cond := range conds {
						hdr := append(slices.Clone(base), cond.header...)
						want := goldenFetch(t, client, method, plain, path, volatile, hdr)
						before := l.served.Load()
						got := goldenFetch(t, fastClient, method, fast, path, volatile, hdr)
						by := "net/http"
						if l.served.Load() != before {
							by = "fast path"
							byFast++
						} else {
							fastClient.CloseIdleConnections()
						}
						what := fmt.Sprintf("%s %s %s %s %s", method, path, enc.name, aud.name, cond.name)
						g, w := got.line(volatile), want.line(volatile)
						if g != w {
							t.Errorf("%s: the fast server answers\n%s\nnet/http alone\n%s", what, g, w)
						}
						id := answerID(w)
						lines = append(lines, "case "+what+" | "+by+" | "+id)
						answers[id] = w
						cases++
					}
				}
			}
		}
	}
	slices.Sort(lines)
	var got bytes.Buffer
	fmt.Fprintf(&got, "# %d routes expanded to %d URLs; %d cases (each asked of the fast path and of net/http), %d answered by the fast path; %d distinct answers.\n", len(routes), len(urls), cases, byFast, len(answers))
	fmt.Fprintf(&got, "# Each case names its answer, listed once at the end: status, headers but Date, body's SHA-256.\n")
	fmt.Fprintf(&got, "# Volatile routes, status and header names only: %s\n", strings.Join(slices.Sorted(maps.Keys(goldenVolatile)), ", "))
	for _, r := range routes {
		fmt.Fprintf(&got, "route %s\n", r)
	}
	for _, ln := range lines {
		got.WriteString(ln)
		got.WriteByte('\n')
	}
	for _, id := range slices.Sorted(maps.Keys(answers)) {
		fmt.Fprintf(&got, "answer %s | %s\n", id, answers[id])
	}
	t.Logf("%d routes, %d URLs, %d cases, %d by the fast path, %d distinct answers, %d bytes", len(routes), len(urls), cases, byFast, len(answers), got.Len())

	golden.Check(t, "routes.golden", got.Bytes(), "go test ./handlers -run TestGoldenRoutes")
}

// answerID names an answer line in the golden: the first 12 hex digits
// of its SHA-256.
func answerID(line string) string {
	sum := sha256.Sum256([]byte(line))
	return hex.EncodeToString(sum[:6])
}

// A route the golden cannot expand, or that answers no HEAD, keeps
// TestGoldenRoutes from passing, with a message saying what to do.
func TestGoldenRoutesExpandEveryRoute(t *testing.T) {
	h, _, c, _, _ := goldenServer(t)
	urls, _, problems := goldenURLs(h.e, c)
	if len(problems) > 0 {
		t.Fatalf("the site's own routes: %v", problems)
	}
	for _, want := range []string{"/issues/86/weekend-warriors", "/tags/open-source/feed.atom", "/archive/2026/04/feed.rss", "/sitemaps/2026.xml", "/preview/issues/85"} {
		if !slices.Contains(urls, want) {
			t.Errorf("%s is not expanded", want)
		}
	}
	nop := func(echo.Context) error { return nil }
	h.e.GET("/widgets/:widget", nop)
	h.e.HEAD("/widgets/:widget", nop)
	h.e.GET("/gadgets", nop)
	h.e.POST("/gadgets", nop)
	_, _, problems = goldenURLs(h.e, c)
	got := strings.Join(problems, "\n")
	for _, want := range []string{
		"route /widgets/:widget: TestGoldenRoutes does not know how to expand the parameters [widget]",
		"route GET /gadgets has no HEAD",
		"route POST /gadgets: the golden sends GET and HEAD only",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
