package feed

import (
	"strconv"
	"testing"
)

// A document's entry counts each rendering as it is added, and drops
// the document once every format is rendered.
func TestCacheCountsRenderingsAsAdded(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 4}))
	c := NewCache(64 << 20)
	s := Spec{Kind: Articles}
	var sum, last int64
	for i, f := range Formats {
		r, err := c.Get(snap, s, f)
		if err != nil {
			t.Fatal(err)
		}
		sum += r.Size()
		st := c.Stats()
		if st.Bytes <= last || st.Entries != 1 || st.Renders != uint64(i+1) {
			t.Fatalf("after %s: %+v (was %d bytes)", f, st, last)
		}
		last = st.Bytes
	}
	if last != sum {
		t.Errorf("%d bytes held once every format is rendered, want the renderings' %d", last, sum)
	}
}

func pageResponse(n int) func() (*Response, error) {
	return func() (*Response, error) { return IdentityResponse("text/html", make([]byte, n)), nil }
}

// Values (pages, pictures) share the budget and the clock with feeds:
// a value used since the hand last passed gets a second chance, one not
// used is evicted, and a path keeps only its newest version.
func TestCacheValuesClock(t *testing.T) {
	c := NewCache(3000)
	for _, k := range []string{"a", "b", "c"} {
		if _, err := c.Response(k, "", pageResponse(1000)); err != nil {
			t.Fatal(err)
		}
	}
	c.Response("a", "", pageResponse(1000)) // a hit: a is referenced
	c.Response("d", "", pageResponse(1000)) // evicts b, the first unreferenced
	if st := c.Stats(); st.Entries != 3 || st.Bytes != 3000 || st.Evictions != 1 || st.Renders != 4 {
		t.Fatalf("stats %+v", st)
	}
	for _, k := range []string{"a", "c", "d", "b"} {
		want := uint64(4)
		if k == "b" {
			want = 5
		}
		c.Response(k, "", pageResponse(1000))
		if got := c.Stats().Renders; got != want {
			t.Errorf("%s: %d renders, want %d", k, got, want)
		}
	}

	p := NewCache(1 << 20)
	v1, _ := p.Response("page@1", "/p", pageResponse(10))
	v2, _ := p.Response("page@2", "/p", pageResponse(10))
	if st := p.Stats(); v1 == v2 || st.Entries != 1 || st.Bytes != 10 {
		t.Errorf("a path's new version: %+v", st)
	}
}

// Inserting is O(1) amortised: a crawl of a ten-year archive's 18,000
// pages through a cache that holds a tenth of them costs the same per
// page as the first thousand.
func BenchmarkCacheInsert(b *testing.B) {
	keys := make([]string, 18000)
	for i := range keys {
		keys[i] = "page" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		c := NewCache(1800 * 4096)
		for _, k := range keys {
			if _, err := c.Response(k, k, pageResponse(4096)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
