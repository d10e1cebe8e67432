package upstream

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	dbstore "github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// mutableFeed serves whatever body it currently holds.
type mutableFeed struct {
	mu   sync.Mutex
	body string
}

func (m *mutableFeed) set(body string) {
	m.mu.Lock()
	m.body = body
	m.mu.Unlock()
}

func (m *mutableFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	body := m.body
	m.mu.Unlock()
	serveString(body)(w, r)
}

func TestDedup(t *testing.T) {
	feed := &mutableFeed{}
	feed.set(rssDoc("d", 0,
		rssItem{Title: "By GUID", GUID: "g1", Link: "https://example.com/1", Pub: testNow.Add(-time.Hour)},
		rssItem{Title: "By link", Link: "https://example.com/2", Pub: testNow.Add(-2 * time.Hour)},
		rssItem{Title: "By hash", Description: "no guid, no link", Pub: testNow.Add(-3 * time.Hour)},
		rssItem{Title: "Same GUID twice in one feed", GUID: "g1", Pub: testNow.Add(-time.Hour)},
	))
	srv := startServer(t, feed)
	clk := newClock()
	p, store := newTestPoller(t, Options{Now: clk.Now}, content.Source{Name: "d", URL: srv.URL})

	if r := pollOne(t, p); r.NewItems != 3 {
		t.Fatalf("first poll: %+v, want 3 new", r)
	}
	first, _ := store.Items(t.Context(), ItemQuery{})

	clk.Advance(2 * time.Hour)
	if r := pollOne(t, p); r.NewItems != 0 || r.Err != nil {
		t.Fatalf("same feed again: %+v, want 0 new", r)
	}
	// The upstream edits the GUID item's title and link: same item.
	feed.set(rssDoc("d", 0,
		rssItem{Title: "By GUID (edited)", GUID: "g1", Link: "https://example.com/1-edited", Pub: testNow.Add(-time.Hour)},
		rssItem{Title: "By link", Link: "https://example.com/2", Pub: testNow.Add(-2 * time.Hour)},
		rssItem{Title: "By hash", Description: "no guid, no link", Pub: testNow.Add(-3 * time.Hour)},
	))
	clk.Advance(2 * time.Hour)
	if r := pollOne(t, p); r.NewItems != 0 {
		t.Fatalf("edited feed: %+v, want 0 new", r)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	if len(items) != 3 {
		t.Fatalf("store has %d items, want 3", len(items))
	}
	if items[0].Title != "By GUID (edited)" || items[0].ID != first[0].ID || !items[0].FetchedAt.Equal(testNow) {
		t.Errorf("edited item = %+v; want same ID and first-seen time, new title", items[0])
	}
	for i := range items {
		if items[i].ID != first[i].ID {
			t.Errorf("item %d ID changed: %s -> %s", i, first[i].ID, items[i].ID)
		}
	}
}

func TestRetention(t *testing.T) {
	feed := &mutableFeed{}
	var items []rssItem
	for i := range 5 {
		items = append(items, rssItem{Title: "n" + string(rune('0'+i)), GUID: string(rune('a' + i)), Pub: testNow.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	items = append(items, rssItem{Title: "ancient", GUID: "old", Pub: testNow.Add(-100 * 24 * time.Hour)})
	feed.set(rssDoc("r", 0, items...))
	srv := startServer(t, feed)
	clk := newClock()
	p, store := newTestPoller(t, Options{Now: clk.Now},
		content.Source{Name: "r", URL: srv.URL, Keep: 3, MaxAge: 30 * 24 * time.Hour})

	if r := pollOne(t, p); r.NewItems != 3 {
		t.Fatalf("poll: %+v, want 3 new (Keep)", r)
	}
	got, _ := store.Items(t.Context(), ItemQuery{})
	if len(got) != 3 || got[0].Title != "n0" || got[2].Title != "n2" {
		t.Fatalf("kept %v, want the 3 newest", titles(got))
	}
	// The same feed again: the items beyond Keep do not count as new.
	clk.Advance(2 * time.Hour)
	if r := pollOne(t, p); r.NewItems != 0 {
		t.Errorf("repoll: %+v, want 0 new", r)
	}

	// Time passes; the feed stops changing; items age out anyway.
	feed.set(rssDoc("r", 0))
	// 28 days and a minute later, n2 (then 30 days old) has to go.
	clk.Advance(28*24*time.Hour - 2*time.Hour + time.Minute)
	pollOne(t, p)
	got, _ = store.Items(t.Context(), ItemQuery{})
	if len(got) != 2 || got[1].Title != "n1" {
		t.Errorf("after 28 days kept %v, want n0, n1", titles(got))
	}
	st, _, _ := store.Source(t.Context(), "r")
	if st.Items != 2 {
		t.Errorf("SourceState.Items = %d", st.Items)
	}
}

func titles(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

func TestStoreQueries(t *testing.T) {
	tools := startServer(t, serveString(rssDoc("tools", 0,
		rssItem{Title: "Old tool", GUID: "t1", Description: "a compiler", Pub: testNow.Add(-48 * time.Hour)},
		rssItem{Title: "Newer tool", GUID: "t2", Description: "100% faster_search", Pub: testNow.Add(-24 * time.Hour)})))
	reading := startServer(t, serveString(rssDoc("reading", 0,
		rssItem{Title: "Fresh essay", GUID: "r1", Description: "about compilers", Pub: testNow.Add(-time.Hour)})))
	p, store := newTestPoller(t, Options{Now: newClock().Now},
		content.Source{Name: "tools", URL: tools.URL, Section: content.Tools},
		content.Source{Name: "reading", URL: reading.URL, Section: content.Reading})
	if err := p.PollAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	check := func(name string, got []Item, want ...string) {
		t.Helper()
		if g := strings.Join(titles(got), ","); g != strings.Join(want, ",") {
			t.Errorf("%s = %s, want %s", name, g, strings.Join(want, ","))
		}
	}
	all, _ := store.Items(ctx, ItemQuery{})
	check("all", all, "Fresh essay", "Newer tool", "Old tool")
	bySource, _ := store.Items(ctx, ItemQuery{Source: "tools"})
	check("by source", bySource, "Newer tool", "Old tool")
	words, _ := store.Items(ctx, ItemQuery{Words: "COMPILER"})
	check("words", words, "Fresh essay", "Old tool")
	twoWords, _ := store.Items(ctx, ItemQuery{Words: "compiler essay"})
	check("two words", twoWords, "Fresh essay")
	likeChars, _ := store.Items(ctx, ItemQuery{Words: "0%"})
	check("percent is literal", likeChars, "Newer tool")
	underscore, _ := store.Items(ctx, ItemQuery{Words: "r_s"})
	check("underscore is literal", underscore, "Newer tool")
	limited, _ := store.Items(ctx, ItemQuery{Limit: 1})
	check("limit", limited, "Fresh essay")
	since, _ := store.Items(ctx, ItemQuery{Since: testNow.Add(-30 * time.Hour)})
	check("since", since, "Fresh essay", "Newer tool")

	fresh, _ := store.Freshest(ctx, string(content.Tools), 2)
	check("freshest tools", fresh, "Newer tool", "Old tool")
	fresh, _ = store.Freshest(ctx, string(content.Reading), 2)
	check("freshest reading", fresh, "Fresh essay", "Newer tool")
	if fresh[0].Section != string(content.Reading) || fresh[0].SourceName != "reading" {
		t.Errorf("freshest item = %+v", fresh[0])
	}
	fresh, _ = store.Freshest(ctx, "", 10)
	check("freshest any", fresh, "Fresh essay", "Newer tool", "Old tool")

	states, err := store.Sources(ctx)
	if err != nil || len(states) != 2 || states[0].Name != "reading" || states[1].Items != 2 || states[1].Section != string(content.Tools) {
		t.Errorf("Sources = %+v, %v", states, err)
	}
}

// TestRestartResume: a new process on the same data directory resumes the
// schedule (no refetch storm), keeps validators, and adds no duplicates.
func TestRestartResume(t *testing.T) {
	var hits, conditional int
	var mu sync.Mutex
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		if r.Header.Get("If-None-Match") == `"e"` {
			conditional++
		}
		mu.Unlock()
		w.Header().Set("ETag", `"e"`)
		serveString(rssDoc("x", 0, rssItem{Title: "a", GUID: "a", Pub: testNow}))(w, r)
	}))
	dir := t.TempDir()
	src := content.Source{Name: "s", URL: srv.URL, Interval: time.Hour}
	clk := newClock()

	store := openStore(t, dir)
	p, _ := NewPoller(t.Context(), store, []content.Source{src}, Options{Now: clk.Now})
	if r := pollOne(t, p); r.NewItems != 1 {
		t.Fatalf("first poll: %+v", r)
	}
	store.Close()

	// "Restart" 10 minutes later: Run must not poll before the hour is up.
	clk.Advance(10 * time.Minute)
	store = openStore(t, dir)
	p, _ = NewPoller(t.Context(), store, []content.Source{src}, Options{Now: clk.Now})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	p.Run(ctx)
	mu.Lock()
	if hits != 1 {
		t.Errorf("Run after restart fetched again (%d requests)", hits)
	}
	mu.Unlock()

	// When it is due, the poll is conditional and adds nothing.
	clk.Advance(time.Hour)
	ctx, cancel = context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	p.Run(ctx)
	mu.Lock()
	defer mu.Unlock()
	if hits != 2 || conditional != 1 {
		t.Errorf("hits = %d, conditional = %d; want 2, 1", hits, conditional)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	if len(items) != 1 {
		t.Errorf("%d items after restart, want 1", len(items))
	}
}

func TestStoreFileAndWAL(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	if _, err := os.Stat(store.Path()); err != nil || !strings.HasSuffix(store.Path(), DBFile) {
		t.Fatalf("db file %s: %v", store.Path(), err)
	}
	var mode string
	if err := store.db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var timeout int
	if err := store.db.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout <= 0 {
		t.Errorf("busy_timeout = %d, %v", timeout, err)
	}
	// Reopening an existing store is fine (CREATE ... IF NOT EXISTS).
	openStore(t, dir)
}

func TestFileSource(t *testing.T) {
	sample, err := os.ReadFile("../../content/sample/sources/trending-models.xml")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"sources/trending-models.xml": {Data: sample}}
	clk := newClock()
	p, store := newTestPoller(t, Options{FS: fsys, Now: clk.Now},
		content.Source{Name: "trending-models", URL: "file:sources/trending-models.xml", Section: content.Tools})
	r := pollOne(t, p)
	if r.Err != nil || r.NewItems != 5 {
		t.Fatalf("poll: %+v", r)
	}
	// The sample's <ttl>120</ttl> is honoured.
	if !r.NextPoll.Equal(testNow.Add(2 * time.Hour)) {
		t.Errorf("NextPoll = %v, want now + ttl 2h", r.NextPoll)
	}
	items, _ := store.Freshest(t.Context(), string(content.Tools), 10)
	want := []struct{ title, author, link string }{
		{"GrayColor", "minyan250", "https://huggingface.co/minyan250/GrayColor"},
		{"Qwen3-8B Julia", "juliacomputing-labs", "https://huggingface.co/juliacomputing-labs/Qwen3-8B-Julia"},
		{"lirpg-fullparam", "lirpg-team", "https://huggingface.co/lirpg-team/lirpg-fullparam"},
		{"Qwen2.5 Math 7B", "MilaWang", "https://huggingface.co/MilaWang/Qwen2.5-Math-7B"},
		{"SFT Pipeline Ops", "opsforge", "https://huggingface.co/opsforge/sft-pipeline-ops"},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items", len(items))
	}
	for i, w := range want {
		it := items[i]
		if it.Title != w.title || it.Author != w.author || it.Link != w.link || it.Summary == "" ||
			it.Published.IsZero() || it.SourceName != "trending-models" || it.Section != string(content.Tools) {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
		if d := it.Published; d.Before(time.Date(2026, 4, 24, 0, 0, 0, 0, time.UTC)) || d.After(time.Date(2026, 4, 26, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("item %d published %v, want 24-25 April 2026", i, d)
		}
	}
	st, _, _ := store.Source(t.Context(), "trending-models")
	if st.FeedTitle != "Trending models" {
		t.Errorf("feed title %q", st.FeedTitle)
	}

	// Unchanged file: not modified, and its ttl still holds.
	clk.Advance(3 * time.Hour)
	if r := pollOne(t, p); r.Outcome != OutcomeNotModified || !r.NextPoll.Equal(clk.Now().Add(2*time.Hour)) {
		t.Errorf("second poll = %+v, want not-modified, next in 2h (ttl)", r)
	}

	// Months later, the snapshot is still whole: MaxAge is for network
	// sources, file snapshots are kept on purpose.
	later := &clock{t: testNow.AddDate(1, 0, 0)}
	p2, store2 := newTestPoller(t, Options{FS: fsys, Now: later.Now},
		content.Source{Name: "trending-models", URL: "file:sources/trending-models.xml"})
	if r := pollOne(t, p2); r.NewItems != 5 {
		t.Errorf("a year later: %+v, want 5 new", r)
	}
	later.Advance(3 * time.Hour)
	pollOne(t, p2)
	if items, _ := store2.Items(t.Context(), ItemQuery{}); len(items) != 5 {
		t.Errorf("a year later the store has %d items", len(items))
	}
}

func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// A store made before schema_migrations, at user_version 1.
	for _, stmt := range []string{"ALTER TABLE sources DROP COLUMN ttl", "DROP TABLE schema_migrations",
		"DROP TABLE first_public", "DROP TABLE documents", "DROP TABLE leases", "PRAGMA user_version = 1"} {
		if _, err := s.db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	s.Close()
	s = openStore(t, dir)
	if _, err := s.Sources(t.Context()); err != nil {
		t.Errorf("after migration: %v", err)
	}
	var v int
	s.db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v)
	if v != dbstore.SchemaVersion() {
		t.Errorf("user_version = %d", v)
	}
}

// Rows stored before dates were checked hold dates that wrapped round
// (1600 stored as 2184): the migration makes them no date, so they sort
// by their other date or by their first fetch, and leaves sane rows be.
func TestOverflowedDatesMigrated(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	wrapped := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano() // what the old store kept: 2184
	if got := time.Unix(0, wrapped).UTC().Year(); got < 2100 {
		t.Fatalf("1600 wraps to %d here; the fixture needs a date past 2100", got)
	}
	fetched, updated := testNow.UnixNano(), testNow.Add(-time.Hour).UnixNano()
	ctx := t.Context()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO items (id, source, dedup_key, published, updated, fetched_at, sort_time) VALUES ('w1', 's', 'k1', ?, 0, ?, ?)", []any{wrapped, fetched, wrapped}},
		{"INSERT INTO items (id, source, dedup_key, published, updated, fetched_at, sort_time) VALUES ('w2', 's', 'k2', ?, ?, ?, ?)", []any{wrapped, updated, fetched, wrapped}},
		{"INSERT INTO items (id, source, dedup_key, published, updated, fetched_at, sort_time) VALUES ('ok', 's', 'k3', ?, 0, ?, ?)", []any{updated, fetched, updated}},
		{"DELETE FROM schema_migrations WHERE name = ?", []any{"upstream item dates that overflowed become no date"}},
	} {
		if _, err := s.db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(q.sql, err)
		}
	}
	s.Close()
	s = openStore(t, dir)
	for id, want := range map[string][3]int64{"w1": {0, 0, fetched}, "w2": {0, updated, updated}, "ok": {updated, 0, updated}} {
		var got [3]int64
		if err := s.db.QueryRowContext(ctx, "SELECT published, updated, sort_time FROM items WHERE id = ?", id).Scan(&got[0], &got[1], &got[2]); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: published, updated, sort_time = %v, want %v", id, got, want)
		}
	}
}

