package upstream

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/morningpost/morningpost/content"
)

func TestConditionalGET(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Fri, 24 Apr 2026 10:00:00 GMT"
	body := rssDoc("News", 0,
		rssItem{Title: "One", GUID: "1", Pub: testNow.Add(-time.Hour)},
		rssItem{Title: "Two", GUID: "2", Pub: testNow.Add(-2 * time.Hour)})
	var hits, notModified atomic.Int32
	var gotUA, gotAE atomic.Value
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAE.Store(r.Header.Get("Accept-Encoding"))
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		serveString(body)(w, r)
	}))
	clk := newClock()
	p, store := newTestPoller(t, Options{Now: clk.Now}, content.Source{Name: "news", URL: srv.URL + "/feed.xml"})

	r := pollOne(t, p)
	if r.Outcome != OutcomeOK || r.NewItems != 2 || r.Err != nil {
		t.Fatalf("first poll = %+v, want ok with 2 new", r)
	}
	if got := gotUA.Load().(string); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q", got)
	}
	if got := gotAE.Load().(string); got != "gzip, br" {
		t.Errorf("Accept-Encoding = %q", got)
	}
	st, _, _ := store.Source(t.Context(), "news")
	if st.ETag != etag || st.LastModified != lastMod {
		t.Errorf("stored validators = %q, %q", st.ETag, st.LastModified)
	}

	clk.Advance(2 * time.Hour)
	r = pollOne(t, p)
	if r.Outcome != OutcomeNotModified || r.NewItems != 0 || r.Err != nil {
		t.Fatalf("second poll = %+v, want not-modified", r)
	}
	if notModified.Load() != 1 {
		t.Errorf("server sent %d 304s, want 1", notModified.Load())
	}
	st, _, _ = store.Source(t.Context(), "news")
	if st.ErrorStreak != 0 || st.LastResult != "not-modified" || !st.LastSuccess.Equal(clk.Now()) {
		t.Errorf("state after 304 = %+v", st)
	}
	if !st.NextPoll.Equal(clk.Now().Add(content.DefaultPollInterval)) {
		t.Errorf("NextPoll = %v, want now + interval", st.NextPoll)
	}
	if items, _ := store.Items(t.Context(), ItemQuery{}); len(items) != 2 {
		t.Errorf("store has %d items after 304, want 2", len(items))
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  int
		value func(now time.Time) string
		wait  time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, func(time.Time) string { return "7200" }, 2 * time.Hour},
		{"429 date", http.StatusTooManyRequests, func(now time.Time) string { return now.Add(3 * time.Hour).Format(http.TimeFormat) }, 3 * time.Hour},
		{"503 seconds", http.StatusServiceUnavailable, func(time.Time) string { return "5400" }, 90 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			var hits atomic.Int32
			var fail atomic.Bool
			fail.Store(true)
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if fail.Load() {
					w.Header().Set("Retry-After", tc.value(clk.Now()))
					w.WriteHeader(tc.code)
					return
				}
				serveString(rssDoc("x", 0, rssItem{Title: "a", GUID: "a"}))(w, r)
			}))
			p, store := newTestPoller(t, Options{Now: clk.Now, Rand: func() float64 { return 0 }},
				content.Source{Name: "busy", URL: srv.URL, Interval: 10 * time.Minute})

			r := pollOne(t, p)
			var se *StatusError
			if !errors.As(r.Err, &se) || se.Code != tc.code {
				t.Fatalf("first poll = %+v, want StatusError %d", r, tc.code)
			}
			want := testNow.Add(tc.wait)
			if !r.NextPoll.Equal(want) {
				t.Errorf("NextPoll = %v, want %v", r.NextPoll, want)
			}
			st, _, _ := store.Source(t.Context(), "busy")
			if !st.RetryAfterUntil.Equal(want) || st.ErrorStreak != 1 {
				t.Errorf("state = %+v", st)
			}

			// A manual refresh before then does not contact the upstream.
			fail.Store(false)
			clk.Advance(tc.wait - time.Minute)
			r = pollOne(t, p)
			if r.Outcome != OutcomeDeferred || hits.Load() != 1 {
				t.Fatalf("poll during Retry-After = %+v (hits %d), want deferred and no request", r, hits.Load())
			}
			if !strings.Contains(Results{r}.String(), "deferred (retry-after)") {
				t.Errorf("String() = %q", Results{r}.String())
			}

			clk.Advance(2 * time.Minute)
			r = pollOne(t, p)
			if r.Outcome != OutcomeOK || hits.Load() != 2 || r.NewItems != 1 {
				t.Fatalf("poll after Retry-After = %+v (hits %d)", r, hits.Load())
			}
			st, _, _ = store.Source(t.Context(), "busy")
			if !st.RetryAfterUntil.IsZero() || st.ErrorStreak != 0 || st.LastError != "" {
				t.Errorf("state after recovery = %+v", st)
			}
		})
	}
}

