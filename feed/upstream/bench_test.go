package upstream

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
)

// BenchmarkPoll500NotModified polls 500 sources that all answer 304, as a
// manual refresh of a large, quiet configuration does. It reports the peak
// number of goroutines, which must stay bounded by the concurrency limit
// (plus connections), not grow with the number of sources.
func BenchmarkPoll500NotModified(b *testing.B) {
	srv := startServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"same"`)
		w.WriteHeader(http.StatusNotModified)
	}))
	sources := make([]content.Source, 500)
	for i := range sources {
		sources[i] = content.Source{Name: fmt.Sprintf("source-%03d", i), URL: fmt.Sprintf("%s/feed/%d.xml", srv.URL, i)}
	}
	p, _ := newTestPoller(b, Options{}, sources...)

	base := runtime.NumGoroutine()
	numGoroutine := func() uint64 { return uint64(runtime.NumGoroutine()) }
	peak := int(peakDuring(uint64(base), numGoroutine, func() {
		for b.Loop() {
			rs := p.PollAll(b.Context())
			for _, r := range rs {
				if r.Outcome != OutcomeNotModified {
					b.Fatalf("%s: %s", r.Source, r.Outcome)
				}
			}
		}
	}))
	b.ReportMetric(float64(peak), "peak-goroutines")
	b.ReportMetric(float64(peak-base), "added-goroutines")
	// Each poll in flight costs a handful of goroutines (worker, client
	// connection loops, server connection, database/sql context watchers):
	// the bound follows Concurrency, not the 500 sources.
	if limit := 16 * DefaultConcurrency; peak-base > limit {
		b.Errorf("goroutines grew by %d during PollAll, want at most %d", peak-base, limit)
	}
}

// BenchmarkParseSample measures normalise + guard + parse + clean of the
// sample feed.
func BenchmarkParseSample(b *testing.B) {
	body := []byte(rssDoc("bench", 0, benchItems(100)...))
	s := newSanitizer()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		pf, err := parse(body, "")
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range pf.feed.Items {
			s.cleanItem("bench", it, nil, testNow)
		}
	}
}

func benchItems(n int) []rssItem {
	items := make([]rssItem, n)
	for i := range items {
		items[i] = rssItem{
			Title:       fmt.Sprintf("Item %d", i),
			Link:        fmt.Sprintf("https://example.com/%d", i),
			GUID:        fmt.Sprint(i),
			Description: `<p>Some <b>HTML</b> with <a href="/rel">a link</a> and an <img src="x.png" onerror="x()"> image.</p>`,
			Pub:         testNow.Add(-time.Duration(i) * time.Hour),
		}
	}
	return items
}
