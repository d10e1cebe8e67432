package handlers

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// The embedded sample, issue #87, prints like the paper it came from.
func TestSampleIssue87(t *testing.T) {
	live, err := content.NewLive(content.Sample(), content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 25, 5, 0, 0, 0, time.UTC) // 06:00 in Manchester
	e, err := New(Deps{Content: live, Feeds: feed.NewCache(16 << 20), Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	rec := get("/issues/87")
	if rec.Code != http.StatusOK {
		t.Fatalf("/issues/87: %d", rec.Code)
	}
	contains(t, "/issues/87", rec.Body.String(),
		"The AI Morning Post",
		"Est. 2025 · Your Daily AI Intelligence Briefing · ",
		"Issue #87",
		"Artificial Intelligence • Machine Learning • Future Tech",
		"Saturday, 25 April 2026</time> · Manchester, United Kingdom · 6°C Cloudy",
		"Lead Story", "7/10", "Analysis", "Editor&#39;s Column", "Guest Column",
		"Weekend Innovation Metrics", "Tools of the Week", "Weekend Reading",
		`<span class="number" aria-hidden="true">04</span>`,
	)
	if strings.Count(rec.Body.String(), "<blockquote>") != 1 {
		t.Error("want the deep dive's pull quote as the one blockquote")
	}
	if rec := get("/issues/87/weekend-warriors"); rec.Code != http.StatusOK {
		t.Errorf("lead article: %d", rec.Code)
	}
	// A second before six, nothing is out.
	now = now.Add(-time.Second)
	if rec := get("/issues/87"); rec.Code != http.StatusNotFound {
		t.Errorf("/issues/87 before publication: %d", rec.Code)
	}
	contains(t, "/ before publication", get("/").Body.String(), "The first issue is on its way")
}
