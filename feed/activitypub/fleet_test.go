package activitypub

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
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

// TestNoLeaseWithoutAnAccount: a server whose site has no activitypub:
// takes no lease (a store write every few seconds for nothing) and says
// nothing of publishing; adding the block takes it at the next check,
// and removing it gives it back.
func TestNoLeaseWithoutAnAccount(t *testing.T) {
	f := newFixture(t)
	withoutAccount, _, _ := strings.Cut(siteYAML, "activitypub:")
	f.write(content.SiteFile, withoutAccount)
	holder := func() string {
		var h string
		err := f.db.QueryRowContext(t.Context(), "SELECT holder FROM leases WHERE name = ?", LeaseName).Scan(&h)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return h
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.svc.RunLeased(ctx, 300*time.Millisecond) }()
	defer func() { cancel(); <-done }()

	time.Sleep(500 * time.Millisecond) // five checks
	if h := holder(); h != "" {
		t.Fatalf("without an account the lease is held by %s", h)
	}
	f.write(content.SiteFile, siteYAML)
	waitFor("the account was added and the lease never taken", func() bool { return holder() != "" })
	f.write(content.SiteFile, withoutAccount)
	waitFor("the account was removed and the lease kept", func() bool { return holder() == "" })
}