func TestFileSourceMissing(t *testing.T) {
	// Missing file and missing content root are errors, not crashes.
	p, _ := newTestPoller(t, Options{FS: fstest.MapFS{}}, content.Source{Name: "x", URL: "file:nope.xml"})
	if r := pollOne(t, p); r.Err == nil {
		t.Errorf("missing file: %+v", r)
	}
	p, _ = newTestPoller(t, Options{}, content.Source{Name: "x", URL: "file:nope.xml"})
	if r := pollOne(t, p); r.Err == nil || !strings.Contains(r.Err.Error(), "content root") {
		t.Errorf("no FS: %+v", r)
	}
}

// TestNewPollerValidates: the poller refuses what content.Load refuses
// (content's tests cover each rule).
func TestNewPollerValidates(t *testing.T) {
	ok := content.Source{Name: "ok", URL: "https://example.com/feed"}
	st := openStore(t, t.TempDir())
	if _, err := NewPoller(t.Context(), st, []content.Source{ok, ok}, Options{}); err == nil || !strings.Contains(err.Error(), "duplicate name") {
		t.Errorf("duplicate names: %v", err)
	}
	bad := content.Source{Name: "x", URL: "file:../secret.xml"}
	if _, err := NewPoller(t.Context(), st, []content.Source{bad}, Options{}); err == nil || !strings.Contains(err.Error(), "inside the content root") {
		t.Errorf("file source outside the root: %v", err)
	}
	p, err := NewPoller(t.Context(), st, []content.Source{ok}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Sources()[0]; d.Interval != content.DefaultPollInterval || d.Keep != content.DefaultKeep || d.MaxAge != content.DefaultMaxAge {
		t.Errorf("poller's source = %+v, want defaults applied", d)
	}
}

// TestStoreOnPostgreSQL runs the store's tests on PostgreSQL: the same
// statements serve both engines.
func TestStoreOnPostgreSQL(t *testing.T) {
	storetest.PostgresURL(t) // skip here, not in each, when there is none
	postgresByDir = map[string]string{}
	defer func() { postgresByDir = nil }()
	for name, test := range map[string]func(*testing.T){
		"Dedup": TestDedup, "Retention": TestRetention, "Queries": TestStoreQueries,
		"RestartResume": TestRestartResume, "FileSource": TestFileSource,
		"DatesNeverOverflow": TestUpstreamDatesNeverOverflow, "OverflowedDatesMigrated": TestOverflowedDatesMigrated,
	} {
		t.Run(name, test)
	}
}

// TestStoredItemsReadClean: rows written before items were cleaned at
// poll time (or by hand) come out of the store clean, as readers rely on.
func TestStoredItemsReadClean(t *testing.T) {
	p, st := newTestPoller(t, Options{}, content.Source{Name: "s", URL: "https://e.example/feed"})
	src := p.Sources()[0]
	dirty := Item{ID: "x", SourceName: "s", dedupKey: "guid:x", GUID: "x", Title: "T\x01", Link: "https://e.example/a",
		Summary: "S\uFFFE", ContentHTML: "<p>C\x02</p>", Author: "A\x03", FetchedAt: testNow}
	if _, err := st.savePoll(t.Context(), pollRecord{source: src, state: SourceState{Name: "s"}, items: []Item{dirty}, now: testNow}); err != nil {
		t.Fatal(err)
	}
	items, err := st.Items(t.Context(), ItemQuery{})
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %v, %v", items, err)
	}
	if it := items[0]; it.Title != "T" || it.Summary != "S" || it.ContentHTML != "<p>C</p>" || it.Author != "A" {
		t.Errorf("read back %+v", it)
	}
}
