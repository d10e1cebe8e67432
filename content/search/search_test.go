package search_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// now is the moment of the fixture: issues 1 and 2 are out, issue 3 is
// scheduled for 10 January, issue 4 is a draft. Content.At takes the
// moment as an argument, so no test here reads the clock.
var now = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func article(section, title, body string, extra ...string) string {
	return "---\nsection: " + section + "\ntitle: " + strconv.Quote(title) + "\n" + strings.Join(extra, "") + "---\n" + body + "\n"
}

// fixture is a small archive whose words are chosen for the golden
// queries below.
func fixture(t testing.TB) fstest.MapFS {
	t.Helper()
	site, err := fs.ReadFile(content.Sample(), "morningpost.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{"morningpost.yaml": {Data: site}}
	add := func(path, text string) { m[path] = &fstest.MapFile{Data: []byte(text)} }
	add("issues/1/issue.md", "---\ndate: 2026-01-01\n---\n")
	add("issues/1/lead.md", article("lead", "Safetensors format wins",
		"The safetensors format is loaded by many models. Developers meet at the Café in Zürich."))
	add("issues/1/deep-dive.md", article("deep-dive", "Running small models on phones",
		"Quantisation lets a small model run on a phone. Naïve approaches fail. The state-of-the-art method wins."))
	add("issues/2/issue.md", "---\ndate: 2026-01-02\n---\n")
	add("issues/2/lead.md", article("lead", "Open weights and the law",
		"Regulators discuss open weights. The model card matters to <b>everyone</b> & more."))
	add("issues/2/editor.md", article("opinion", "Secret column",
		"The word zebracorn appears only in a draft article.", "draft: true\n"))
	add("issues/3/issue.md", "---\ndate: 2026-01-10\n---\n")
	add("issues/3/lead.md", article("lead", "Future unicorn", "The word quokkafuture appears in a scheduled issue."))
	add("issues/4/issue.md", "---\ndate: 2026-01-04\ndraft: true\n---\n")
	add("issues/4/lead.md", article("lead", "Draft issue", "The word draftissueword appears in a draft issue."))
	return m
}

func load(t testing.TB, m fs.FS) *content.Content {
	t.Helper()
	c, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// onEngines runs f on each engine, as a subtest named after it: SQLite
// always, PostgreSQL when a server is there (storetest skips without
// it, fails under CI=true).
func onEngines(t *testing.T, f func(t *testing.T, eng search.Engine)) {
	t.Helper()
	open := func(t *testing.T, opts store.Options) search.Engine {
		db, err := store.Open(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return search.NewEngine(db)
	}
	t.Run("sqlite", func(t *testing.T) { f(t, open(t, store.Options{Dir: t.TempDir()})) })
	t.Run("postgresql", func(t *testing.T) { f(t, open(t, store.Options{URL: storetest.PostgresURL(t)})) })
}

// keys names hits as issue/key, sorted: the engines may rank ties
// differently, so the golden set compares which articles are found.
func keys(hits []search.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, strconv.Itoa(h.Article.Issue.Number)+"/"+h.Article.Key)
	}
	slices.Sort(out)
	return out
}

var golden = []struct {
	q    string
	want []string
}{
	{"safetensors", []string{"1/lead"}},
	{"model", []string{"1/deep-dive", "1/lead", "2/lead"}},
	{"MODELS", []string{"1/deep-dive", "1/lead", "2/lead"}}, // stemming and case
	{"modelling", []string{"1/deep-dive", "1/lead", "2/lead"}},
	{`"small model"`, []string{"1/deep-dive"}},
	{`"model small"`, nil}, // a phrase is in order
	{"model -phone", []string{"1/lead", "2/lead"}},
	{`model -"model card"`, []string{"1/deep-dive", "1/lead"}},
	{"cafe zurich", []string{"1/lead"}}, // accents
	{"CAFÉ", []string{"1/lead"}},
	{"naive", []string{"1/deep-dive"}},
	{`"model card" regulators`, []string{"2/lead"}},
	{"state-of-the-art", []string{"1/deep-dive"}}, // a hyphenated word is a phrase
	{`"law regulators"`, nil},                     // no phrase runs from the title into the body
	{"format wins", []string{"1/lead"}},           // title and body words together
	{"everyone", []string{"2/lead"}},              // text, not markup
	{"b", nil},
	{"zebracorn", nil},      // a draft article
	{"quokkafuture", nil},   // a scheduled issue
	{"draftissueword", nil}, // a draft issue
	{"open -weights", nil},
}

// TestGoldenQueries runs the same queries on both engines and wants the
// same articles from each.
func TestGoldenQueries(t *testing.T) {
	snap := load(t, fixture(t)).At(now)
	onEngines(t, func(t *testing.T, eng search.Engine) {
		name := t.Name()
		x := search.New(eng)
		if _, err := x.Sync(t.Context(), snap); err != nil {
			t.Fatal(name, err)
		}
		for _, g := range golden {
			q, err := search.Parse(g.q)
			if err != nil {
				t.Fatalf("%s: Parse(%q): %v", name, g.q, err)
			}
			for _, order := range []search.Order{search.ByRelevance, search.ByDate} {
				res, err := x.Search(t.Context(), snap, q, order, 0, 10, true)
				if err != nil {
					t.Fatalf("%s: %q: %v", name, g.q, err)
				}
				if got := keys(res.Hits); !slices.Equal(got, g.want) || res.Total != len(g.want) {
					t.Errorf("%s: %q (order %d) found %v (total %d), want %v", name, g.q, order, got, res.Total, g.want)
				}
			}
			// Query.Match, which the editor's desk runs on drafts, agrees.
			var matched []string
			for _, a := range snap.Articles() {
				if q.Match(a.Title, search.Text(a)) {
					matched = append(matched, strconv.Itoa(a.Issue.Number)+"/"+a.Key)
				}
			}
			slices.Sort(matched)
			if !slices.Equal(matched, g.want) {
				t.Errorf("Match: %q matches %v, want %v", g.q, matched, g.want)
			}
		}
	})
}

// TestRankTitleFirstThenNewest: a word in a title ranks its article
// first; among equals the newest comes first; ByDate is newest first.
func TestRankTitleFirstThenNewest(t *testing.T) {
	snap := load(t, fixture(t)).At(now)
	onEngines(t, func(t *testing.T, eng search.Engine) {
		name := t.Name()
		x := search.New(eng)
		if _, err := x.Sync(t.Context(), snap); err != nil {
			t.Fatal(err)
		}
		q, _ := search.Parse("models")
		res, err := x.Search(t.Context(), snap, q, search.ByRelevance, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Hits[0].Article.Key; res.Hits[0].Article.Issue.Number != 1 || got != "deep-dive" {
			t.Errorf("%s: first hit for models is %d/%s, want 1/deep-dive (the word is in its title)", name, res.Hits[0].Article.Issue.Number, got)
		}
		res, err = x.Search(t.Context(), snap, q, search.ByDate, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Hits[0].Article.Issue.Number != 2 {
			t.Errorf("%s: by date, first hit is of issue %d, want 2", name, res.Hits[0].Article.Issue.Number)
		}
	})
}

// TestScheduledFoundAtItsMoment: the scheduled issue is not found before
// its moment, and is found at it, without anyone syncing the index in
// between: the search syncs to the snapshot it is asked with.
func TestScheduledFoundAtItsMoment(t *testing.T) {
	c := load(t, fixture(t))
	q, _ := search.Parse("quokkafuture")
	onEngines(t, func(t *testing.T, eng search.Engine) {
		name := t.Name()
		x := search.New(eng)
		if _, err := x.Sync(t.Context(), c.At(now)); err != nil {
			t.Fatal(err)
		}
		res, err := x.Search(t.Context(), c.At(now), q, search.ByRelevance, 0, 10, true)
		if err != nil || res.Total != 0 {
			t.Fatalf("%s: before its moment: %v, %v", name, res, err)
		}
		later := c.At(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
		res, err = x.Search(t.Context(), later, q, search.ByRelevance, 0, 10, true)
		if err != nil || keys(res.Hits) == nil || keys(res.Hits)[0] != "3/lead" {
			t.Fatalf("%s: at its moment: %+v, %v", name, res, err)
		}
		// The index now holds issue 3; a search of the earlier moment
		// still must not find it (not found, not counted).
		res, err = x.Search(t.Context(), c.At(now), q, search.ByRelevance, 0, 10, true)
		if err != nil || res.Total != 0 || len(res.Hits) != 0 {
			t.Fatalf("%s: earlier snapshot after the index moved on: %+v, %v", name, res, err)
		}
	})
}

// TestEditFoundAtOnce: an edited article is searchable with the next
// snapshot, and only it is indexed again.
func TestEditFoundAtOnce(t *testing.T) {
	m := fixture(t)
	before := load(t, m).At(now)
	m["issues/1/lead.md"] = &fstest.MapFile{Data: []byte(article("lead", "Safetensors format wins",
		"The safetensors format now mentions a platypus."))}
	after := load(t, m).At(now)
	onEngines(t, func(t *testing.T, eng search.Engine) {
		name := t.Name()
		x := search.New(eng)
		st, err := x.Sync(t.Context(), before)
		if err != nil || st.Indexed != 3 {
			t.Fatalf("%s: first sync %+v, %v; want 3 articles indexed", name, st, err)
		}
		st, err = x.Sync(t.Context(), after)
		if err != nil || st.Indexed != 1 || st.Kept != 2 || st.Removed != 0 {
			t.Errorf("%s: sync after an edit %+v, %v; want 1 indexed, 2 kept", name, st, err)
		}
		q, _ := search.Parse("platypus")
		res, err := x.Search(t.Context(), after, q, search.ByRelevance, 0, 10, true)
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("%s: edited word: %+v, %v", name, res, err)
		}
		q, _ = search.Parse("zurich")
		if res, _ := x.Search(t.Context(), after, q, search.ByRelevance, 0, 10, true); res.Total != 0 {
			t.Errorf("%s: a word the edit removed is still found", name)
		}
	})
}

func TestWarmingUntilFirstSync(t *testing.T) {
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x := search.New(search.NewEngine(db))
	q, _ := search.Parse("model")
	snap := load(t, fixture(t)).At(now)
	if _, err := x.Search(t.Context(), snap, q, search.ByRelevance, 0, 10, true); !errors.Is(err, search.ErrWarming) {
		t.Fatalf("before the first sync: %v, want ErrWarming", err)
	}
	if _, err := x.Sync(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Search(t.Context(), snap, q, search.ByRelevance, 0, 10, true); err != nil {
		t.Fatalf("after: %v", err)
	}
}

// TestIndexPersists: a second start with the same store indexes nothing
// again.
func TestIndexPersists(t *testing.T) {
	dir := t.TempDir()
	snap := load(t, fixture(t)).At(now)
	for i, want := range []int{3, 0} {
		db, err := store.Open(context.Background(), store.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		st, err := search.New(search.NewEngine(db)).Sync(t.Context(), snap)
		db.Close()
		if err != nil || st.Indexed != want {
			t.Errorf("start %d: %+v, %v; want %d indexed", i+1, st, err, want)
		}
	}
}

func TestSnippetMarksWords(t *testing.T) {
	q, _ := search.Parse("models cafe")
	got := string(search.Snippet("The safetensors format is loaded by many models. Developers meet at the Café <in> Zürich.", q.Positive()))
	want := "The safetensors format is loaded by many <mark>models</mark>. Developers meet at the <mark>Café</mark> &lt;in&gt; Zürich."
	if got != want {
		t.Errorf("snippet\n got %s\nwant %s", got, want)
	}
	long := strings.Repeat("filler words here ", 40) + "the platypus swims " + strings.Repeat("more filler ", 40)
	q, _ = search.Parse("platypus")
	s := string(search.Snippet(long, q.Positive()))
	if !strings.Contains(s, "<mark>platypus</mark>") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || len(s) > 2*search.SnippetBytes {
		t.Errorf("long snippet: %q", s)
	}
}

// TestRunFollowsTheContent: Run syncs the index at once (Ready without
// any search), and again after a reload, by itself.
func TestRunFollowsTheContent(t *testing.T) {
	m := fixture(t)
	live, err := content.NewLive(m, content.LiveOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng := search.NewEngine(db)
	x := search.New(eng)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		x.Run(ctx, live, func() time.Time { return now }, func(search.Stats, time.Duration, error) {})
	}()
	defer func() { cancel(); <-done }()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10s", what)
			}
		}
	}
	waitUntil("ready", x.Ready)
	m["issues/2/guest.md"] = &fstest.MapFile{Data: []byte(article("opinion", "A guest", "Guests bring a numbat."))}
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	waitUntil("the new article indexed", func() bool {
		h, err := eng.Hashes(t.Context())
		return err == nil && len(h) == 4
	})
}

// TestHitsCheckedAgainstTheSnapshot: two servers of a fleet share one
// index; one has moved on to a later moment and indexed the scheduled
// issue. The other, still at the earlier moment and synced to it, finds
// the issue in the index, and must neither show nor count it.
func TestHitsCheckedAgainstTheSnapshot(t *testing.T) {
	c := load(t, fixture(t))
	early, later := c.At(now), c.At(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
	q, _ := search.Parse("quokkafuture")
	onEngines(t, func(t *testing.T, eng search.Engine) {
		behind, ahead := search.New(eng), search.New(eng)
		if _, err := behind.Sync(t.Context(), early); err != nil {
			t.Fatal(err)
		}
		if _, err := ahead.Sync(t.Context(), later); err != nil {
			t.Fatal(err)
		}
		res, err := behind.Search(t.Context(), early, q, search.ByRelevance, 0, 10, true)
		if err != nil || res.Total != 0 || len(res.Hits) != 0 {
			t.Fatalf("the server behind finds %+v, %v", res, err)
		}
	})
}
