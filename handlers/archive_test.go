package handlers

import (
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// archiveLast is the date of the newest issue of archiveFixture.
var archiveLast = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// archiveFixture is the sample and synthetic issues: n issues, one a day
// up to archiveLast, with issue 87 on its printed date (April 2026), so
// the archive has months without issues.
func archiveFixture(t testing.TB, n int) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(content.Sample(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.Sample(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range content.Synthetic(n, archiveLast) {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

// feedDoc is what a walk needs of a feed document in any format.
type feedDoc struct {
	ids                          []string
	archive                      bool
	current, prev, next, nextURL string
}

func parseFeedDoc(t *testing.T, f feed.Format, body []byte) feedDoc {
	t.Helper()
	type link struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	}
	var d feedDoc
	links := func(ls []link) {
		for _, l := range ls {
			switch l.Rel {
			case "current":
				d.current = l.Href
			case "prev-archive":
				d.prev = l.Href
			case "next-archive":
				d.next = l.Href
			}
		}
	}
	switch f {
	case feed.Atom:
		var doc struct {
			Links   []link    `xml:"http://www.w3.org/2005/Atom link"`
			Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
			Entries []struct {
				ID string `xml:"id"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		links(doc.Links)
		d.archive = doc.Archive != nil
		for _, e := range doc.Entries {
			d.ids = append(d.ids, e.ID)
		}
	case feed.RSS:
		var doc struct {
			Channel struct {
				Links   []link    `xml:"http://www.w3.org/2005/Atom link"`
				Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
				Items   []struct {
					GUID string `xml:"guid"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		links(doc.Channel.Links)
		d.archive = doc.Channel.Archive != nil
		for _, e := range doc.Channel.Items {
			d.ids = append(d.ids, e.GUID)
		}
	case feed.JSON:
		var doc struct {
			NextURL string `json:"next_url"`
			Items   []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		d.nextURL = doc.NextURL
		for _, e := range doc.Items {
			d.ids = append(d.ids, e.ID)
		}
	}
	return d
}

// Walking prev-archive from each subscription feed, in every format,
// finds every published entry of the feed exactly once in the archives,
// and as many as /healthz counts.
func TestArchiveWalk(t *testing.T) {
	// Identity bytes only: compressing some 150 documents three ways is
	// most of the walk's time, and tells nothing of the archives
	// (TestArchiveThunderingHerd serves archives in every encoding).
	ts := newTestServerCache(t, archiveFixture(t, 150), feed.NewIdentityCache(64<<20))
	ts.clock.Set(archiveLast.Add(36 * time.Hour)) // every issue is out
	var h struct{ Issues, Articles int }
	if err := json.Unmarshal(ts.get("/healthz", http.StatusOK).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if h.Issues != 150 || h.Articles != 600 {
		t.Fatalf("healthz: %d issues, %d articles", h.Issues, h.Articles)
	}
	const base = "http://localhost:8080"
	path := func(u string) string {
		if !strings.HasPrefix(u, base+"/") {
			t.Fatalf("link %q is not an absolute URL of the site", u)
		}
		return strings.TrimPrefix(u, base)
	}
	want := map[string]int{ // entries each feed's walk must find
		"articles": h.Articles, "issues": h.Issues,
		"section/lead": h.Issues, "section/deep-dive": h.Issues, "section/opinion": 2 * h.Issues,
		"section/tools": h.Issues, "section/reading": h.Issues,
	}
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			t.Run(spec.String()+"/"+string(f), func(t *testing.T) {
				sub := parseFeedDoc(t, f, ts.get(spec.Path(f), http.StatusOK).Body.Bytes())
				if len(sub.ids) != 30 || sub.archive {
					t.Fatalf("subscription feed: %d entries, archive marker %v", len(sub.ids), sub.archive)
				}
				seen := map[string]string{}
				next, from := sub.prev, spec.Path(f)
				if f == feed.JSON {
					next = sub.nextURL
				}
				docs := 0
				for next != "" {
					p := path(next)
					rec := ts.get(p, http.StatusOK)
					d := parseFeedDoc(t, f, rec.Body.Bytes())
					docs++
					if f != feed.JSON {
						// Only a closed archive is marked: the open one still gains entries.
						if d.archive != (docs > 1) || path(d.current) != spec.Path(f) {
							t.Errorf("%s: archive marker %v, current %q", p, d.archive, d.current)
						}
						if docs > 1 && path(d.next) != from {
							t.Errorf("%s: next-archive %q, want %s", p, d.next, from)
						}
					}
					cc := rec.Header().Get("Cache-Control")
					if closed := docs > 1; closed != strings.Contains(cc, "max-age=2592000") {
						t.Errorf("%s (closed %v): Cache-Control %q", p, closed, cc)
					}
					if len(d.ids) == 0 {
						t.Errorf("%s: an archive without entries", p)
					}
					for _, id := range d.ids {
						if other, dup := seen[id]; dup {
							t.Errorf("%s in %s and %s", id, other, p)
						}
						seen[id] = p
					}
					next, from = d.prev, p
					if f == feed.JSON {
						next = d.nextURL
					}
					if docs > 100 {
						t.Fatal("the walk does not end")
					}
				}
				for _, id := range sub.ids {
					if seen[id] == "" {
						t.Errorf("%s of the subscription feed is in no archive", id)
					}
				}
				if len(seen) != want[spec.String()] {
					t.Errorf("the walk found %d entries in %d archives, want %d", len(seen), docs, want[spec.String()])
				}
			})
		}
	}

	// Months without entries and malformed periods are not found.
	for _, p := range []string{"/archive/2026/05/feed.atom", "/archive/2026/13/feed.atom", "/archive/26/04/feed.atom", "/issues/archive/2030/01/feed.rss"} {
		ts.get(p, http.StatusNotFound)
	}
	// A closed archive answers conditional requests like any feed.
	rec := ts.get("/archive/2026/04/feed.atom", http.StatusOK, "Accept-Encoding", "gzip")
	ts.get("/archive/2026/04/feed.atom", http.StatusNotModified, "Accept-Encoding", "gzip", "If-None-Match", rec.Header().Get("Etag"))
}

// 500 readers asking for every feed right after an edit of the newest
// issue cause one render per feed, format and document; the archives
// that do not hold the edited issue are not rendered again.
func TestArchiveThunderingHerd(t *testing.T) {
	ts := newTestServer(t, archiveFixture(t, 100))
	ts.clock.Set(archiveLast.Add(36 * time.Hour))
	var paths []string
	// One spec of each kind (every feed, the issues, a section): the
	// other sections are rendered by the same code, and each document is
	// rendered with its compressed forms, the test's cost.
	for _, spec := range feed.Specs()[:3] {
		for _, f := range feed.Formats {
			paths = append(paths, spec.Path(f), spec.ArchivePath(feed.Period{Year: 2026, Month: time.November}, f))
		}
	}
	old := "/archive/2026/09/feed.atom"
	for _, p := range append(paths, old) {
		ts.get(p, http.StatusOK) // warm the cache
	}

	lead := ts.fsys["issues/100/lead.md"]
	lead.Data = []byte(strings.Replace(string(lead.Data), "title: \"", "title: \"Corrected: ", 1))
	if err := ts.live.Reload(); err != nil {
		t.Fatal(err)
	}
	before := ts.feeds.Stats()
	ts.getConcurrently(500, func(i int) (string, string) {
		return paths[i%len(paths)], []string{"", "gzip", "br"}[i%3]
	})
	if renders := ts.feeds.Stats().Renders - before.Renders; renders != uint64(len(paths)) {
		t.Errorf("500 concurrent requests for %d documents rendered %d times", len(paths), renders)
	}
	contains(t, "/feed.atom after the edit", ts.get("/feed.atom", http.StatusOK).Body.String(), "Corrected: ")
	mid := ts.feeds.Stats().Renders
	ts.get(old, http.StatusOK)
	if ts.feeds.Stats().Renders != mid {
		t.Errorf("%s, which the edit does not touch, was rendered again", old)
	}
}

// Readers polling a daily feed every hour with conditional requests get
// a 304 whenever nothing was published: one 200 a day.
func TestPollTraffic(t *testing.T) {
	ts := newTestServer(t, archiveFixture(t, 120))
	start := archiveLast.AddDate(0, 0, -30).Add(7 * time.Minute) // 30 days of publications ahead
	var etag, lastMod string
	var full, notModified int
	for hour := range 30 * 24 {
		ts.clock.Set(start.Add(time.Duration(hour) * time.Hour))
		header := []string{"Accept-Encoding", "gzip"}
		if etag != "" {
			header = append(header, "If-None-Match", etag, "If-Modified-Since", lastMod)
		}
		rec := ts.do(http.MethodGet, "/feed.atom", header...)
		switch rec.Code {
		case http.StatusOK:
			full++
			etag, lastMod = rec.Header().Get("Etag"), rec.Header().Get("Last-Modified")
		case http.StatusNotModified:
			notModified++
		default:
			t.Fatalf("hour %d: status %d", hour, rec.Code)
		}
	}
	ratio := float64(notModified) / float64(full+notModified)
	t.Logf("%d polls: %d full, %d not modified (%.1f%%)", full+notModified, full, notModified, 100*ratio)
	if full != 31 || ratio < 0.95 { // the first poll, then one a day
		t.Errorf("%d full responses in 30 days of hourly polls (%.1f%% 304), want 31 (at least 95%%)", full, 100*ratio)
	}
}
