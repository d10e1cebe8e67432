package audience

import (
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// TestPostgreSQL: the same statements on PostgreSQL, where two replicas
// write one day's counts: the rows are their sum, and the aggregator's
// figure the latest either saw.
func TestPostgreSQL(t *testing.T) {
	db, err := store.Open(t.Context(), store.Options{URL: storetest.PostgresURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := NewStore(db)
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
