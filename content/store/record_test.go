package store_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// cut makes the record's tables unreachable through db until mend is
// called: every statement on them fails, as when the database is down
// or its disk is full.
func cut(t *testing.T, db *store.DB) (mend func()) {
	t.Helper()
	tables := []string{"first_public", "revisions"}
	for _, tb := range tables {
		if _, err := db.ExecContext(t.Context(), "ALTER TABLE "+tb+" RENAME TO "+tb+"_cut"); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		for _, tb := range tables {
			if _, err := db.ExecContext(t.Context(), "ALTER TABLE "+tb+"_cut RENAME TO "+tb); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// issueFiles is a site with one issue out on 1 June 2026 at 06:00 UTC.
func issueFiles() fstest.MapFS {
	return fstest.MapFS{
		content.SiteFile:    {Data: []byte("title: T\nbase_url: https://t.example/\nauthority: t.example,2025\nauthor: {name: Desk}\ntime_zone: UTC\n")},
		"issues/1/issue.md": {Data: []byte("---\ndate: 2026-06-01\n---\n")},
		"issues/1/lead.md":  {Data: []byte("---\ntitle: Lead\n---\nL.\n")},
	}
}

func live(t *testing.T, files fstest.MapFS, rec content.Record, clk *clock) *content.Live {
	t.Helper()
	l, err := content.NewLive(files, content.LiveOptions{Record: rec, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// entry is the article key of s.
func entry(t *testing.T, s *content.Snapshot, key string) *content.Article {
	t.Helper()
	for _, a := range s.Articles() {
		if a.Key == key {
			return a
		}
	}
	t.Fatalf("no article %s", key)
	return nil
}

// TestOutageKeepsFirstSeen: an article that first becomes public while
// the store fails is dated when it did, not when the store is back,
// and every server and restart dates it so once the store has it.
func TestOutageKeepsFirstSeen(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		clk.set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		db := open()
		ledger := store.NewLedger(db, clk.now, nil)
		store.SetPause(ledger, 0)
		files := issueFiles()
		l := live(t, files, ledger, clk)
		l.At(clk.now())

		mend := cut(t, open())
		went := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		clk.set(went)
		files["issues/1/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Late\n---\nLate.\n")}
		files["issues/1/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Lead, corrected\n---\nL.\n")}
		if err := l.Reload(); err != nil {
			t.Fatal(err)
		}
		s := l.At(clk.now())
		if p, m := entry(t, s, "late").Published(), entry(t, s, "lead").Modified(); !p.Equal(went) || !m.Equal(went) {
			t.Fatalf("while the store fails: the late article dated %v, the lead's edit %v; want %v", p, m, went)
		}

		// The store is back a minute later; the next snapshot is built
		// once the retry is due.
		clk.add(time.Minute)
		mend()
		clk.add(time.Minute)
		s = l.At(clk.now())
		if p, m := entry(t, s, "late").Published(), entry(t, s, "lead").Modified(); !p.Equal(went) || !m.Equal(went) {
			t.Errorf("with the store back: the late article dated %v, the lead's edit %v; want %v", p, m, went)
		}
		// A restart, or another server, later.
		clk.add(time.Hour)
		s = live(t, files, store.NewLedger(open(), clk.now, nil), clk).At(clk.now())
		if p, m := entry(t, s, "late").Published(), entry(t, s, "lead").Modified(); !p.Equal(went) || !m.Equal(went) {
			t.Errorf("after a restart: the late article dated %v, the lead's edit %v; want %v", p, m, went)
		}
	})
}

// TestClockJumpDoesNotPoison: a server whose clock jumped to 2099
// records what it saw then; once its clock is back, nothing it wrote
// dates an entry or a document later than the clock.
func TestClockJumpDoesNotPoison(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		real := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		floor := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
		clk.set(real)
		a := store.NewLedger(open(), clk.now, nil)
		a.Modified("/feed.json", `"A"`, floor)
		if _, err := a.Revise(t.Context(), map[string]string{"x": "1"}, clk.now()); err != nil {
			t.Fatal(err)
		}

		future := time.Date(2099, 1, 1, 6, 0, 0, 0, time.UTC)
		clk.set(future)
		if _, err := a.Remember(t.Context(), map[string]time.Time{"late": future}); err != nil {
			t.Fatal(err)
		}
		if m := a.Modified("/feed.json", `"B"`, floor); !m.Equal(future) {
			t.Fatalf("stamped %v in the jump", m)
		}
		if got, _ := a.Revise(t.Context(), map[string]string{"x": "2"}, future); !got["x"].Equal(future) {
			t.Fatalf("changed %v in the jump", got)
		}

		clk.set(real.Add(time.Hour))
		check := func(who string, l *store.Ledger) {
			t.Helper()
			now := clk.now()
			if got, _ := l.Recall(t.Context(), []string{"late"}); got["late"].After(now) {
				t.Errorf("%s: recalls %v", who, got)
			}
			if got, _ := l.Remember(t.Context(), map[string]time.Time{"late": now}); !got["late"].Equal(real.Add(time.Hour)) {
				t.Errorf("%s: the late entry is recorded at %v, want %v", who, got["late"], real.Add(time.Hour))
			}
			if m := l.Modified("/feed.json", `"B"`, floor); m.After(now) {
				t.Errorf("%s: Last-Modified %v, later than the clock %v", who, m, now)
			}
			if got, _ := l.Revise(t.Context(), map[string]string{"x": "2"}, now); got["x"].After(now) {
				t.Errorf("%s: changed %v, later than the clock", who, got["x"])
			}
		}
		check("the same server", a)
		clk.add(time.Minute)
		check("a restart", store.NewLedger(open(), clk.now, nil))
		// Entries dated ahead of the clock (an updated: typed a day
		// ahead) do not date a document past it either.
		if m := a.Modified("/tomorrow.atom", `"A"`, clk.now().Add(24*time.Hour)); m.After(clk.now()) {
			t.Errorf("a document of entries ahead of the clock: Last-Modified %v, later than %v", m, clk.now())
		}
	})
}

// TestReviseFirstSeenWins: an edit is dated when the first server saw
// it; the others, later, and restarts read that time. Saving the same
// text again moves nothing.
func TestReviseFirstSeenWins(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		clk.set(t0)
		a, b := store.NewLedger(open(), clk.now, nil), store.NewLedger(open(), clk.now, nil)
		revise := func(l *store.Ledger, hash string) time.Time {
			t.Helper()
			got, err := l.Revise(t.Context(), map[string]string{"e": hash}, clk.now())
			if err != nil {
				t.Fatal(err)
			}
			return got["e"]
		}
		if got := revise(a, "1"); !got.IsZero() {
			t.Errorf("first seen: changed %v, want never", got)
		}
		if got := revise(b, "1"); !got.IsZero() {
			t.Errorf("the same text on another server: changed %v", got)
		}
		clk.add(time.Hour)
		edit := clk.now()
		if got := revise(a, "2"); !got.Equal(edit) {
			t.Errorf("edited: %v, want %v", got, edit)
		}
		clk.add(time.Minute)
		for i, l := range []*store.Ledger{b, a, store.NewLedger(open(), clk.now, nil)} {
			if got := revise(l, "2"); !got.Equal(edit) {
				t.Errorf("server %d, later: %v, want %v", i, got, edit)
			}
		}
	})
}
