package store_test

import (
	"fmt"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

const slugSite = `title: The Post
base_url: https://post.example/
authority: post.example,2025
author:
  name: The Desk
`

// slugContent is a site with issue 1, out in January 2026, and a lead
// with the given front matter lines.
func slugContent(lead string) fstest.MapFS {
	return fstest.MapFS{
		"morningpost.yaml":      {Data: []byte(slugSite)},
		"issues/1/issue.md":     {Data: []byte("---\ndate: 2026-01-05\n---\n")},
		"issues/1/lead.md":      {Data: []byte("---\n" + lead + "\n---\nText.\n")},
		"issues/1/deep-dive.md": {Data: []byte("---\ntitle: A Deep Dive\n---\nMore.\n")},
	}
}

var slugNow = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

// served is the snapshot a server on db serves of fsys: a new Live, as
// after a restart.
func served(t *testing.T, fsys fstest.MapFS, db *store.DB) *content.Snapshot {
	t.Helper()
	live, err := content.NewLive(fsys, content.LiveOptions{Slugs: store.NewSlugs(db), Now: func() time.Time { return slugNow }})
	if err != nil {
		t.Fatal(err)
	}
	return live.At(slugNow)
}

func leadURL(s *content.Snapshot) string { return s.Issue(1).Lead().URLPath() }

func moved(s *content.Snapshot) []string {
	var out []string
	for _, m := range s.Moved() {
		out = append(out, m.From+" -> "+m.To)
	}
	return out
}

// A headline fixed after publication keeps the URL it went out under,
// across restarts; a slug: set on purpose becomes the URL, and every URL
// the article had answers 301 to it.
func TestSlugsKeepPublishedURL(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		fsys := slugContent("title: Teh Typo Headline")
		if got := leadURL(served(t, fsys, open())); got != "/issues/1/teh-typo-headline" {
			t.Fatalf("first publication: %s", got)
		}

		fsys["issues/1/lead.md"].Data = []byte("---\ntitle: The Fixed Headline\n---\nText.\n")
		s := served(t, fsys, open())
		if got := leadURL(s); got != "/issues/1/teh-typo-headline" {
			t.Errorf("after the headline was fixed: %s, want the URL it went out under", got)
		}
		if s.Issue(1).Lead().Title != "The Fixed Headline" || len(s.Moved()) != 0 {
			t.Errorf("title %q, moved %v", s.Issue(1).Lead().Title, moved(s))
		}
		// Without a store (morningpost check), the files alone say.
		c, err := content.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.At(slugNow).Issue(1).Lead().URLPath(); got != "/issues/1/the-fixed-headline" {
			t.Errorf("without a store: %s", got)
		}

		fsys["issues/1/lead.md"].Data = []byte("---\ntitle: The Fixed Headline\nslug: fixed\n---\nText.\n")
		s = served(t, fsys, open())
		if got := leadURL(s); got != "/issues/1/fixed" {
			t.Errorf("with slug: fixed: %s", got)
		}
		if a := s.Issue(1).Moved("teh-typo-headline"); a == nil || a.URLPath() != "/issues/1/fixed" {
			t.Errorf("the first URL is not moved to the new one: %v", a)
		}

		fsys["issues/1/lead.md"].Data = []byte("---\ntitle: The Fixed Headline\nslug: fixed-again\n---\nText.\n")
		s = served(t, fsys, open())
		want := []string{"/issues/1/fixed -> /issues/1/fixed-again", "/issues/1/teh-typo-headline -> /issues/1/fixed-again"}
		if got := moved(s); leadURL(s) != "/issues/1/fixed-again" || !slices.Equal(got, want) {
			t.Errorf("second slug: %s, moved %v, want %v", leadURL(s), got, want)
		}

		// slug: removed: the URL pinned at first publication again.
		fsys["issues/1/lead.md"].Data = []byte("---\ntitle: The Fixed Headline\n---\nText.\n")
		s = served(t, fsys, open())
		if got := leadURL(s); got != "/issues/1/teh-typo-headline" {
			t.Errorf("slug: removed: %s, want the pinned URL", got)
		}
		if len(s.Moved()) != 2 {
			t.Errorf("moved %v, want both slugs set by hand", moved(s))
		}
	})
}

