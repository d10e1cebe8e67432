package handlers

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/andybalholm/brotli"
)

// HTML pages, OPML (and the sitemap) are compressed for clients that
// accept it, with an ETag per encoding and 304s, as feeds are.
func TestPagesCompressed(t *testing.T) {
	ts := newTestServer(t, fixture())
	decode := map[string]func(io.Reader) (io.Reader, error){
		"gzip": func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	for _, path := range append(compressedPaths(), "/issues/86", "/sections/lead") {
		plain := ts.get(path, http.StatusOK)
		etags := map[string]bool{plain.Header().Get("Etag"): true}
		for _, enc := range []string{"gzip", "br"} {
			rec := ts.get(path, http.StatusOK, "Accept-Encoding", enc)
			h := rec.Header()
			if h.Get("Content-Encoding") != enc {
				t.Errorf("%s, Accept-Encoding %s: Content-Encoding %q", path, enc, h.Get("Content-Encoding"))
				continue
			}
			if h.Get("Vary") != "Accept-Encoding" || h.Get("Content-Type") != plain.Header().Get("Content-Type") {
				t.Errorf("%s %s: Vary %q, Content-Type %q", path, enc, h.Get("Vary"), h.Get("Content-Type"))
			}
			if h.Get("Content-Length") != strconv.Itoa(rec.Body.Len()) || rec.Body.Len() >= plain.Body.Len() {
				t.Errorf("%s %s: Content-Length %s, %d bytes of %d", path, enc, h.Get("Content-Length"), rec.Body.Len(), plain.Body.Len())
			}
			etag := h.Get("Etag")
			if etags[etag] {
				t.Errorf("%s %s: ETag %s shared with another encoding", path, enc, etag)
			}
			etags[etag] = true
			r, err := decode[enc](bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, plain.Body.Bytes()) {
				t.Errorf("%s %s: decoded body differs from the identity body", path, enc)
			}
			nm := ts.get(path, http.StatusNotModified, "Accept-Encoding", enc, "If-None-Match", etag)
			if nm.Body.Len() != 0 || nm.Header().Get("Etag") != etag {
				t.Errorf("%s %s: 304 with %d bytes, ETag %q", path, enc, nm.Body.Len(), nm.Header().Get("Etag"))
			}
			// The gzip ETag does not validate the identity body.
			ts.get(path, http.StatusOK, "If-None-Match", etag)
		}
		if h := plain.Header(); h.Get("Content-Encoding") != "" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: identity answer has Content-Encoding %q, nosniff %q", path, h.Get("Content-Encoding"), h.Get("X-Content-Type-Options"))
		}
	}
	if h := ts.get("/", http.StatusOK).Header(); h.Get("Content-Security-Policy") == "" || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("page headers: CSP %q, CORS %q", h.Get("Content-Security-Policy"), h.Get("Access-Control-Allow-Origin"))
	}
	if h := ts.get("/feeds.opml", http.StatusOK).Header(); h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OPML CORS %q", h.Get("Access-Control-Allow-Origin"))
	}
}

// compressedPaths are the documents besides feeds served compressed.
func compressedPaths() []string { return []string{"/", "/issues", "/feeds", "/feeds.opml"} }

// A page is built once per snapshot, through the render cache, and
// again for a new one.
func TestPageBuiltOncePerSnapshot(t *testing.T) {
	ts := newTestServer(t, fixture())
	renders := func() uint64 { return ts.feeds.Stats().Renders }
	for range 3 {
		ts.get("/", http.StatusOK)
	}
	if n := renders(); n != 1 {
		t.Errorf("%d renders of one page in one snapshot, want 1", n)
	}
	entries := ts.feeds.Stats().Entries
	ts.clock.Set(publish87)
	ts.get("/", http.StatusOK)
	if n := renders(); n != 2 {
		t.Errorf("a new snapshot: %d renders, want 2", n)
	}
	if n := ts.feeds.Stats().Entries; n != entries {
		t.Errorf("%d entries after the page's new version, want %d: the old one stays", n, entries)
	}
}
