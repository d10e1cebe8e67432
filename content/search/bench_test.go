package search_test

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// The archive of the benchmarks: ten years, as `morningpost init
// --issues 3650` writes it (content.Synthetic, with the sample).
const benchIssues = 3650

var (
	benchOnce sync.Once
	benchSnap *content.Snapshot
)

func benchArchive(b *testing.B) *content.Snapshot {
	b.Helper()
	benchOnce.Do(func() {
		last := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		m := fstest.MapFS{}
		if err := fs.WalkDir(content.Sample(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(content.Sample(), p)
			m[p] = &fstest.MapFile{Data: data}
			return err
		}); err != nil {
			b.Fatal(err)
		}
		for name, body := range content.Synthetic(benchIssues, last) {
			m[name] = &fstest.MapFile{Data: []byte(body)}
		}
		c, err := content.Load(m)
		if err != nil {
			b.Fatal(err)
		}
		benchSnap = c.At(last.Add(48 * time.Hour))
		c.Prerender(b.Context()) // as serve does in the background: indexing then measures the index alone
	})
	return benchSnap
}

// Queries of each kind: common words of the synthetic text (each in
// thousands of articles, the worst case), a rare one, and phrases.
var benchQueries = map[string][]string{
	"one-word":    {"latency", "governance", "robustness", "safetensors", "distillation", "quantisation", "regulators", "throughput"},
	"rare-word":   {"safetensors", "GrayColor", "Julia", "minyan250", "lirpg"},
	"three-words": {"inference latency hardware", "open weights licence", "safety alignment policy", "distillation enterprise adoption", "speech models accuracy"},
	"phrase":      {`"open source"`, `"model distillation"`, `"inference chips"`, `"long context models"`, `"the research agenda"`},
}

func benchEngine(b *testing.B, name string) search.Engine {
	b.Helper()
	opts := store.Options{Dir: b.TempDir()}
	if name == "postgresql" {
		opts = store.Options{URL: storetest.PostgresURL(b)}
	}
	db, err := store.Open(b.Context(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return search.NewEngine(db)
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n << 10
		}
	}
	return 0
}

// BenchmarkSearch3650 measures, on each engine, at 3,650 issues (14,600
// articles): the build of the whole index (once per run: -benchtime=1x),
// its size and the memory it took, then the median and 99th percentile
// of each kind of query, as the search page runs them (ranked, the
// first page with snippets).
//
//	go test ./content/search -run '^$' -bench Search3650 -benchtime 1x
func BenchmarkSearch3650(b *testing.B) {
	snap := benchArchive(b)
	for _, engine := range []string{"sqlite", "postgresql"} {
		b.Run(engine, func(b *testing.B) {
			eng := benchEngine(b, engine)
			x := search.New(eng)
			b.Run("build", func(b *testing.B) {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				rssBefore := rss()
				start := time.Now()
				st, err := x.Sync(b.Context(), snap)
				if err != nil {
					b.Fatal(err)
				}
				build := time.Since(start)
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				size, _ := eng.Size(b.Context())
				b.ReportMetric(build.Seconds(), "build-s")
				b.ReportMetric(float64(st.Indexed), "articles")
				b.ReportMetric(float64(size)/(1<<20), "index-MiB")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MiB")
				b.ReportMetric(float64(rss()-rssBefore)/(1<<20), "rss-growth-MiB")
				// A second sync of the same content, as after a restart:
				// nothing is indexed again.
				again := search.New(eng)
				start = time.Now()
				if st, err := again.Sync(b.Context(), snap); err != nil || st.Indexed != 0 {
					b.Fatalf("restart: %+v, %v", st, err)
				}
				b.ReportMetric(time.Since(start).Seconds()*1000, "restart-sync-ms")
			})
			for _, kind := range []string{"one-word", "rare-word", "three-words", "phrase"} {
				b.Run(kind, func(b *testing.B) {
					var qs []*search.Query
					for _, s := range benchQueries[kind] {
						q, err := search.Parse(s)
						if err != nil {
							b.Fatal(err)
						}
						qs = append(qs, q)
					}
					var times []time.Duration
					for i := range 300 { // a sample for percentiles, whatever b.N
						q := qs[i%len(qs)]
						t0 := time.Now()
						if _, err := x.Search(b.Context(), snap, q, search.ByRelevance, 0, 10, true); err != nil {
							b.Fatal(err)
						}
						times = append(times, time.Since(t0))
					}
					slices.Sort(times)
					b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// BenchmarkStaticIndex3650 measures the index a static export searches
// in the browser, at 3,650 issues: its size, gzipped, and its build.
//
//	go test ./content/search -run '^$' -bench StaticIndex3650 -benchtime 1x
func BenchmarkStaticIndex3650(b *testing.B) {
	snap := benchArchive(b)
	var out []byte
	for b.Loop() {
		var err error
		out, err = search.StaticIndex(snap, snap.Site.SectionTitle)
		if err != nil {
			b.Fatal(err)
		}
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(out)
	w.Close()
	b.ReportMetric(float64(len(out))/(1<<20), "MiB")
	b.ReportMetric(float64(z.Len())/(1<<20), "gzip-MiB")
}
