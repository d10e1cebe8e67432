package site

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/handlers/page"
	"github.com/morningpost/morningpost/handlers/testcontent"
)

// deskPages are the templates only the editor's desk fills.
var deskPages = []string{"preview", "sources", "audience", "entries"}

// Every page template renders with its typed page struct, including the
// edge cases the fixture does not reach (nothing published yet).
func TestTemplatesRenderEveryPage(t *testing.T) {
	live, err := content.NewLive(testcontent.FS(), content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := &Site{static: mustStatic(t)}
	tmpl, err := page.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := live.At(testcontent.Now)
	empty := live.At(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	iss := snap.Latest()
	a := iss.Lead()
	pages := map[string][]any{
		"home": {
			homePage{Page: srv.NewPage(snap, "t", "/", ""), Latest: iss, Archive: snap.Issues},
			homePage{Page: srv.NewPage(empty, "t", "/", "")},
		},
		"archive": {
			archivePage{Page: srv.NewPage(snap, "t", "/issues", ""), Issues: snap.Issues},
			archivePage{Page: srv.NewPage(empty, "t", "/issues", "")},
		},
		"issue":   {issuePage{Page: srv.NewPage(snap, "t", iss.URLPath(), ""), Shown: iss, Prev: iss, Next: iss}},
		"article": {articlePage{Page: srv.NewPage(snap, "t", a.URLPath(), a.Section), Article: a, Others: iss.Articles[1:], Lists: []*content.List{iss.Tools}}},
		"section": {
			sectionPage{Page: srv.NewPage(snap, "t", "/sections/lead", content.Lead), Section: content.Lead, Articles: snap.Articles()},
			sectionPage{Page: srv.NewPage(snap, "t", "/sections/tools", content.Tools), Section: content.Tools, Lists: []issueList{{iss, iss.Tools}}},
			sectionPage{Page: srv.NewPage(empty, "t", "/sections/reading", content.Reading), Section: content.Reading},
		},
		"feeds":    {feedsPage{Page: srv.NewPage(snap, "t", "/feeds", "")}},
		"notfound": {notFoundPage{Page: srv.NewPage(empty, "t", "/", "")}},
		"feedview": {
			feedViewPage{Page: srv.NewPage(snap, "t", "/feeds/view/feed.atom", ""), Entries: []feedViewEntry{{Title: "t", Categories: []string{"c"}}}},
			feedViewPage{Page: srv.NewPage(empty, "t", "/feeds/view/feed.rss", "")},
		},
		"tag": {tagPage{Page: srv.NewPage(snap, "t", "/tags/open-source", ""), Tag: snap.Tag("open-source"), Articles: snap.Tag("open-source").Articles}},
		"tags": {
			tagsPage{Page: srv.NewPage(snap, "t", "/tags", ""), Tags: snap.Tags()},
			tagsPage{Page: srv.NewPage(empty, "t", "/tags", "")},
		},
		"search": {
			searchPage{Page: srv.NewPage(snap, "t", "/search", ""), Query: "q", Ran: true, Hits: []searchHit{{Hit: search.Hit{Article: a, Snippet: "<mark>s</mark>"}, Section: "Lead", URL: a.URLPath(), Status: content.StatusDraft}},
				Total: 11, Number: 1, Count: 2, From: 1, To: 10, Next: "/search?q=q&page=2", Formats: searchFeedLinks(snap.Site, "q")},
			searchPage{Page: srv.NewPage(empty, "t", "/search", ""), Query: "q", Problem: "p"},
			searchPage{Page: srv.NewPage(empty, "t", "/search", ""), Warming: true},
			searchPage{Page: srv.NewPage(empty, "t", "/search", ""), Script: "/static/search.js?v=1"},
		},
	}
	for _, name := range page.Names {
		if slices.Contains(deskPages, name) {
			continue // the desk's own (handlers/desk, TestTemplatesRenderDeskPages)
		}
		if len(pages[name]) == 0 {
			t.Errorf("page %q has no render test", name)
		}
		for i, data := range pages[name] {
			b, err := tmpl.Render(name, data)
			if err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			contains(t, name, string(b), `<link rel="canonical"`, `<link rel="alternate" type="application/atom+xml"`, `property="og:title"`, "</html>")
		}
	}
}

func mustStatic(t *testing.T) *staticFiles {
	s, err := page.LoadStatic()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}
