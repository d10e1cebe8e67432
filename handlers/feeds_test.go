package handlers

import (
	"bytes"
	stdgzip "compress/gzip"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/morningpost/morningpost/feed"
)

func TestFeedHeaders(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			path := spec.Path(f)
			rec := ts.get(path, http.StatusOK)
			h := rec.Header()
			want := map[string]string{
				"Content-Type":                f.ContentType(),
				"Vary":                        "Accept-Encoding",
				"X-Content-Type-Options":      "nosniff",
				"Access-Control-Allow-Origin": "*",
				"Cache-Control":               "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400",
				"Content-Length":              strconv.Itoa(rec.Body.Len()),
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %s = %q, want %q", path, k, got, v)
				}
			}
			if h.Get("Content-Encoding") != "" {
				t.Errorf("%s: Content-Encoding %q without Accept-Encoding", path, h.Get("Content-Encoding"))
			}
			if e := h.Get("Etag"); !strings.HasPrefix(e, `"`) || !strings.HasSuffix(e, `"`) || len(e) < 4 {
				t.Errorf("%s: ETag %q is not a strong quoted tag", path, e)
			}
			if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
				t.Errorf("%s: Last-Modified %q: %v", path, h.Get("Last-Modified"), err)
			}
			if h.Get("Expires") != "" {
				t.Errorf("%s: Expires set", path)
			}
		}
	}
	// Every feed's Last-Modified is the newest public change: issue 86.
	if lm := ts.get("/feed.atom", 200).Header().Get("Last-Modified"); lm != published86.Format(http.TimeFormat) {
		t.Errorf("Last-Modified = %q, want %q", lm, published86.Format(http.TimeFormat))
	}
}

func TestFeedEncodings(t *testing.T) {
	ts := newTestServer(t, fixture())
	plain := ts.get("/feed.atom", http.StatusOK)
	identity := plain.Body.Bytes()
	etags := map[string]string{"": plain.Header().Get("Etag")}

	decode := map[string]func(io.Reader) (io.Reader, error){
		"gzip": func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	tests := []struct {
		accept string
		want   string // Content-Encoding
	}{
		{"", ""},
		{"gzip", "gzip"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=1.0, gzip;q=0.8", "br"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0.0, gzip;q=0", ""},
		{"BR", "br"},
		{"x-gzip", "gzip"},
		{"*", "br"},
		{"*;q=0", ""},
		{"br;q=0, *", "gzip"},
		{"deflate", ""},
		{"identity", ""},
	}
	for _, tt := range tests {
		rec := ts.get("/feed.atom", http.StatusOK, "Accept-Encoding", tt.accept)
		h := rec.Header()
		if got := h.Get("Content-Encoding"); got != tt.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, got, tt.want)
			continue
		}
		if h.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", tt.accept, h.Get("Vary"))
		}
		if h.Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Accept-Encoding %q: Content-Length %s for %d bytes", tt.accept, h.Get("Content-Length"), rec.Body.Len())
		}
		if prev, ok := etags[tt.want]; ok && prev != h.Get("Etag") {
			t.Errorf("encoding %q: ETag changed between requests: %s, %s", tt.want, prev, h.Get("Etag"))
		}
		etags[tt.want] = h.Get("Etag")
		if tt.want == "" {
			continue
		}
		r, err := decode[tt.want](rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", tt.want, err)
		}
		if !bytes.Equal(got, identity) {
			t.Errorf("%s body does not decode to the identity bytes", tt.want)
		}
	}
	if etags[""] == etags["gzip"] || etags["gzip"] == etags["br"] || etags[""] == etags["br"] {
		t.Errorf("encodings share ETags: %v", etags)
	}
}

