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
)

// The fixture's times. Issues go public at 06:00 Europe/London, which is
// 05:00 UTC in April.
var (
	published86 = time.Date(2026, 4, 24, 5, 0, 0, 0, time.UTC)
	publish87   = time.Date(2026, 4, 25, 5, 0, 0, 0, time.UTC)
	// testNow is between the two: 86 is public, 87 scheduled.
	testNow = time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC)
)

// Texts that must never reach a reader.
const (
	draftIssueTitle   = "Secret Draft Issue Story"
	draftArticleTitle = "Secret Draft Article"
	scheduledTitle    = "Scheduled Lead For Issue 87"
)

// fixture is a small content root: issue 86 public with a draft article,
// issue 87 scheduled, issue 85 a draft in the past.
func fixture() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"morningpost.yaml": file(`title: The AI Morning Post
tagline: Your Daily AI Intelligence Briefing
topics: Artificial Intelligence • Machine Learning • Future Tech
established: 2025
description: A daily briefing on artificial intelligence.
base_url: https://post.example/
language: en-GB
time_zone: Europe/London
publish_time: "06:00"
authority: post.example,2025
author:
  name: The Desk
cache_max_age: 5m
stale_while_revalidate: 1h
websub_hubs: [https://hub.example/, https://hub2.example/websub]
`),
		"issues/86/issue.md": file(`---
date: 2026-04-24
place: Manchester, United Kingdom
weather: 6°C Cloudy
metrics:
  title: Weekend Innovation Metrics
  rows:
    - label: Individual Developer Models
      value: 5/5 trending
tools:
  items:
    - name: GrayColor Model
      description: Mysterious trending model
    - name: Qwen3-8B Julia
      description: Julia integration
      link: https://example.org/qwen
reading:
  items:
    - name: The Economics of Specialized AI Models
      description: Academic paper
---
`),
		"issues/86/lead.md": file(`---
slug: weekend-warriors
title: "The Weekend Warriors: Individual Developers Drive AI's Silent Revolution"
kicker: Lead Story
rating: 7/10
standfirst: While corporate AI labs pause for the weekend, individual developers build.
tags: [open-source]
---
This Saturday's trending models tell a fascinating story.
`),
		"issues/86/deep-dive.md": file(`---
slug: specialization-thesis
title: "The Specialization Thesis"
kicker: Analysis
pull_quote: When weekend warriors choose safer formats, the ecosystem matures.
---
The current trending landscape reveals a shift.
`),
		"issues/86/editor.md": file(`---
title: The Democracy of AI Development Is Working
kicker: Editor's Column
---
Today's trending models represent everything right.
`),
		"issues/86/guest.md": file(`---
title: "Specialization Over Generalization"
kicker: Guest Column
---
The industry's obsession with general models left a gap.
`),
		"issues/86/secret.md": file(`---
title: ` + draftArticleTitle + `
draft: true
---
Not yet.
`),
		"issues/87/issue.md": file(`---
date: 2026-04-25
place: Manchester, United Kingdom
weather: 6°C Cloudy
---
`),
		"issues/87/lead.md": file(`---
slug: scheduled
title: ` + scheduledTitle + `
kicker: Lead Story
---
Tomorrow's news.
`),
		"issues/85/issue.md": file(`---
date: 2026-04-20
draft: true
---
`),
		"issues/85/lead.md": file(`---
title: ` + draftIssueTitle + `
---
Never printed.
`),
	}
}

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
