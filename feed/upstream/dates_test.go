package upstream

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
)

// Upstream dates before 1678 used to wrap round when stored and come out
// in 2184 or 2261, on top of every list. A date before the Unix epoch is
// no date (the item is dated by its other date, else by its first
// fetch); one in the future is the poll's time; none is later than the
// poll once read back, on either engine (TestStoreOnPostgreSQL).
func TestUpstreamDatesNeverOverflow(t *testing.T) {
	ancient := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	items := []rssItem{
		{Title: "Ancient", GUID: "a", Pub: ancient},
		{Title: "Before the epoch", GUID: "b", Pub: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)},
		{Title: "Far future", GUID: "c", Pub: testNow.AddDate(300, 0, 0)},
		{Title: "Yesterday", GUID: "d", Pub: testNow.Add(-24 * time.Hour)},
	}
	doc := rssDoc("dates", 0, items...)
	// An Atom entry whose <updated> is ancient and <published> sane.
	atom := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><id>urn:a</id><updated>2026-04-24T00:00:00Z</updated>
<entry><title>Atom ancient update</title><id>urn:e</id><published>2026-04-23T00:00:00Z</published><updated>1492-10-12T00:00:00Z</updated></entry></feed>`
	rss, at := startServer(t, serveString(doc)), startServer(t, serveString(atom))
	clk := newClock()
	p, st := newTestPoller(t, Options{Now: clk.Now},
		content.Source{Name: "rss", URL: rss.URL}, content.Source{Name: "atom", URL: at.URL})
	if err := p.PollAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := st.Items(t.Context(), ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]Item{}
	for _, it := range got {
		byTitle[it.Title] = it
		if it.Date().After(testNow) || it.Published.After(testNow) || it.Updated.After(testNow) {
			t.Errorf("%q dated %v (published %v, updated %v), after the poll at %v", it.Title, it.Date(), it.Published, it.Updated, testNow)
		}
	}
	for title, want := range map[string]time.Time{
		"Ancient":             {},
		"Before the epoch":    {},
		"Far future":          testNow,
		"Yesterday":           testNow.Add(-24 * time.Hour),
		"Atom ancient update": time.Date(2026, 4, 23, 0, 0, 0, 0, time.UTC),
	} {
		it, ok := byTitle[title]
		if !ok {
			t.Errorf("%q not stored; have %v", title, titles(got))
			continue
		}
		if !it.Published.Equal(want) {
			t.Errorf("%q published %v, want %v", title, it.Published, want)
		}
	}
	if u := byTitle["Atom ancient update"].Updated; !u.IsZero() {
		t.Errorf("an ancient <updated> stored as %v, want no date", u)
	}
	if d := byTitle["Ancient"].Date(); !d.Equal(testNow) {
		t.Errorf("an undated item is dated %v, want its first fetch %v", d, testNow)
	}
}

// The store holds any time without wrapping: order is kept, and a time
// within 1678–2262 comes back as it went in.
func TestToDBSaturates(t *testing.T) {
	times := []time.Time{
		time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), minDB, minDB.Add(time.Nanosecond),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC), testNow, maxDB, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(99999, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		if toDB(times[i-1]) > toDB(times[i]) {
			t.Errorf("toDB(%v) = %d > toDB(%v) = %d", times[i-1], toDB(times[i-1]), times[i], toDB(times[i]))
		}
	}
	for _, tm := range []time.Time{minDB, testNow, maxDB} {
		if back := fromDB(toDB(tm)); !back.Equal(tm) {
			t.Errorf("%v came back as %v", tm, back)
		}
	}
}

// FuzzItemDate: whatever date an upstream writes, in RSS or Atom, the
// stored date is none or lies after the epoch and not after the poll, and
// survives the store unchanged.
func FuzzItemDate(f *testing.F) {
	for _, s := range []string{
		"Sat, 01 Jan 1600 00:00:00 +0000", "Mon, 02 Jan 2006 15:04:05 -0700", "1492-10-12T00:00:00Z",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "Thu, 01 Jan 1970 00:00:00 GMT", "2262-04-11T23:47:16.854775808Z",
		"1677-09-21T00:12:43.145224191Z", "2026-04-25T05:59:59Z", "not a date", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, date string) {
		date = strings.NewReplacer("<", "", "&", "", "]]>", "").Replace(date)
		docs := []string{
			fmt.Sprintf(`<rss version="2.0"><channel><title>t</title><item><guid>g</guid><title>x</title><pubDate>%s</pubDate></item></channel></rss>`, date),
			fmt.Sprintf(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>g</id><title>x</title><published>%s</published><updated>%s</updated></entry></feed>`, date, date),
		}
		s := newSanitizer()
		for _, doc := range docs {
			pf, err := parse([]byte(doc), "")
			if err != nil || len(pf.feed.Items) == 0 {
				continue
			}
			it := s.cleanItem("s", pf.feed.Items[0], nil, testNow)
			for name, d := range map[string]time.Time{"published": it.Published, "updated": it.Updated, "date": it.Date()} {
				if d.IsZero() {
					continue
				}
				if !d.After(minItemDate) || d.After(testNow) {
					t.Errorf("%q: %s %v, outside (%v, %v]", date, name, d, minItemDate, testNow)
				}
				if back := fromDB(toDB(d)); !back.Equal(d) {
					t.Errorf("%q: %s %v stored and read back as %v", date, name, d, back)
				}
			}
		}
	})
}