func TestServerErrorWithoutRetryAfter(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	clk := newClock()
	p, store := newTestPoller(t, Options{Now: clk.Now, Rand: func() float64 { return 0 }},
		content.Source{Name: "down", URL: srv.URL})
	r := pollOne(t, p)
	if r.Err == nil || r.Outcome != OutcomeError || !strings.HasPrefix(r.String(), "down: error: http 503") {
		t.Fatalf("result = %+v", r)
	}
	if !r.NextPoll.Equal(testNow.Add(content.DefaultPollInterval)) {
		t.Errorf("NextPoll = %v, want one interval (first error)", r.NextPoll)
	}
	// No Retry-After: a manual refresh may try again.
	if r := pollOne(t, p); r.Outcome == OutcomeDeferred {
		t.Errorf("second poll deferred without Retry-After")
	}
	st, _, _ := store.Source(t.Context(), "down")
	if st.ErrorStreak != 2 {
		t.Errorf("ErrorStreak = %d, want 2", st.ErrorStreak)
	}
}

func TestUpstreamDelayHints(t *testing.T) {
	date := testNow.Format(http.TimeFormat)
	for _, tc := range []struct {
		name   string
		header map[string]string
		ttl    int
		want   time.Duration
	}{
		{"nothing", nil, 0, time.Hour},
		{"max-age longer", map[string]string{"Cache-Control": "public, max-age=7200"}, 0, 2 * time.Hour},
		{"max-age minus age", map[string]string{"Cache-Control": "max-age=10800", "Age": "3600"}, 0, 2 * time.Hour},
		{"max-age shorter than interval", map[string]string{"Cache-Control": "max-age=60"}, 0, time.Hour},
		{"no-cache", map[string]string{"Cache-Control": "no-cache, max-age=99999"}, 0, time.Hour},
		{"expires", map[string]string{"Date": date, "Expires": testNow.Add(3 * time.Hour).Format(http.TimeFormat)}, 0, 3 * time.Hour},
		{"expires junk", map[string]string{"Expires": "0"}, 0, time.Hour},
		{"max-age beats expires", map[string]string{"Cache-Control": "max-age=9000", "Expires": testNow.Add(5 * time.Hour).Format(http.TimeFormat)}, 0, 150 * time.Minute},
		{"rss ttl", nil, 240, 4 * time.Hour},
		{"ttl and max-age: longest", map[string]string{"Cache-Control": "max-age=18000"}, 60, 5 * time.Hour},
		{"absurd max-age capped", map[string]string{"Cache-Control": "max-age=31536000"}, 0, DefaultMaxUpstreamDelay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				serveString(rssDoc("x", tc.ttl, rssItem{Title: "a", GUID: "a"}))(w, r)
			}))
			clk := newClock()
			p, _ := newTestPoller(t, Options{Now: clk.Now}, content.Source{Name: "s", URL: srv.URL, Interval: time.Hour})
			r := pollOne(t, p)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if got := r.NextPoll.Sub(testNow); got != tc.want {
				t.Errorf("next poll in %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompressedBodies(t *testing.T) {
	body := rssDoc("x", 0, rssItem{Title: "compressed", GUID: "c"})
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	bw := brotli.NewWriter(&br)
	bw.Write([]byte(body))
	bw.Close()
	for name, enc := range map[string][]byte{"gzip": gz.Bytes(), "br": br.Bytes()} {
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", name)
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(enc)
			}))
			p, store := newTestPoller(t, Options{}, content.Source{Name: "z", URL: srv.URL})
			if r := pollOne(t, p); r.Err != nil || r.NewItems != 1 {
				t.Fatalf("result = %+v", r)
			}
			items, _ := store.Items(t.Context(), ItemQuery{})
			if len(items) != 1 || items[0].Title != "compressed" {
				t.Errorf("items = %+v", items)
			}
		})
	}
}

