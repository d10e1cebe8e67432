package handlers

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/page"
)

// previewArchive is the sample plus n-1 generated issues, the newest a draft.
func previewArchive(b *testing.B, n int) (*server, int) {
	b.Helper()
	m := fstest.MapFS{}
	sample := content.Sample()
	_ = fs.WalkDir(sample, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(sample, p)
			m[p] = &fstest.MapFile{Data: data}
		}
		return err
	})
	last := time.Date(2026, 4, 24, 0, 0, 0, 0, time.UTC)
	for name, body := range content.Synthetic(n, last) {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	live, err := content.NewLive(m, content.LiveOptions{})
	if err != nil {
		b.Fatal(err)
	}
	s := &server{content: live, now: time.Now, static: mustStaticB(b)}
	if s.preview, err = s.newPreviewDesk(testToken, nil); err != nil {
		b.Fatal(err)
	}
	return s, live.Content().Issues[0].Number
}

func mustStaticB(b *testing.B) *staticFiles {
	s, err := page.LoadStatic()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPreviewEntries is the cost of "what readers will see" for the
// newest issue of an archive when the content has just changed (no cached
// entries): every entry rendered in three formats.
func BenchmarkPreviewEntries(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(strconv.Itoa(n)+"-issues", func(b *testing.B) {
			s, num := previewArchive(b, n)
			snap := s.content.Content().Preview()
			iss := snap.Issue(num)
			for b.Loop() {
				if _, err := s.entryViews(snap.Only(num), iss); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

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
