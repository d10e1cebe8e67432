package upstream

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// testNow is the fake "now" of most tests: the morning of the sample issue.
var testNow = time.Date(2026, 4, 25, 6, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: testNow} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// postgresByDir, when set, makes openStore open PostgreSQL instead.
var postgresByDir map[string]string

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	opts := store.Options{Dir: dir}
	if postgresByDir != nil {
		// TestStoreOnPostgreSQL: one database per folder, so that a
		// reopened folder is the same store.
		if postgresByDir[dir] == "" {
			postgresByDir[dir] = storetest.PostgresURL(t)
		}
		opts.URL = postgresByDir[dir]
	}
	s, err := OpenStore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestPoller opens a store in a fresh directory and a poller over it.
func newTestPoller(t testing.TB, opts Options, sources ...content.Source) (*Poller, *Store) {
	t.Helper()
	store := openStore(t, t.TempDir())
	p, err := NewPoller(context.Background(), store, sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, store
}

// pollOne runs PollAll and returns the single result.
func pollOne(t testing.TB, p *Poller) Result {
	t.Helper()
	rs := p.PollAll(context.Background())
	if len(rs) != 1 {
		t.Fatalf("PollAll returned %d results, want 1", len(rs))
	}
	return rs[0]
}

// startServer starts an httptest server on 127.0.0.1 (httptest's default).
func startServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// handlerTransport answers requests in memory from a handler. Tests under
// testing/synctest use it: goroutines blocked on real sockets would keep
// the fake clock from advancing.
type handlerTransport struct{ h http.Handler }

func (tr handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// rssItem is one item of a generated RSS document.
type rssItem struct {
	Title, Link, GUID, Description string
	Pub                            time.Time
}

func rssDoc(title string, ttl int, items ...rssItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel>")
	fmt.Fprintf(&b, "<title>%s</title><link>https://example.com/</link>", title)
	if ttl > 0 {
		fmt.Fprintf(&b, "<ttl>%d</ttl>", ttl)
	}
	for _, it := range items {
		b.WriteString("<item>")
		if it.Title != "" {
			fmt.Fprintf(&b, "<title>%s</title>", it.Title)
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", it.Link)
		}
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, it.GUID)
		}
		if it.Description != "" {
			fmt.Fprintf(&b, "<description><![CDATA[%s]]></description>", it.Description)
		}
		if !it.Pub.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Pub.Format(time.RFC1123Z))
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// serveString answers every request with body as RSS.
func serveString(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

// heapGrowth runs f and returns the peak growth of the live heap
// (HeapAlloc, which includes not-yet-collected garbage, so it is an upper
// bound) while f ran, sampled every millisecond.
func heapGrowth(f func()) uint64 {
	runtime.GC()
	heapAlloc := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heapAlloc()
	peak := peakDuring(base, heapAlloc, f)
	return max(peak, heapAlloc()) - base
}

// peakDuring runs f while calling read every millisecond, and returns the
// largest value read, or start if none was larger.
func peakDuring(start uint64, read func() uint64, f func()) uint64 {
	var mu sync.Mutex
	peak := start
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				n := read()
				mu.Lock()
				peak = max(peak, n)
				mu.Unlock()
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak
}

const memBound = 64 << 20 // heap growth allowed for any one hostile poll
