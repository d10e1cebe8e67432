package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/testcontent"
)

// The fixture's times and texts, and the fixture itself, are
// handlers/testcontent's, shared with handlers/site's tests.
var (
	published86 = testcontent.Published86
	publish87   = testcontent.Publish87
	// testNow is between the two: 86 is public, 87 scheduled.
	testNow = testcontent.Now
)

// Texts that must never reach a reader.
const (
	draftIssueTitle   = testcontent.DraftIssueTitle
	draftArticleTitle = testcontent.DraftArticleTitle
	scheduledTitle    = testcontent.ScheduledTitle
)

// fixture is a small content root: issue 86 public with a draft article,
// issue 87 scheduled, issue 85 a draft in the past (testcontent.FS).
func fixture() fstest.MapFS { return testcontent.FS() }

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// testServer is a server over a content root and a fake clock.
type testServer struct {
	t     *testing.T
	fsys  fstest.MapFS
	live  *content.Live
	feeds *feed.Cache
	clock *clock
	e     *echo.Echo
	logs  *bytes.Buffer
}

func newTestServer(t *testing.T, fsys fstest.MapFS) *testServer {
	t.Helper()
	return newTestServerCache(t, fsys, feed.NewCache(64<<20))
}

// newTestServerCache is newTestServer with the feed cache given.
func newTestServerCache(t *testing.T, fsys fstest.MapFS, feeds *feed.Cache) *testServer {
	t.Helper()
	live, err := content.NewLive(fsys, content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, fsys: fsys, live: live, feeds: feeds, clock: &clock{t: testNow}, logs: &bytes.Buffer{}}
	ts.e, err = New(Deps{
		Content: live,
		Feeds:   ts.feeds,
		Now:     ts.clock.Now,
		Logger:  slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil)),
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// do serves one request; header is name, value, name, value, ….
func (ts *testServer) do(method, path string, header ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.e.ServeHTTP(rec, req)
	return rec
}

// get is do with GET, failing the test unless the status is want.
func (ts *testServer) get(path string, want int, header ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	rec := ts.do(http.MethodGet, path, header...)
	if rec.Code != want {
		ts.t.Fatalf("GET %s: status %d, want %d\n%s", path, rec.Code, want, truncate(rec.Body.String()))
	}
	return rec
}

// getConcurrently makes n GET requests at once, request i for the path
// and Accept-Encoding that req(i) returns, and reports every one not
// answered 200.
func (ts *testServer) getConcurrently(n int, req func(i int) (path, acceptEncoding string)) {
	ts.t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			path, ae := req(i)
			rec := ts.do(http.MethodGet, path, "Accept-Encoding", ae)
			if rec.Code != http.StatusOK {
				errs <- fmt.Errorf("%s: status %d", path, rec.Code)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		ts.t.Error(err)
	}
}

func truncate(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// pagePaths are the HTML pages of the fixture at testNow.
var pagePaths = []string{
	"/",
	"/issues",
	"/issues/86",
	"/issues/86/weekend-warriors",
	"/issues/86/specialization-thesis",
	"/issues/86/the-democracy-of-ai-development-is-working",
	"/sections/lead",
	"/sections/deep-dive",
	"/sections/opinion",
	"/sections/tools",
	"/sections/reading",
	"/feeds",
}

// feedPaths lists every feed path.
func feedPaths() []string {
	var out []string
	for _, s := range feed.Specs() {
		for _, f := range feed.Formats {
			out = append(out, s.Path(f))
		}
	}
	return out
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}
