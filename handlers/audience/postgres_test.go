package audience

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgresDB makes a database of its own on the test server
// (MORNINGPOST_TEST_DATABASE_URL, by default the local socket) and drops
// it when the test ends. Without a server the test is skipped, except
// under CI=true.
func postgresDB(t *testing.T) *sql.DB {
	t.Helper()
	server := os.Getenv("MORNINGPOST_TEST_DATABASE_URL")
	if server == "" {
		server = "postgres:///postgres?host=/var/run/postgresql"
	}
	admin, err := sql.Open("pgx", server)
	if err == nil {
		err = admin.PingContext(t.Context())
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: %v", server, err)
		}
		t.Skipf("no PostgreSQL at %s (%v): skipping", server, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "morningpost_audience_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	return db
}

// TestPostgreSQL: the same statements on PostgreSQL, where two replicas
// write one day's counts: the rows are their sum, and the aggregator's
// figure the latest either saw.
func TestPostgreSQL(t *testing.T) {
	db := postgresDB(t)
	st := NewStore(db, PostgreSQL)
	if err := st.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.Init(t.Context()); err != nil { // again, as every start does
		t.Fatal(err)
	}
	// Two replicas, one database; each its own key.
	a, clkA := counterAt(t, noon, st)
	b, clkB := counterAt(t, noon, st)
	poll(a, clkA, "/feed.atom", "192.0.2.1", "newsboat/2.30", 200, false, 100)
	poll(b, clkB, "/feed.atom", "192.0.2.2", "newsboat/2.30", 304, false, 0)
	poll(a, clkA, "/feed.atom", "198.51.100.1", "Feedly/1.0 (50 subscribers; feed-id=x)", 304, false, 0)
	clkB.t = clkB.t.Add(time.Minute)
	poll(b, clkB, "/feed.atom", "198.51.100.2", "Feedly/1.0 (52 subscribers; feed-id=x)", 304, false, 0)
	for _, c := range []*Counter{b, a} { // the later figure written first: it still wins
		if err := c.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	poll(a, clkA, "/feed.atom", "192.0.2.3", "newsboat/2.30", 304, false, 0)
	if err := a.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	reader, _ := counterAt(t, noon.Add(time.Hour), st)
	d := today(t, reader)
	fd := d.Feeds["/feed.atom"]
	if fd == nil || fd.Requests != 5 || fd.NotModified != 4 || fd.Bytes != 100 || fd.Subscribers != 3+52 {
		t.Errorf("summed over replicas: %+v", fd)
	}
	if d.Readers["Feedly"] != 52 || d.Readers["newsboat"] != 3 {
		t.Errorf("readers %v", d.Readers)
	}
	if n, err := st.Prune(t.Context(), "2026-12-02"); err != nil || n != 2 {
		t.Errorf("prune: %d %v", n, err)
	}
}
