package httpx

import (
	"bytes"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
)

// The block both paths write is in net/http's order, field for field:
// what the fast path puts on the wire is what net/http writes from the
// header map Write fills, for feeds and pages, 200s and 304s.
func TestFeedHeaderIsNetHTTPsBlock(t *testing.T) {
	rFeed := testFeed(t)
	rPage, err := feed.Compressed("text/html; charset=utf-8", []byte("<p>page</p>"))
	if err != nil {
		t.Fatal(err)
	}
	rPage.Prepare(http.Header{"Content-Security-Policy": {"default-src 'none'"}, "Vary": {"Accept-Encoding, Cookie"}, "Access-Control-Allow-Origin": AnyOrigin}, "")
	cc := []string{"public, max-age=60"}
	for name, r := range map[string]*feed.Response{"feed": rFeed, "page": rPage} {
		for _, status := range []int{http.StatusOK, http.StatusNotModified} {
			for _, b := range []*feed.Body{&r.Identity, &r.Gzip, &r.Brotli} {
				var block [MaxFields]Field
				fs := Block(block[:0], r, b, status, cc, VaryAcceptEncoding, true)
				h := http.Header{}
				SetFields(h, fs)
				var want bytes.Buffer
				if err := h.Write(&want); err != nil {
					t.Fatal(err)
				}
				if got := AppendFields(nil, fs); !bytes.Equal(got, want.Bytes()) {
					t.Errorf("%s %d: the wire block\n%s\nis not net/http's\n%s", name, status, got, want.Bytes())
				}
				_, hasLength := h["Content-Length"]
				if hasLength != (status == http.StatusOK) || h.Get("Etag") != b.ETag || h.Get("Cache-Control") != cc[0] {
					t.Errorf("%s %d: header %v", name, status, h)
				}
			}
		}
	}
}

// A 429 has a header block of its own: about no document, so no
// validators, encoding, length or CORS, but the feed's Link and Vary.
// A 304 is answered whatever the limit, and a HEAD is never counted.
func TestWriteTooManyRequests(t *testing.T) {
	r := testFeed(t)
	now := r.LastModified
	a := Answer{CacheControl: r.Header.CacheControl, Limiter: NewLimiter(1, func() time.Time { return now }), LimitKey: "/feed.atom"}
	e := echo.New()
	do := func(method string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/feed.atom", nil)
		req.RemoteAddr = "192.0.2.1:4000"
		req.Header.Set("Accept-Encoding", "gzip")
		for i := 0; i < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		if err := Write(e.NewContext(req, rec), r, a); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if rec := do(http.MethodGet); rec.Code != http.StatusOK {
		t.Fatalf("first download: %d", rec.Code)
	}
	if rec := do(http.MethodHead); rec.Code != http.StatusOK {
		t.Errorf("HEAD over the limit: %d, want 200 (a HEAD is not counted)", rec.Code)
	}
	if rec := do(http.MethodGet, "If-None-Match", r.Gzip.ETag); rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET over the limit: %d, want 304", rec.Code)
	}
	rec := do(http.MethodGet)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second download: %d, want 429", rec.Code)
	}
	h := rec.Header()
	want := []string{"Cache-Control", "Content-Type", "Link", "Retry-After", "Vary", "X-Content-Type-Options"}
	if got := slices.Sorted(maps.Keys(h)); !slices.Equal(got, want) {
		t.Errorf("429 header names %v, want %v", got, want)
	}
	if h.Get("Cache-Control") != "no-store" || h.Get("Retry-After") != "3600" || h.Get("Vary") != "Accept-Encoding" ||
		h.Get("Link") != r.Link || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("429 header %v", h)
	}
}

// testFeed is a compressed feed with a date, a hub and a default
// Cache-Control.
func testFeed(t *testing.T) *feed.Response {
	t.Helper()
	r, err := feed.Compressed("application/atom+xml; charset=utf-8", []byte("<feed/>"))
	if err != nil {
		t.Fatal(err)
	}
	r.LastModified = time.Date(2026, 4, 25, 6, 0, 0, 0, time.UTC)
	r.Link = `<https://hub.example/>; rel="hub"`
	r.Prepare(nil, "public, max-age=300")
	return r
}