func TestFeedConditional(t *testing.T) {
	ts := newTestServer(t, fixture())
	first := ts.get("/feed.atom", http.StatusOK, "Accept-Encoding", "gzip")
	etag := first.Header().Get("Etag")
	lm := first.Header().Get("Last-Modified")
	lmTime, _ := http.ParseTime(lm)
	gzETag := etag
	idETag := ts.get("/feed.atom", http.StatusOK).Header().Get("Etag")

	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"If-None-Match", []string{"If-None-Match", etag}, 304},
		{"weak If-None-Match", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-None-Match list", []string{"If-None-Match", `"nope", ` + etag + `, "other"`}, 304},
		{"If-None-Match star", []string{"If-None-Match", "*"}, 304},
		{"If-None-Match other encoding", []string{"If-None-Match", idETag}, 200},
		{"If-None-Match stale", []string{"If-None-Match", `"stale"`}, 200},
		{"If-Modified-Since equal", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", lmTime.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", lmTime.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		// If-None-Match takes precedence over If-Modified-Since either way.
		{"stale ETag, fresh date", []string{"If-None-Match", `"stale"`, "If-Modified-Since", lm}, 200},
		{"fresh ETag, old date", []string{"If-None-Match", etag, "If-Modified-Since", lmTime.Add(-time.Hour).Format(http.TimeFormat)}, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				rec := ts.do(method, "/feed.atom", append([]string{"Accept-Encoding", "gzip"}, tt.header...)...)
				if rec.Code != tt.want {
					t.Fatalf("%s: status %d, want %d", method, rec.Code, tt.want)
				}
				if tt.want != http.StatusNotModified {
					continue
				}
				if rec.Body.Len() != 0 {
					t.Errorf("%s: 304 with a body of %d bytes", method, rec.Body.Len())
				}
				h := rec.Header()
				for k, v := range map[string]string{
					"Etag":          gzETag,
					"Cache-Control": first.Header().Get("Cache-Control"),
					"Vary":          "Accept-Encoding",
					"Last-Modified": lm,
				} {
					if h.Get(k) != v {
						t.Errorf("%s: 304 %s = %q, want %q", method, k, h.Get(k), v)
					}
				}
				if h.Get("Content-Length") != "" || h.Get("Content-Encoding") != "" {
					t.Errorf("%s: 304 has Content-Length %q, Content-Encoding %q", method, h.Get("Content-Length"), h.Get("Content-Encoding"))
				}
			}
		})
	}
}

// Caches must not keep a feed past the next scheduled publication, nor
// serve it stale while they revalidate it past then.
func TestFeedCacheControlCappedByPublication(t *testing.T) {
	ts := newTestServer(t, fixture())
	tests := []struct {
		now  time.Time
		want string
	}{
		{testNow, "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400"},
		{publish87.Add(-30 * time.Minute), "public, max-age=300, stale-while-revalidate=1500, stale-if-error=86400"},
		{publish87.Add(-90*time.Second - 500*time.Millisecond), "public, max-age=90, stale-while-revalidate=0, stale-if-error=86400"},
		{publish87.Add(-time.Millisecond), "public, max-age=0, stale-while-revalidate=0, stale-if-error=86400"},
		{publish87, "public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400"}, // nothing scheduled after 87
	}
	for _, tt := range tests {
		ts.clock.Set(tt.now)
		for _, path := range []string{"/feed.atom", "/issues/feed.rss", "/", "/feeds.opml", "/archive/2026/04/feed.atom"} {
			rec := ts.get(path, http.StatusOK)
			if got := rec.Header().Get("Cache-Control"); got != tt.want {
				t.Errorf("at %v %s: Cache-Control %q, want %q", tt.now, path, got, tt.want)
			}
			// The 304 says the same.
			rec = ts.get(path, http.StatusNotModified, "If-None-Match", rec.Header().Get("Etag"))
			if got := rec.Header().Get("Cache-Control"); got != tt.want {
				t.Errorf("at %v %s 304: Cache-Control %q, want %q", tt.now, path, got, tt.want)
			}
		}
	}
}

