package activitypub

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/content/store/storetest"
)

// TestOneDelivererInAFleet: three servers over one PostgreSQL, each
// running the lease; every delivery is made once, by the holder.
func TestOneDelivererInAFleet(t *testing.T) {
	url := storetest.PostgresURL(t)
	f := newFixture(t) // for the content and the clock
	var svcs []*Service
	for range 3 {
		db, err := store.Open(t.Context(), store.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		live, err := content.NewLive(f.fs, content.LiveOptions{Record: store.NewLedger(db, time.Now, nil), Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		svcs = append(svcs, New(Options{DB: db, Content: live, AllowPrivate: true}))
	}
	p := newPeer(t, svcs[0])
	var ids []string
	for i := range 50 {
		id := "https://post.example/test#" + strconv.Itoa(i)
		ids = append(ids, id)
		if err := svcs[i%3].enqueue(t.Context(), "news", Object{"id": id, "type": "Create"}, []string{p.srv.URL + "/inbox"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, s := range svcs {
		wg.Go(func() { s.RunLeased(ctx, 3*time.Second) })
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(p.received()) < 50 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // any second deliverer would have sent by now
	cancel()
	wg.Wait()
	got := map[string]int{}
	for _, a := range p.received() {
		got[a["id"].(string)]++
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s delivered %d times, want once", id, got[id])
		}
	}
}
