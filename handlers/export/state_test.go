package export

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morningpost/morningpost/feed"
)

// rendering is a handler that renders through a Renders, as the feed
// cache does, counting its renders.
type rendering struct {
	renders  feed.Renders
	rendered atomic.Int64
}

func (h *rendering) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bodies := map[string]string{"/": `<a href="/a">a</a> <a href="/feed.atom">feed</a>`, "/a": `<a href="/">home</a>`, "/feed.atom": `<feed/>`}
	types := map[string]string{"/": "text/html; charset=utf-8", "/a": "text/html; charset=utf-8", "/feed.atom": "application/atom+xml; charset=utf-8"}
	b, ok := bodies[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	key := "v1" + r.URL.Path
	resp, _ := h.renders.Load(key)
	if resp == nil {
		h.rendered.Add(1)
		resp = feed.IdentityResponse(types[r.URL.Path], []byte(b))
		resp.LastModified = time.Date(2026, 4, 25, 5, 0, 0, 0, time.UTC)
		h.renders.Store(key, r.URL.Path, resp)
	}
	w.Header().Set("Content-Type", resp.ContentType)
	w.Header().Set("Last-Modified", resp.LastModified.Format(http.TimeFormat))
	w.Write(resp.Identity.Bytes)
}

// An export reads back from its files what the last one rendered under
// the same keys and namespace, and renders again what it cannot trust:
// a file changed since, or another namespace.
func TestExportRendersReadBack(t *testing.T) {
	base, _ := url.Parse("https://x.example/")
	out := filepath.Join(t.TempDir(), "out")
	export := func(namespace string) (*Result, int64) {
		t.Helper()
		h := &rendering{}
		rs := NewRenders(out, namespace)
		h.renders = rs
		res, err := Export(t.Context(), out, Options{Handler: h, Base: base, Roots: []string{"/"}, Identity: true,
			Renders: rs, Namespace: namespace, Fallback: time.Date(2026, 4, 26, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return res, h.rendered.Load()
	}
	first, n := export("ns")
	if n != 3 || first.Documents != 3 {
		t.Fatalf("first export: %d renders of %d documents", n, first.Documents)
	}
	res, n := export("ns")
	if n != 0 || res.Wrote != 0 || res.Kept != first.Files {
		t.Fatalf("unchanged: %d renders, wrote %d, kept %d of %d", n, res.Wrote, res.Kept, first.Files)
	}

	// A file changed behind the export's back is not read back: its
	// document is rendered and the file written again, dated past the
	// change (its siblings with it).
	a := filepath.Join(out, "a.html")
	if err := os.WriteFile(a, []byte("defaced"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, n = export("ns")
	if b, _ := os.ReadFile(a); n != 1 || res.Wrote != 3 || string(b) != `<a href="/">home</a>` {
		t.Fatalf("after a change of a.html: %d renders, wrote %d, a.html %q", n, res.Wrote, b)
	}

	// Another program or site renders everything, and writes nothing
	// when the bytes are the same.
	res, n = export("other")
	if n != 3 || res.Wrote != 0 {
		t.Fatalf("another namespace: %d renders, wrote %d", n, res.Wrote)
	}
	// No namespace: nothing kept for the next.
	export("")
	if _, n = export(""); n != 3 {
		t.Fatalf("without a namespace: %d renders, want 3", n)
	}
}
