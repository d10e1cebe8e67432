package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// BenchmarkPreviewIssuePage is one request for a preview issue page.
func BenchmarkPreviewIssuePage(b *testing.B) {
	live, err := content.NewLive(content.Sample(), content.LiveOptions{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Deps{Content: live, Feeds: feed.NewCache(64 << 20), PreviewToken: testToken})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/preview/issues/87", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
