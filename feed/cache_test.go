package feed

import (
	"bytes"
	"compress/gzip"
	"io"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/morningpost/morningpost/content"
)

func TestCacheCoalesces(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 8}))
	c := NewCache(64 << 20)
	s := Spec{Kind: Issues}
	const n = 200
	var wg sync.WaitGroup
	start := make(chan struct{})
	resps := make([]*Response, n)
	for i := range n {
		wg.Go(func() {
			<-start
			r, err := c.Get(snap, s, Formats[i%3])
			if err != nil {
				t.Error(err)
			}
			resps[i] = r
		})
	}
	close(start)
	wg.Wait()
	st := c.Stats()
	if st.Renders != 3 {
		t.Errorf("%d concurrent Gets of 3 feeds: %d renders, want 3", n, st.Renders)
	}
	if st.Hits+st.Misses != n || st.Entries != 1 { // one document, in three formats
		t.Errorf("stats %+v", st)
	}
	for i, r := range resps {
		if r != resps[i%3] {
			t.Fatalf("Get %d: a different response for the same feed", i)
		}
	}
	// Hits render nothing.
	for range 10 {
		if _, err := c.Get(snap, s, RSS); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.Stats(); st.Renders != 3 || st.Hits < 10 {
		t.Errorf("after hits: %+v", st)
	}
}

func TestCacheResponse(t *testing.T) {
	snap := sampleSnap(t)
	c := NewCache(64 << 20)
	for _, s := range Specs() {
		for _, f := range Formats {
			r, err := c.Get(snap, s, f)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Render(Build(snap, s), f)
			if !bytes.Equal(r.Identity.Bytes, want) || r.ContentType != f.ContentType() {
				t.Errorf("%s: identity body is not Render's output", s.Path(f))
			}
			zr, err := gzip.NewReader(bytes.NewReader(r.Gzip.Bytes))
			if err != nil {
				t.Fatal(err)
			}
			if gz, _ := io.ReadAll(zr); !bytes.Equal(gz, want) {
				t.Errorf("%s: gzip body does not decompress to the feed", s.Path(f))
			}
			if br, _ := io.ReadAll(brotli.NewReader(bytes.NewReader(r.Brotli.Bytes))); !bytes.Equal(br, want) {
				t.Errorf("%s: brotli body does not decompress to the feed", s.Path(f))
			}
			etags := map[string]bool{r.Identity.ETag: true, r.Gzip.ETag: true, r.Brotli.ETag: true}
			if len(etags) != 3 || len(r.Identity.ETag) != 22 || r.Identity.ETag[0] != '"' {
				t.Errorf("%s: ETags %q %q %q", s.Path(f), r.Identity.ETag, r.Gzip.ETag, r.Brotli.ETag)
			}
			if !r.LastModified.Equal(Build(snap, s).Feed.Updated) || r.LastModified.IsZero() {
				t.Errorf("%s: Last-Modified %v", s.Path(f), r.LastModified)
			}
			if len(r.Brotli.Bytes) >= len(want) || len(r.Gzip.Bytes) >= len(want) {
				t.Errorf("%s: compression made it bigger", s.Path(f))
			}
		}
	}
	// Compression is deterministic too: a second cache gives the same ETags.
	c2 := NewCache(64 << 20)
	a, _ := c.Get(snap, Spec{Kind: Articles}, Atom)
	b, _ := c2.Get(snap, Spec{Kind: Articles}, Atom)
	if a.Identity.ETag != b.Identity.ETag || a.Gzip.ETag != b.Gzip.ETag || a.Brotli.ETag != b.Brotli.ETag {
		t.Error("same content, different ETags")
	}
}

