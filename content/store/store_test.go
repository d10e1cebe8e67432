package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// engines runs the test on a new store of each engine; open gives
// another handle on it, as another server would have. PostgreSQL is
// skipped when absent (failed under CI=true).
func engines(t *testing.T, run func(t *testing.T, opts store.Options, open func() *store.DB)) {
	for _, e := range []string{"sqlite", "postgresql"} {
		t.Run(e, func(t *testing.T) {
			opts := store.Options{Dir: t.TempDir()}
			if e == "postgresql" {
				opts.URL = storetest.PostgresURL(t)
			}
			run(t, opts, func() *store.DB { return mustOpen(t, opts) })
		})
	}
}

func mustOpen(t *testing.T, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }

func TestMigrationsOnceAndVersioned(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		a, b := open(), open() // the second finds everything applied
		for _, db := range []*store.DB{a, b} {
			got, err := db.Applied(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(store.Migrations) || got[len(got)-1] != store.SchemaVersion() {
				t.Errorf("%s: applied %v, want 1…%d", db.Engine(), got, store.SchemaVersion())
			}
		}
		// A version this program does not know: refused, not clobbered.
		if _, err := a.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", 999, "future", 0); err != nil {
			t.Fatal(err)
		}
		if db, err := store.Open(t.Context(), opts); err == nil || !strings.Contains(err.Error(), "newer") {
			if db != nil {
				db.Close()
			}
			t.Errorf("a newer schema: %v, want an error saying so", err)
		}
	})
}

func TestRememberFirstWins(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		t1 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		clk.set(t1.Add(2 * time.Hour)) // the second record is made later than the first
		a, b := store.NewLedger(open(), clk.now, nil), store.NewLedger(open(), clk.now, nil)
		got, err := a.Remember(t.Context(), map[string]time.Time{"x": t1, "with-issue": {}})
		if err != nil {
			t.Fatal(err)
		}
		if !got["x"].Equal(t1) || !got["with-issue"].IsZero() {
			t.Errorf("remembered %v", got)
		}
		// The other server comes second: it gets the first record.
		got, err = b.Remember(t.Context(), map[string]time.Time{"x": t1.Add(time.Hour)})
		if err != nil || !got["x"].Equal(t1) {
			t.Errorf("second record: %v, %v; want %v", got, err, t1)
		}
		known, err := b.Recall(t.Context(), []string{"x", "with-issue", "unknown"})
		if err != nil || len(known) != 2 || !known["x"].Equal(t1) {
			t.Errorf("recall: %v, %v", known, err)
		}
		if _, ok := known["with-issue"]; !ok {
			t.Error("a zero-time record is not recalled")
		}
	})
}

func TestModifiedMovesForwardOnly(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		clk.set(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
		a := store.NewLedger(open(), clk.now, nil)
		floor := time.Date(2026, 6, 1, 5, 0, 0, 0, time.UTC)

		// A new document is dated by its entries: deterministic.
		t0 := a.Modified("/feed.atom", `"A"`, floor)
		if !t0.Equal(floor) {
			t.Errorf("new document: %v, want its entries' %v", t0, floor)
		}
		if again := a.Modified("/feed.atom", `"A"`, floor); !again.Equal(t0) {
			t.Errorf("same bytes: %v, want %v", again, t0)
		}
		// New bytes with the same entry dates (an edit, a same-date issue).
		clk.add(time.Minute)
		t1 := a.Modified("/feed.atom", `"B"`, floor)
		if !t1.After(t0) || !t1.Equal(clk.now().Truncate(time.Second)) {
			t.Errorf("changed bytes: %v, want now (%v)", t1, clk.now())
		}
		// The edit undone: the old bytes again, dated later still.
		t2 := a.Modified("/feed.atom", `"A"`, floor)
		if !t2.After(t1) {
			t.Errorf("bytes back to the old ones: %v, not after %v", t2, t1)
		}
		// A clock a little behind the record (another server's) cannot
		// move it back.
		clk.add(-2 * time.Minute)
		if t3 := a.Modified("/feed.atom", `"C"`, floor); !t3.After(t2) {
			t.Errorf("with a slow clock: %v, not after %v", t3, t2)
		}
		// Another server, or a restart, started later: the same answers.
		clk.add(3 * time.Hour)
		b := store.NewLedger(open(), clk.now, nil)
		if got, want := b.Modified("/feed.atom", `"C"`, floor), a.Modified("/feed.atom", `"C"`, floor); !got.Equal(want) {
			t.Errorf("second server: %v, first: %v", got, want)
		}
		if got := b.Modified("/other.rss", `"A"`, floor); !got.Equal(floor) {
			t.Errorf("documents are apart: %v", got)
		}
	})
}

func TestPostgresUnreachableNamesHostNotPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	// A closed port on this machine: refused at once.
	_, err := store.Open(ctx, store.Options{URL: "postgres://mp:s3cr3t-pw@127.0.0.1:1/morningpost?connect_timeout=5"})
	if err == nil {
		t.Fatal("opened an unreachable PostgreSQL")
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "morningpost") || strings.Contains(msg, "s3cr3t") {
		t.Errorf("error %q: want the host and database, never the password", msg)
	}
	if _, err := store.Open(ctx, store.Options{URL: "postgres://mp:s3cr3t-pw@[::1"}); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("bad URL: %v", err)
	}
}

func TestSQLiteFileOnlyWithoutURL(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, store.Options{Dir: dir})
	if _, err := os.Stat(filepath.Join(dir, store.DBFile)); err != nil || db.Engine() != store.SQLite {
		t.Errorf("sqlite store: %v %v", err, db.Engine())
	}
}

func TestRebindLeavesLiterals(t *testing.T) {
	url := storetest.PostgresURL(t)
	db := mustOpen(t, store.Options{URL: url})
	var s string
	var n int64
	if err := db.QueryRowContext(t.Context(), `SELECT 'a?b' || ?, ? + 1`, "c", 41).Scan(&s, &n); err != nil || s != "a?bc" || n != 42 {
		t.Errorf("got %q %d %v", s, n, err)
	}
}

func TestLeaseOneHolderAndTakeover(t *testing.T) {
	engines(t, func(t *testing.T, opts store.Options, open func() *store.DB) {
		clk := &clock{}
		clk.set(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
		a := store.NewLease(open(), "poller", 30*time.Second, clk.now)
		b := store.NewLease(open(), "poller", 30*time.Second, clk.now)
		acquire := func(l *store.Lease) bool {
			t.Helper()
			ok, err := l.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !acquire(a) || acquire(b) {
			t.Fatal("two holders, or none")
		}
		clk.add(20 * time.Second)
		if !acquire(a) || acquire(b) { // renewed: b still waits
			t.Fatal("a renewal lost the lease")
		}
		// a dies: its term runs out, and b takes over.
		clk.add(31 * time.Second)
		if !acquire(b) || acquire(a) {
			t.Fatal("no takeover after the term ran out")
		}
		if h, _ := a.HeldBy(t.Context()); h != b.Holder() {
			t.Errorf("held by %q, want %q", h, b.Holder())
		}
		// Released at shutdown: taken over at once.
		if err := b.Release(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !acquire(a) {
			t.Error("a released lease was not taken over")
		}
	})
}