// An article never takes a URL another article of its issue has had: it
// gets the first free -2, -3, …, pinned like any other, whether its slug
// comes from its title or a slug: of its own.
func TestSlugsNeverShared(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		fsys := slugContent("title: Weekend Warriors")
		served(t, fsys, open())
		// The lead is retitled (its URL stays) and a column comes with
		// the lead's old title; then one whose slug: is that column's.
		fsys["issues/1/lead.md"].Data = []byte("---\ntitle: Weekday Warriors\n---\nText.\n")
		fsys["issues/1/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Weekend Warriors!\n---\nLate.\n")}
		served(t, fsys, open())
		fsys["issues/1/later.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Another\nslug: weekend-warriors-2\n---\nLater.\n")}
		s := served(t, fsys, open())
		urls := map[string]string{}
		for _, a := range s.Issue(1).Articles {
			urls[a.Key] = a.URLPath()
		}
		want := map[string]string{
			"lead":      "/issues/1/weekend-warriors",
			"deep-dive": "/issues/1/a-deep-dive",
			"late":      "/issues/1/weekend-warriors-2",
			"later":     "/issues/1/weekend-warriors-2-2",
		}
		for k, u := range want {
			if urls[k] != u {
				t.Errorf("%s: %s, want %s", k, urls[k], u)
			}
		}
		// Pinned: the same after a restart.
		s = served(t, fsys, open())
		for _, a := range s.Issue(1).Articles {
			if a.URLPath() != want[a.Key] {
				t.Errorf("after a restart, %s: %s, want %s", a.Key, a.URLPath(), want[a.Key])
			}
		}
	})
}

// A store that fails after it was read keeps every URL it gave; an
// article it has never seen is public under its files' slug meanwhile,
// and the snapshot is built again soon.
func TestSlugsStoreDown(t *testing.T) {
	db := mustOpen(t, store.Options{Dir: t.TempDir()})
	fsys := slugContent("title: First Title")
	now := slugNow
	live, err := content.NewLive(fsys, content.LiveOptions{Slugs: store.NewSlugs(db), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if got := leadURL(live.At(now)); got != "/issues/1/first-title" {
		t.Fatalf("first: %s", got)
	}
	db.Close()
	fsys["issues/1/lead.md"].Data = []byte("---\ntitle: Second Title\n---\nText.\n")
	fsys["issues/1/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Late\n---\nLate.\n")}
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	s := live.At(now)
	if got := leadURL(s); got != "/issues/1/first-title" {
		t.Errorf("store down: %s, want the pinned URL", got)
	}
	if a := s.Issue(1).Article("late"); a == nil {
		t.Errorf("store down: the new column is not public under its files' slug")
	}
	now = now.Add(time.Minute)
	if live.At(now) == s {
		t.Errorf("a snapshot made without the store is not built again")
	}
}

// BenchmarkSnapshotWithSlugs is a new snapshot of a ten-year archive
// (3,650 issues, some 14,600 articles) after an edit of its newest
// issue: with the slugs of a store that has pinned every article, and
// without (the cost of the files alone).
func BenchmarkSnapshotWithSlugs(b *testing.B) {
	last := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	now := last.AddDate(0, 0, 2)
	fsys := fstest.MapFS{}
	for name, text := range content.Synthetic(3650, last) {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	sample := content.Sample()
	for _, name := range []string{"morningpost.yaml", "issues/87/issue.md", "issues/87/lead.md", "issues/87/deep-dive.md", "issues/87/editor.md", "issues/87/guest.md"} {
		data, err := fs.ReadFile(sample, name)
		if err != nil {
			b.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	lead := fsys["issues/3650/lead.md"].Data
	for _, withSlugs := range []bool{true, false} {
		name := "none"
		opts := content.LiveOptions{Now: func() time.Time { return now }}
		if withSlugs {
			name = "slugs"
			db, err := store.Open(b.Context(), store.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			opts.Slugs = store.NewSlugs(db)
		}
		b.Run(name, func(b *testing.B) {
			start := time.Now()
			live, err := content.NewLive(fsys, opts) // the first snapshot pins every article
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("first load and snapshot: %v", time.Since(start))
			i := 0
			for b.Loop() {
				i++
				fsys["issues/3650/lead.md"] = &fstest.MapFile{Data: append(slices.Clip(lead), fmt.Sprintf("\nEdit %d.\n", i)...)}
				if err := live.ReloadPaths([]string{"issues/3650/lead.md"}); err != nil {
					b.Fatal(err)
				}
				live.At(now)
			}
		})
	}
}