// A scheduled issue appears at its time in feeds and pages, without a
// restart, and not a moment before.
func TestScheduledIssueAppears(t *testing.T) {
	ts := newTestServer(t, fixture())
	check := func(at time.Time, public bool) {
		t.Helper()
		ts.clock.Set(at)
		for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.json", "/issues/feed.atom", "/sections/lead/feed.atom", "/", "/issues", "/sections/lead"} {
			body := ts.get(path, http.StatusOK, "Accept-Encoding", "identity").Body.String()
			if got := strings.Contains(body, scheduledTitle); got != public {
				t.Errorf("at %v: %s shows the scheduled issue: %v, want %v", at, path, got, public)
			}
		}
		want := http.StatusNotFound
		if public {
			want = http.StatusOK
		}
		ts.get("/issues/87", want)
		ts.get("/issues/87/scheduled", want)
	}
	check(testNow, false)
	check(publish87.Add(-time.Second), false)
	check(publish87.Add(-time.Nanosecond), false)
	check(publish87, true)
	check(publish87.Add(time.Hour), true)
}

// A feed fetched just before publication must not be answered 304 just after.
func TestPublicationChangesValidators(t *testing.T) {
	ts := newTestServer(t, fixture())
	ts.clock.Set(publish87.Add(-time.Second))
	before := ts.get("/feed.atom", http.StatusOK)
	ts.clock.Set(publish87)
	ts.get("/feed.atom", http.StatusOK, "If-None-Match", before.Header().Get("Etag"))
	ts.get("/feed.atom", http.StatusOK, "If-Modified-Since", before.Header().Get("Last-Modified"))
}

// 200 readers asking for a feed right after a content change cause one
// render per format.
func TestFeedThunderingHerd(t *testing.T) {
	ts := newTestServer(t, fixture())
	ts.get("/feed.atom", http.StatusOK) // warm the old content

	ts.fsys["issues/86/lead.md"].Data = bytes.Replace(ts.fsys["issues/86/lead.md"].Data, []byte("fascinating"), []byte("remarkable"), 1)
	if err := ts.live.Reload(); err != nil {
		t.Fatal(err)
	}
	before := ts.feeds.Stats()

	formats := []string{"/feed.atom", "/feed.rss", "/feed.json"}
	encodings := []string{"", "gzip", "br"}
	ts.getConcurrently(200, func(i int) (string, string) {
		return formats[i%len(formats)], encodings[i/len(formats)%len(encodings)]
	})
	after := ts.feeds.Stats()
	if renders := after.Renders - before.Renders; renders != uint64(len(formats)) {
		t.Errorf("200 concurrent requests rendered %d times, want once per format (%d)", renders, len(formats))
	}
	body := ts.get("/feed.atom", http.StatusOK).Body.String()
	contains(t, "/feed.atom after the change", body, "remarkable")
}

func TestFeedHEAD(t *testing.T) {
	ts := newTestServer(t, fixture())
	for _, path := range feedPaths() {
		for _, enc := range []string{"", "gzip", "br"} {
			get := ts.get(path, http.StatusOK, "Accept-Encoding", enc)
			head := ts.do(http.MethodHead, path, "Accept-Encoding", enc)
			if head.Code != http.StatusOK || head.Body.Len() != 0 {
				t.Errorf("HEAD %s (%s): status %d, %d body bytes", path, enc, head.Code, head.Body.Len())
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Etag", "Last-Modified", "Cache-Control", "Vary"} {
				if head.Header().Get(k) != get.Header().Get(k) {
					t.Errorf("HEAD %s (%s): %s = %q, GET has %q", path, enc, k, head.Header().Get(k), get.Header().Get(k))
				}
			}
		}
	}
}

