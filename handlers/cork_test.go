package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/morningpost/morningpost/handlers/httpx"
)

// Feeds above the cork threshold go out corked on a real TCP connection:
// whole, with the headers right, over a kept-alive connection.
func TestCorkedFeedIsWhole(t *testing.T) {
	ts := newTestServer(t, fixture())
	srv := httptest.NewUnstartedServer(ts.e)
	srv.Config.ConnContext = httpx.ConnContext
	srv.Start()
	defer srv.Close()

	want := ts.get("/issues/feed.atom", http.StatusOK).Body.Bytes()
	if len(want) < httpx.CorkThreshold {
		t.Fatalf("the fixture's issues feed is %d bytes, too small to be corked", len(want))
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for i := range 3 { // the same connection, kept alive
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/issues/feed.atom", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		resp.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("request %d: %d bytes (%v), want the %d of the feed", i, len(got), err, len(want))
		}
	}
	// Identity, big enough to be corked too.
	resp, err := client.Get(srv.URL + "/issues/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, want) || resp.ContentLength != int64(len(want)) {
		t.Fatalf("identity: %d bytes, Content-Length %d, want %d", len(got), resp.ContentLength, len(want))
	}
}