func TestCompressionBombIsCapped(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zeros := make([]byte, 1<<20)
	for range 16 { // 16 MiB of zeros, about 16 KiB compressed
		zw.Write(zeros)
	}
	zw.Close()
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	}))
	p, _ := newTestPoller(t, Options{}, content.Source{Name: "bomb", URL: srv.URL})
	var r Result
	grew := heapGrowth(func() { r = pollOne(t, p) })
	if !errors.Is(r.Err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", r.Err)
	}
	if grew > memBound {
		t.Errorf("heap grew %d MiB, bound %d MiB", grew>>20, memBound>>20)
	}
	t.Logf("gzip bomb: heap growth %.1f MiB", float64(grew)/(1<<20))
}

func TestHostileEndlessBody(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("<rss><channel><title>"))
		chunk := bytes.Repeat([]byte("lorem ipsum "), 4096)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	p, store := newTestPoller(t, Options{}, content.Source{Name: "endless", URL: srv.URL})
	var r Result
	grew := heapGrowth(func() { r = pollOne(t, p) })
	if !errors.Is(r.Err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", r.Err)
	}
	if grew > memBound {
		t.Errorf("heap grew %d MiB, bound %d MiB", grew>>20, memBound>>20)
	}
	t.Logf("endless body: heap growth %.1f MiB (cap %d MiB)", float64(grew)/(1<<20), DefaultMaxBodySize>>20)
	st, _, _ := store.Source(t.Context(), "endless")
	if st.ErrorStreak != 1 || !strings.Contains(st.LastError, "too large") {
		t.Errorf("state = %+v", st)
	}
}

func TestHostileSlowDrip(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := w.Write([]byte("<")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}))
	// A second, healthy source polled at the same time must not wait.
	good := startServer(t, serveString(rssDoc("ok", 0, rssItem{Title: "fine", GUID: "1"})))
	p, _ := newTestPoller(t, Options{Timeout: 300 * time.Millisecond},
		content.Source{Name: "drip", URL: srv.URL}, content.Source{Name: "good", URL: good.URL})
	start := time.Now()
	rs := p.PollAll(t.Context())
	elapsed := time.Since(start)
	if rs[0].Err == nil {
		t.Fatalf("slow drip succeeded: %+v", rs[0])
	}
	if rs[1].Err != nil || rs[1].NewItems != 1 {
		t.Errorf("healthy source = %+v", rs[1])
	}
	if elapsed > 3*time.Second {
		t.Errorf("PollAll took %v with a 300ms timeout", elapsed)
	}
}

func TestHostileRedirectLoop(t *testing.T) {
	var hits atomic.Int32
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n%2), http.StatusFound)
	}))
	p, _ := newTestPoller(t, Options{}, content.Source{Name: "loop", URL: srv.URL + "/loop/0"})
	r := pollOne(t, p)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "redirects") {
		t.Fatalf("err = %v, want redirect limit", r.Err)
	}
	if n := hits.Load(); n != DefaultMaxRedirects+1 {
		t.Errorf("server saw %d requests, want %d", n, DefaultMaxRedirects+1)
	}
}

func TestRedirectFollowed(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/new", http.StatusMovedPermanently))
	mux.Handle("/new", serveString(`<rss version="2.0"><channel><title>t</title><item><title>rel</title><link>/posts/1</link></item></channel></rss>`))
	srv := startServer(t, mux)
	p, store := newTestPoller(t, Options{}, content.Source{Name: "moved", URL: srv.URL + "/old"})
	if r := pollOne(t, p); r.Err != nil {
		t.Fatal(r.Err)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	if len(items) != 1 || items[0].Link != srv.URL+"/posts/1" {
		t.Errorf("items = %+v; relative link should resolve against the final URL", items)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	max := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"120", testNow.Add(2 * time.Minute)},
		{"-5", time.Time{}},
		{"garbage", time.Time{}},
		{testNow.Add(time.Hour).Format(http.TimeFormat), testNow.Add(time.Hour)},
		{testNow.Add(-time.Hour).Format(http.TimeFormat), time.Time{}},
		{"99999999999", testNow.Add(max)},
		{testNow.Add(1000 * time.Hour).Format(http.TimeFormat), testNow.Add(max)},
	} {
		if got := retryAfter(tc.in, testNow, max); !got.Equal(tc.want) {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
