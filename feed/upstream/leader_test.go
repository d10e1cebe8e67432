package upstream

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// checks records what a Leader tells OnSources and OnCheck.
type checks struct {
	mu      sync.Mutex
	n       int
	err     error
	polling bool
	sources *Store
}

func (c *checks) opts(dir string, term time.Duration) LeaderOptions {
	return LeaderOptions{
		Term: term,
		Poll: Options{FS: os.DirFS(dir)},
		OnSources: func(s *Store) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.sources = s
		},
		OnCheck: func(err error, polling bool, _ time.Time) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.n, c.err, c.polling = c.n+1, err, polling
		},
	}
}

func (c *checks) last() (n int, err error, polling bool, sources *Store) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.err, c.polling, c.sources
}

// sampleLive copies the sample (one file: source) into a folder, with
// its sources or without, and serves it.
func sampleLive(t *testing.T, withSources bool) (dir string, live *content.Live) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		t.Fatal(err)
	}
	if !withSources {
		site := readFile(t, filepath.Join(dir, "morningpost.yaml"))
		bare, _, ok := strings.Cut(site, "sources:\n")
		if !ok {
			t.Fatal("the sample lists no sources")
		}
		writeFile(t, filepath.Join(dir, "morningpost.yaml"), bare)
	}
	live, err := content.NewLive(os.DirFS(dir), content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(live.Close)
	return dir, live
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eventually fails the test unless cond holds within 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// polled reports whether the store holds items of the sample's source.
func polled(t *testing.T, st *Store) bool {
	srcs, err := st.Sources(t.Context())
	return err == nil && len(srcs) == 1 && srcs[0].Items > 0
}

// Of two servers sharing a store, the first to ask holds the lease and
// polls; the other serves without polling, and takes over as soon as
// the first stops and releases the lease.
func TestLeaderOneOfTwoPollsThenHandsOver(t *testing.T) {
	dir, live := sampleLive(t, true)
	db := openDB(t)
	const term = 600 * time.Millisecond

	var ca, cb checks
	actx, stopA := context.WithCancel(t.Context())
	a := NewLeader(db, live, ca.opts(dir, term))
	doneA := a.Start(actx)
	if n, err, polling, sources := ca.last(); n != 1 || err != nil || !polling || sources == nil || !a.Leading() {
		t.Fatalf("first server after Start: checks %d, error %v, polling %v, sources given %v, leading %v", n, err, polling, sources != nil, a.Leading())
	}
	eventually(t, "the leader polls the sample's source", func() bool { return polled(t, New(db)) })

	bctx, stopB := context.WithCancel(t.Context())
	defer stopB()
	b := NewLeader(db, live, cb.opts(dir, term))
	doneB := b.Start(bctx)
	if n, err, polling, sources := cb.last(); n != 1 || err != nil || polling || sources == nil || b.Leading() {
		t.Fatalf("second server after Start: checks %d, error %v, polling %v, sources given %v, leading %v", n, err, polling, sources != nil, b.Leading())
	}
	time.Sleep(term) // renewals: the first keeps the lease
	if !a.Leading() || b.Leading() {
		t.Fatalf("after a term: first leads %v, second leads %v", a.Leading(), b.Leading())
	}

	stopA()
	<-doneA
	holder, err := store.NewLease(db, LeaseName, term, nil).HeldBy(t.Context())
	if err != nil || holder != "" {
		t.Fatalf("lease after the first stopped: held by %q, %v; want released", holder, err)
	}
	eventually(t, "the second server takes the lease over", func() bool {
		_, _, polling, _ := cb.last()
		return b.Leading() && polling
	})
	stopB()
	<-doneB
}

// A site without sources polls nothing, and passes no store to serve
// /sources from, until a reload adds the first source.
func TestLeaderFirstSourceAdded(t *testing.T) {
	dir, live := sampleLive(t, false)
	db := openDB(t)
	var c checks
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	l := NewLeader(db, live, c.opts(dir, 600*time.Millisecond))
	done := l.Start(ctx)
	if n, err, polling, sources := c.last(); n != 1 || err != nil || polling || sources != nil || !l.Leading() {
		t.Fatalf("without sources: checks %d, error %v, polling %v, sources given %v, leading %v", n, err, polling, sources != nil, l.Leading())
	}

	sample, err := content.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	src := sample.Site.Sources[0]
	site := readFile(t, filepath.Join(dir, "morningpost.yaml"))
	writeFile(t, filepath.Join(dir, "morningpost.yaml"), site+"sources:\n  - name: "+src.Name+"\n    url: "+src.URL+"\n")
	if err := live.Reload(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first source is polled", func() bool {
		_, _, polling, sources := c.last()
		return polling && sources != nil && polled(t, sources)
	})
	stop()
	<-done
}

// A store that stops answering pauses polling and is reported to
// OnCheck, naming the store.
func TestLeaderStoreUnreachable(t *testing.T) {
	dir, live := sampleLive(t, true)
	db := openDB(t)
	var c checks
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	l := NewLeader(db, live, c.opts(dir, 300*time.Millisecond))
	done := l.Start(ctx)
	if _, err, polling, _ := c.last(); err != nil || !polling {
		t.Fatalf("after Start: error %v, polling %v", err, polling)
	}
	db.Close()
	eventually(t, "the closed store is reported", func() bool {
		_, err, polling, _ := c.last()
		return err != nil && !polling && !l.Leading() && strings.Contains(err.Error(), db.String())
	})
	stop()
	<-done
}