// On a cache hit the feed handler allocates little: no rendering,
// compression or hashing happens.
func TestFeedHotPathCheap(t *testing.T) {
	ts := newTestServer(t, fixture())
	req, _ := http.NewRequest(http.MethodGet, "/feed.atom", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	w := &discardWriter{h: http.Header{}}
	ts.e.ServeHTTP(w, req)
	renders := ts.feeds.Stats().Renders
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		ts.e.ServeHTTP(w, req)
	})
	if ts.feeds.Stats().Renders != renders {
		t.Error("a cache hit rendered")
	}
	// The feed cache's key string and Echo's context are most of these.
	if allocs > 12 {
		t.Errorf("%.0f allocations per cached feed request", allocs)
	}
	t.Logf("%.1f allocations per cached feed request", allocs)
}

type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

func BenchmarkFeedCached(b *testing.B) {
	t := &testing.T{}
	ts := newTestServer(t, fixture())
	req, _ := http.NewRequest(http.MethodGet, "/feed.atom", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	w := &discardWriter{h: http.Header{}}
	ts.e.ServeHTTP(w, req) // render once, outside the loop
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		ts.e.ServeHTTP(w, req)
	}
}

// WebSub discovery (§4): the hubs and the feed's self URL in a Link
// header, on 200s and 304s, and only on subscription feeds.
func TestFeedLinkHeaders(t *testing.T) {
	fs := newFastServer(t, nil)
	c := rawClient()
	for _, addr := range []string{fs.plain, fs.fast} {
		ok := fetch(t, c, http.MethodGet, "http://"+addr+"/sections/lead/feed.json")
		want := `<https://hub.example/>; rel="hub", <https://hub2.example/websub>; rel="hub", <https://post.example/sections/lead/feed.json>; rel="self"`
		if got := ok.header.Get("Link"); got != want {
			t.Errorf("%s: Link %q, want %q", addr, got, want)
		}
		nm := fetch(t, c, http.MethodGet, "http://"+addr+"/sections/lead/feed.json", "If-None-Match", ok.header.Get("Etag"))
		if nm.status != 304 || nm.header.Get("Link") != want {
			t.Errorf("%s: 304 %d with Link %q", addr, nm.status, nm.header.Get("Link"))
		}
		for _, b := range []string{`"hubs":[{"type":"WebSub","url":"https://hub.example/"},{"type":"WebSub","url":"https://hub2.example/websub"}]`} {
			if !strings.Contains(string(ok.body), b) {
				t.Errorf("JSON Feed lacks %s", b)
			}
		}
	}
	atom := fetch(t, c, http.MethodGet, "http://"+fs.fast+"/feed.atom")
	rss := fetch(t, c, http.MethodGet, "http://"+fs.fast+"/feed.rss")
	if !strings.Contains(string(atom.body), `<link href="https://hub.example/" rel="hub"></link>`) ||
		!strings.Contains(string(rss.body), `<atom:link href="https://hub.example/" rel="hub"></atom:link>`) {
		t.Errorf("hub links missing:\n%s\n%s", atom.body[:1500], rss.body[:1500])
	}
	archive := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/archive/2026/04/feed.atom")
	if archive.status != 200 || archive.header.Get("Link") != "" || strings.Contains(string(archive.body), `rel="hub"`) {
		t.Errorf("archive %d names hubs: %q", archive.status, archive.header.Get("Link"))
	}
}

// Every cached answer, whatever its kind, has the one ETag formula of its
// bytes, feed.ETag, which the export's record uses too: a feed, a page,
// OPML, a picture, a static file, robots.txt.
func TestOneETagFormula(t *testing.T) {
	ts := newTestServer(t, imageFixture())
	for _, path := range []string{
		"/feed.atom", "/", "/issues/86", "/feeds.opml", "/sitemap.xml",
		imagePath(t, ts, 86, "chart.png"), imagePath(t, ts, 86, "logo.svg"),
		"/static/site.css", "/static/live.js", "/icon.png", "/robots.txt",
	} {
		rec := ts.get(path, http.StatusOK)
		if got, want := rec.Header().Get("Etag"), feed.ETag(sha256.Sum256(rec.Body.Bytes())); got != want {
			t.Errorf("%s: ETag %s, want feed.ETag of its bytes %s", path, got, want)
		}
	}
}
