package httpx

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/morningpost/morningpost/feed"
)

// The block both paths write is in net/http's order, field for field:
// what the fast path puts on the wire is what net/http writes from the
// header map Write fills, for feeds and pages, 200s and 304s.
func TestFeedHeaderIsNetHTTPsBlock(t *testing.T) {
	rFeed, err := feed.Compressed("application/atom+xml; charset=utf-8", []byte("<feed/>"))
	if err != nil {
		t.Fatal(err)
	}
	rFeed.LastModified = time.Date(2026, 4, 25, 6, 0, 0, 0, time.UTC)
	rFeed.Link = `<https://hub.example/>; rel="hub"`
	rFeed.Prepare(nil, "public, max-age=300")
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