func TestCacheNewSnapshot(t *testing.T) {
	c0, err := content.Load(synth(synthOptions{Issues: 3}))
	if err != nil {
		t.Fatal(err)
	}
	before := c0.At(now.AddDate(0, 0, -1)) // issue 3 not yet out
	after := c0.At(now)
	if before.Key == after.Key {
		t.Fatal("snapshots share a key")
	}
	c := NewCache(64 << 20)
	s := Spec{Kind: Articles}
	r1, _ := c.Get(before, s, JSON)
	r2, _ := c.Get(after, s, JSON)
	r3, _ := c.Get(after, s, JSON)
	if st := c.Stats(); st.Renders != 2 || st.Hits != 1 {
		t.Errorf("stats %+v, want 2 renders and 1 hit", st)
	}
	if r1.Identity.ETag == r2.Identity.ETag || r2 != r3 {
		t.Error("a new snapshot did not give a new response")
	}
	if !r2.LastModified.After(r1.LastModified) {
		t.Errorf("Last-Modified %v then %v", r1.LastModified, r2.LastModified)
	}
}

func TestCacheBudget(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 10}))
	var sizes []int64 // of each entry: the document and its RSS
	for _, s := range Specs()[:3] {
		probe := NewCache(1 << 30)
		probe.Get(snap, s, RSS)
		sizes = append(sizes, probe.Stats().Bytes)
	}
	// Room for the two largest responses, not three.
	budget := max(sizes[0]+sizes[1], sizes[0]+sizes[2], sizes[1]+sizes[2])
	c := NewCache(budget)
	specs := Specs()[:3]
	c.Get(snap, specs[0], RSS)
	c.Get(snap, specs[1], RSS)
	c.Get(snap, specs[0], RSS) // specs[1] is now the one unused since
	c.Get(snap, specs[2], RSS)
	st := c.Stats()
	if st.Bytes > budget || st.Entries != 2 || st.Evictions != 1 {
		t.Fatalf("over budget %d: %+v", budget, st)
	}
	c.Get(snap, specs[0], RSS)
	if got := c.Stats().Renders; got != 3 {
		t.Errorf("the recently used response was evicted: %d renders", got)
	}
	c.Get(snap, specs[1], RSS)
	if got := c.Stats().Renders; got != 4 {
		t.Errorf("the least recently used response was kept: %d renders", got)
	}
}

// A document larger than the whole budget is kept all the same, with
// room for another as large: asked again, in any format, it is not
// rendered again (a feed of 38 MB took 20 s of CPU on every request).
func TestCacheKeepsDocumentsOverBudget(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 10}))
	specs := Specs()[:2]
	tiny := NewCache(10)
	for range 3 {
		for _, s := range specs {
			for _, f := range []Format{RSS, Atom} {
				r, err := tiny.Get(snap, s, f)
				if err != nil || r == nil || len(r.Identity.Bytes) == 0 {
					t.Fatal(err)
				}
			}
		}
	}
	st := tiny.Stats()
	if st.Renders != 4 || st.Entries != 2 {
		t.Errorf("two documents in two formats, asked three times: %d renders, %d entries held; want 4 and 2", st.Renders, st.Entries)
	}
}

func TestCacheRejectsUnknownFeeds(t *testing.T) {
	snap := sampleSnap(t)
	c := NewCache(1 << 20)
	for _, bad := range []struct {
		s Spec
		f Format
	}{
		{Spec{Kind: SectionFeed, Section: "../etc"}, RSS},
		{Spec{Kind: Articles}, "xml"},
		{Spec{Kind: 7}, JSON},
	} {
		if _, err := c.Get(snap, bad.s, bad.f); err == nil {
			t.Errorf("Get(%+v, %q): no error", bad.s, bad.f)
		}
	}
	if st := c.Stats(); st.Entries != 0 || st.Renders != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A cache hit allocates nothing, for every subscription feed and
// archive: the fast path serves them all (tag feeds pay for checking
// their slug in Spec.Valid).
func TestCacheHitAllocatesNothing(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 40}))
	c := NewCache(64 << 20)
	for _, s := range Specs() {
		if _, err := c.Get(snap, s, Atom); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _ = c.Get(snap, s, Atom) }); n != 0 {
			t.Errorf("Get %v: %.0f allocations per hit", s, n)
		}
		as := Archives(snap, s)
		if len(as) == 0 {
			t.Fatalf("%v has no archives", s)
		}
		p := as[len(as)-1].Period
		if _, _, err := c.GetArchive(snap, s, p, Atom); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _, _ = c.GetArchive(snap, s, p, Atom) }); n != 0 {
			t.Errorf("GetArchive %v %v: %.0f allocations per hit", s, p, n)
		}
	}
}
