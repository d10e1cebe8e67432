package audience

import (
	"bytes"
	"context"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/morningpost/morningpost/content/store"
)

var feeds = []string{"/feed.atom", "/feed.rss", "/issues/feed.atom"}

// clock is a settable Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// counterAt is a counter of feeds in London time, its clock at now.
func counterAt(t *testing.T, now time.Time, st *Store, opts ...func(*Options)) (*Counter, *clock) {
	t.Helper()
	clk := &clock{t: now}
	loc := london(t)
	o := Options{Feeds: feeds, Location: func() *time.Location { return loc }, Store: st, Now: clk.Now}
	for _, f := range opts {
		f(&o)
	}
	return NewCounter(o), clk
}

// poll counts one response of feed at the counter's clock.
func poll(c *Counter, clk *clock, feed, addr, ua string, status int, head bool, size int64) {
	c.Count(&Response{Feed: c.Feed(feed), Time: clk.t, Head: head, Status: status, Bytes: size, Client: netip.MustParseAddr(addr), UserAgent: ua})
}

func today(t *testing.T, c *Counter) Day {
	t.Helper()
	days, err := c.History(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return days[len(days)-1]
}

var noon = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestCountingRules(t *testing.T) {
	c, clk := counterAt(t, noon, nil)
	const (
		newsboat = "newsboat/2.30.1 (Linux x86_64)"
		nnw      = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
	)
	// One newsboat polling every few minutes: one subscriber.
	for range 5 {
		poll(c, clk, "/feed.atom", "192.0.2.1", newsboat, 304, false, 0)
		clk.t = clk.t.Add(5 * time.Minute)
	}
	poll(c, clk, "/feed.atom", "192.0.2.1", newsboat, 200, false, 1000)
	// The same reader program at another address, and another program
	// at the first address: two more.
	poll(c, clk, "/feed.atom", "192.0.2.2", newsboat, 200, false, 1000)
	poll(c, clk, "/feed.atom", "192.0.2.1", nnw, 200, false, 1000)
	// IPv6: one host's addresses within a /64 are the caller's business
	// (it passes the /64); distinct addresses are distinct.
	poll(c, clk, "/feed.atom", "2001:db8::1", nnw, 200, false, 1000)
	// Feedly reports its figure: the latest of the day counts, per feed id.
	poll(c, clk, "/feed.atom", "198.51.100.1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 100 subscribers; feed-id=a)", 200, false, 1000)
	poll(c, clk, "/feed.atom", "198.51.100.2", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; feed-id=a)", 304, false, 0)
	poll(c, clk, "/feed.atom", "198.51.100.3", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 7 subscribers; feed-id=b)", 304, false, 0)
	poll(c, clk, "/feed.atom", "198.51.100.1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 120 subscribers; feed-id=a)", 304, false, 0)
	// Never subscribers: HEAD, 429, errors, bots.
	poll(c, clk, "/feed.atom", "192.0.2.9", "curl/8.5.0", 200, true, 0)
	poll(c, clk, "/feed.atom", "192.0.2.10", "Wget/1.21", 429, false, 90)
	poll(c, clk, "/feed.atom", "192.0.2.11", "Feedly/1.0 (999 subscribers)", 500, false, 15)
	poll(c, clk, "/feed.atom", "192.0.2.12", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 200, false, 1000)
	poll(c, clk, "/feed.atom", "192.0.2.13", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", 304, false, 0)
	// Another feed counts apart; a path that is no subscription feed not at all.
	poll(c, clk, "/feed.rss", "192.0.2.1", newsboat, 200, false, 500)
	c.Count(&Response{Feed: c.Feed("/issues/87"), Time: clk.t, Status: 200, Client: netip.MustParseAddr("192.0.2.1"), UserAgent: newsboat})

	d := today(t, c)
	if d.Date != "2026-12-01" {
		t.Errorf("date %s", d.Date)
	}
	atom := d.Feeds["/feed.atom"]
	if atom == nil {
		t.Fatalf("no /feed.atom in %+v", d.Feeds)
	}
	want := FeedDay{
		Subscribers: 4 + 120 + 7,
		Requests:    7 + 2 + 4 + 5, // newsboat, NetNewsWire, Feedly, the rest
		NotModified: 5 + 3 + 1,
		Bytes:       6*1000 + 90 + 15,
		Full:        6,              // newsboat ×2, NetNewsWire ×2, Feedly, Googlebot
		BytesSaved:  9 * (6105 / 6), // the mean body of the day, errors included
	}
	if *atom != want {
		t.Errorf("/feed.atom\n got %+v\nwant %+v", *atom, want)
	}
	if rss := d.Feeds["/feed.rss"]; rss == nil || rss.Subscribers != 1 || rss.Requests != 1 || rss.Bytes != 500 {
		t.Errorf("/feed.rss %+v", rss)
	}
	if len(d.Feeds) != 2 {
		t.Errorf("feeds %v", d.Feeds)
	}
	wantReaders := map[string]int64{"newsboat": 3, "NetNewsWire": 2, "Feedly": 127}
	if !mapsEqual(d.Readers, wantReaders) {
		t.Errorf("readers %v, want %v", d.Readers, wantReaders)
	}
	if d.Subscribers != 132 || d.Requests != 19 || d.NotModified != 9 {
		t.Errorf("day %+v", d)
	}
	if d.Bots["Googlebot"] != 1 || d.Bots["UptimeRobot"] != 1 {
		t.Errorf("bots %v", d.Bots)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDays: a day is the site's, and the next day counts afresh: the
// same reader is a subscriber again, under a new key.
func TestDays(t *testing.T) {
	// 23:30 in London (GMT in December) on 1 December.
	c, clk := counterAt(t, time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC), nil)
	poll(c, clk, "/feed.atom", "192.0.2.1", "newsboat/2.30", 200, false, 10)
	seed := c.day.seed
	clk.t = clk.t.Add(time.Hour) // 00:30 on 2 December
	poll(c, clk, "/feed.atom", "192.0.2.1", "newsboat/2.30", 304, false, 0)
	poll(c, clk, "/feed.atom", "192.0.2.1", "newsboat/2.30", 304, false, 0)
	if c.day.seed == seed {
		t.Error("the key was not replaced with the day")
	}
	days, err := c.History(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Three days asked, three given: the first, before any count, as zeros.
	if len(days) != 3 || days[0].Date != "2026-11-30" || days[1].Date != "2026-12-01" || days[2].Date != "2026-12-02" {
		t.Fatalf("days %+v", days)
	}
	for i, want := range []struct{ subs, reqs int64 }{{0, 0}, {1, 1}, {1, 2}} {
		if days[i].Subscribers != want.subs || days[i].Requests != want.reqs {
			t.Errorf("%s: %+v", days[i].Date, days[i])
		}
	}
	// A day without a request still rolls over at the next flush, which
	// drops the key of the day that ended.
	clk.t = clk.t.Add(24 * time.Hour)
	seed = c.day.seed
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.day.seed == seed || c.day.date != "2026-12-03" || len(c.day.seen) != 0 {
		t.Errorf("after a day without requests: %s, %d hashes", c.day.date, len(c.day.seen))
	}
	// As many days as asked, today the last, days with nothing as zeros.
	days, _ = c.History(t.Context(), 90)
	if len(days) != 90 || days[89].Date != "2026-12-03" || days[89].Requests != 0 || days[88].Requests != 2 || days[0].Requests != 0 {
		t.Errorf("history of %d days %+v", len(days), days[max(len(days)-3, 0):])
	}
}

// TestFlood: a scanner's thousands of addresses cost bounded memory and
// are still counted, within the sketch's error.
func TestFlood(t *testing.T) {
	c, clk := counterAt(t, noon, nil, func(o *Options) { o.MaxExact = 500 })
	const n = 20_000
	for i := range n {
		addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		c.Count(&Response{Feed: 0, Time: clk.t, Status: 200, Client: addr, UserAgent: "Scanner/" + strconv.Itoa(i%3)})
		c.Count(&Response{Feed: 0, Time: clk.t, Status: 304, Client: addr, UserAgent: "Scanner/" + strconv.Itoa(i%3)}) // again: once
	}
	if len(c.day.seen) > 500 {
		t.Errorf("%d hashes kept, bound 500", len(c.day.seen))
	}
	// The sketch's standard error is about 1.6%, and its hash key is
	// random every run: 6% is nearly four standard errors, where 3% (two)
	// would fail one run in twenty.
	got := today(t, c).Subscribers
	if got < n*94/100 || got > n*106/100 {
		t.Errorf("%d subscribers counted of %d", got, n)
	}
	if r := today(t, c).Requests; r != 2*n {
		t.Errorf("%d requests", r)
	}
}

func TestCountAllocatesNothing(t *testing.T) {
	c, clk := counterAt(t, noon, nil)
	r := Response{Feed: 0, Time: clk.t, Status: 304, Client: netip.MustParseAddr("192.0.2.1"), UserAgent: "newsboat/2.30.1 (Linux x86_64)"}
	c.Count(&r)
	if n := testing.AllocsPerRun(100, func() { c.Count(&r) }); n != 0 {
		t.Errorf("Count allocates %v times per response", n)
	}
}

// TestPersistence: counts survive a restart, add up across flushes and
// processes, and nothing on disk names a reader.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	const ua = "newsboat/2.30.1 (Linux x86_64; unique-marker-5c2e)"
	const feedlyUA = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 40 subscribers; feed-id=secret-feed-id-77)"
	addr := "203.0.113.77"

	run := func(at time.Time, polls func(c *Counter, clk *clock)) {
		st, db, err := openSQLite(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		c, clk := counterAt(t, at, st)
		polls(c, clk)
		if err := c.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	run(noon, func(c *Counter, clk *clock) {
		poll(c, clk, "/feed.atom", addr, ua, 200, false, 1000)
		poll(c, clk, "/feed.atom", addr, feedlyUA, 200, false, 1000)
		if err := c.Flush(t.Context()); err != nil { // two flushes in one run add
			t.Fatal(err)
		}
		poll(c, clk, "/feed.atom", addr, ua, 304, false, 0)
		poll(c, clk, "/feed.atom", "203.0.113.78", ua, 304, false, 0)
	})
	run(noon.Add(time.Hour), func(c *Counter, clk *clock) {
		poll(c, clk, "/feed.atom", "203.0.113.79", ua, 304, false, 0)
		poll(c, clk, "/feed.atom", addr, "Feedly/1.0 (44 subscribers; feed-id=secret-feed-id-77)", 304, false, 0)
		d := today(t, c)
		if fd := d.Feeds["/feed.atom"]; fd == nil || fd.Requests != 6 || fd.NotModified != 4 || fd.Bytes != 2000 || fd.Subscribers != 3+44 {
			t.Errorf("before the flush, with the stored rows: %+v", fd)
		}
	})
	st, db, err := openSQLite(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := counterAt(t, noon.Add(2*time.Hour), st)
	d := today(t, c)
	if fd := d.Feeds["/feed.atom"]; fd == nil || fd.Requests != 6 || fd.NotModified != 4 || fd.Bytes != 2000 || fd.Subscribers != 47 {
		t.Errorf("after two restarts: %+v", fd)
	}
	if d.Readers["Feedly"] != 44 || d.Readers["newsboat"] != 3 {
		t.Errorf("readers %v", d.Readers)
	}
	rows, err := st.Rows(t.Context(), "2026-12-01", "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Errorf("%d rows, want one per feed and reader: %+v", len(rows), rows)
	}
	db.Close()

	// No address, User-Agent or feed id in any file of the data folder.
	a16 := netip.MustParseAddr(addr).As16()
	a4 := netip.MustParseAddr(addr).As4()
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range [][]byte{[]byte(addr), []byte("unique-marker"), []byte("secret-feed-id"), []byte("fetcher.html"), a16[:], a4[:]} {
			if bytes.Contains(b, secret) {
				t.Errorf("%s holds %q", path, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRun: counts reach the store within a minute, and at shutdown.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		st, db, err := openSQLite(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		c := NewCounter(Options{Feeds: feeds, Store: st})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.Run(ctx); close(done) }()
		stored := func() int64 {
			rows, err := st.Rows(context.Background(), "0000-00-00", "9999-99-99")
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			for _, r := range rows {
				n += r.Requests
			}
			return n
		}
		c.Count(&Response{Feed: 0, Time: time.Now(), Status: 200, Client: netip.MustParseAddr("192.0.2.1"), UserAgent: "newsboat"})
		if n := stored(); n != 0 {
			t.Fatalf("written on the request path: %d", n)
		}
		time.Sleep(FlushInterval)
		synctest.Wait()
		if n := stored(); n != 1 {
			t.Errorf("after a minute, %d requests stored", n)
		}
		c.Count(&Response{Feed: 0, Time: time.Now(), Status: 304, Client: netip.MustParseAddr("192.0.2.1"), UserAgent: "newsboat"})
		cancel()
		<-done
		if n := stored(); n != 2 {
			t.Errorf("after shutdown, %d requests stored", n)
		}
	})
}

// TestPrune: days older than Keep go.
func TestPrune(t *testing.T) {
	st, db, err := openSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := st.Add(t.Context(), []Row{
		{Key: Key{"2024-01-01", "/feed.atom", "newsboat"}, Tally: Tally{Requests: 1}},
		{Key: Key{"2026-11-30", "/feed.atom", "newsboat"}, Tally: Tally{Requests: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := counterAt(t, noon, st, func(o *Options) { o.Keep = 731 })
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, _ := st.Rows(t.Context(), "0000-00-00", "9999-99-99")
	if len(rows) != 1 || rows[0].Day != "2026-11-30" {
		t.Errorf("after pruning: %+v", rows)
	}
}

// BenchmarkCount is what counting adds to each response of a reader
// seen before that day (the common case: polls).
func BenchmarkCount(b *testing.B) {
	c := NewCounter(Options{Feeds: feeds})
	r := Response{Feed: 0, Time: time.Now(), Status: 304, Client: netip.MustParseAddr("192.0.2.1"), UserAgent: "Mozilla/5.0 (compatible; Miniflux/2.0.50; +https://miniflux.app)"}
	c.Count(&r)
	b.ReportAllocs()
	for b.Loop() {
		c.Count(&r)
	}
}

// openSQLite opens the server's store in dir (SQLite), as serve does, and
// the audience's store in it.
func openSQLite(ctx context.Context, dir string) (*Store, *store.DB, error) {
	db, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		return nil, nil, err
	}
	return NewStore(db), db, nil
}
