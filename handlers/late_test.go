package handlers

import (
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
)

// newRecordedServer is newTestServer whose content is dated by a store's
// record and whose feeds are dated by its stamps, as serve runs them.
func newRecordedServer(t *testing.T, fsys fstest.MapFS, now time.Time) *testServer {
	t.Helper()
	return newRecordedServerAt(t, fsys, now, nil)
}

// newRecordedServerAt is newRecordedServer with the site's base URL
// replaced by base, when not nil.
func newRecordedServerAt(t *testing.T, fsys fstest.MapFS, now time.Time, base *url.URL) *testServer {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: now}
	ledger := store.NewLedger(db, clk.Now, nil)
	live, err := content.NewLive(fsys, content.LiveOptions{Record: ledger, Now: clk.Now, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	feeds := feed.NewIdentityCache(64 << 20)
	feeds.UseStamps(ledger)
	ts := &testServer{t: t, fsys: fsys, live: live, feeds: feeds, clock: clk}
	ts.e, err = New(Deps{Content: live, Feeds: feeds, Now: clk.Now, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// atomEntries are the IDs and published instants of an Atom document's
// entries, in document order.
type atomEntries struct {
	ids       []string
	published []time.Time
}

func parseAtomEntries(t *testing.T, body []byte) atomEntries {
	t.Helper()
	var doc struct {
		Entries []struct {
			ID        string `xml:"id"`
			Published string `xml:"published"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out atomEntries
	for _, e := range doc.Entries {
		p, err := time.Parse(time.RFC3339, e.Published)
		if err != nil {
			t.Fatalf("entry %s: published %q: %v", e.ID, e.Published, err)
		}
		out.ids = append(out.ids, e.ID)
		out.published = append(out.published, p)
	}
	return out
}

// newestFirst fails unless the entries are listed newest first.
func (a atomEntries) newestFirst(t *testing.T, what string) {
	t.Helper()
	for i := 1; i < len(a.published); i++ {
		if !a.published[i].Before(a.published[i-1]) {
			t.Errorf("%s: entry %d (%s, %v) is not older than the one before it (%s, %v)",
				what, i, a.ids[i], a.published[i], a.ids[i-1], a.published[i-1])
		}
	}
}

// An opinion column dropped into an old issue is dated when it went
// public: it is the newest entry of every subscription feed it belongs
// to, listed first, their Last-Modified moves so that a reader polling
// with If-Modified-Since sees it, and walking the archives finds it
// exactly once, in the month it went public; the archive of its issue's
// month keeps its bytes.
func TestLateArticleInAnOldIssue(t *testing.T) {
	t0 := archiveLast.Add(36 * time.Hour) // every issue is out
	ts := newRecordedServer(t, archiveFixture(t, 200), t0)
	late := ts.live.Content().Site.TagURI("issue-150/late")
	subs := []string{"/feed.atom", "/sections/opinion/feed.atom", "/tags/late-news/feed.atom", "/tags/model/feed.atom"}
	oldMonth := feed.Spec{Kind: feed.Articles}.ArchivePath(feed.Period{Year: 2026, Month: time.October}, feed.Atom)
	if ts.live.Content().Issue(150).Date.Month() != time.October {
		t.Fatalf("the fixture: issue 150 is dated %v, want October", ts.live.Content().Issue(150).Date)
	}
	before := map[string]string{}
	for _, p := range []string{subs[0], subs[1], oldMonth} {
		before[p] = ts.get(p, http.StatusOK).Header().Get("Last-Modified")
	}
	oldETag := ts.get(oldMonth, http.StatusOK).Header().Get("Etag")

	t1 := t0.Add(3 * time.Hour)
	ts.clock.Set(t1)
	ts.fsys["issues/150/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A Late Column\ntags: [late-news, model]\n---\nWritten after the issue went out.\n")}
	if err := ts.live.Reload(); err != nil {
		t.Fatal(err)
	}
	ts.clock.Set(t1.Add(time.Minute))

	for _, p := range subs {
		rec := ts.get(p, http.StatusOK)
		got := parseAtomEntries(t, rec.Body.Bytes())
		if len(got.ids) == 0 || got.ids[0] != late {
			t.Errorf("%s: first entry %v, want the late column %s", p, got.ids[:min(1, len(got.ids))], late)
			continue
		}
		if !got.published[0].Equal(t1) {
			t.Errorf("%s: the late column is published at %v, want %v", p, got.published[0], t1)
		}
		got.newestFirst(t, p)
		if old, ok := before[p]; ok {
			lm := rec.Header().Get("Last-Modified")
			if lm == old {
				t.Errorf("%s: Last-Modified %s did not move", p, lm)
			}
			// newsboat keeps the 200 only if its Last-Modified is newer.
			ts.get(p, http.StatusOK, "If-Modified-Since", old)
		}
	}

	// Walk the archives of every feed holding it: it is in one archive,
	// November's (when it went public), once.
	for _, spec := range []feed.Spec{{Kind: feed.Articles}, {Kind: feed.SectionFeed, Section: content.Opinion}} {
		var in []string
		for _, a := range feed.Archives(ts.live.Content().At(ts.clock.Now()), spec) {
			p := spec.ArchivePath(a.Period, feed.Atom)
			got := parseAtomEntries(t, ts.get(p, http.StatusOK).Body.Bytes())
			got.newestFirst(t, p)
			for _, id := range got.ids {
				if id == late {
					in = append(in, p)
				}
			}
		}
		want := spec.ArchivePath(feed.Period{Year: 2026, Month: time.November}, feed.Atom)
		if len(in) != 1 || in[0] != want {
			t.Errorf("%s: the late column is in the archives %v, want once, in %s", spec.Path(feed.Atom), in, want)
		}
	}
	rec := ts.get(oldMonth, http.StatusOK)
	if rec.Header().Get("Etag") != oldETag || rec.Header().Get("Last-Modified") != before[oldMonth] {
		t.Errorf("%s changed: the archive of the late column's issue must not", oldMonth)
	}
	if strings.Contains(rec.Body.String(), late) {
		t.Errorf("%s holds the late column", oldMonth)
	}
}

// Every subscription feed and archive lists its entries newest first,
// whichever issues they come from.
func TestFeedsListNewestFirst(t *testing.T) {
	ts := newRecordedServer(t, archiveFixture(t, 60), archiveLast.Add(36*time.Hour))
	// An article published later than its issue, by its front matter.
	ts.fsys["issues/40/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Pinned Later\npublished: 2026-11-25T20:00:00Z\ntags: [model]\n---\nLater.\n")}
	if err := ts.live.Reload(); err != nil {
		t.Fatal(err)
	}
	snap := ts.live.Content().At(ts.clock.Now())
	specs := append(feed.Specs(), feed.TagSpec("model"))
	for _, spec := range specs {
		p := spec.Path(feed.Atom)
		got := parseAtomEntries(t, ts.get(p, http.StatusOK).Body.Bytes())
		got.newestFirst(t, p)
		if spec.Kind == feed.Articles && (len(got.ids) == 0 || got.ids[0] != snap.Site.TagURI("issue-40/late")) {
			t.Errorf("%s: first entry is not the one published last", p)
		}
		if spec.Kind == feed.TagFeed {
			continue
		}
		for _, a := range feed.Archives(snap, spec) {
			p := spec.ArchivePath(a.Period, feed.Atom)
			parseAtomEntries(t, ts.get(p, http.StatusOK).Body.Bytes()).newestFirst(t, p)
		}
	}
}
