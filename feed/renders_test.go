package feed

import (
	"bytes"
	"testing"
	"time"
)

// memRenders is a Renders in memory, as a folder keeps them across runs.
type memRenders struct {
	resp  map[string]*Response
	path  map[string]string
	loads int
}

func newMemRenders() *memRenders {
	return &memRenders{resp: map[string]*Response{}, path: map[string]string{}}
}

func (m *memRenders) Load(key string) (*Response, string) {
	r, ok := m.resp[key]
	if !ok {
		return nil, ""
	}
	m.loads++
	c := *r
	return &c, m.path[key]
}

func (m *memRenders) Store(key, path string, r *Response) {
	c := *r // Stamps change LastModified after Store
	m.resp[key], m.path[key] = &c, path
}

type fixedStamps time.Time

func (s fixedStamps) Modified(path, etag string, floor time.Time) time.Time { return time.Time(s) }

// A cache given the Renders an earlier cache stored into renders
// nothing, and answers the same bytes, types and links; Stamps date
// what it reads back as they date a render; and a full cache compresses
// what it reads back as it compresses a render.
func TestRendersReadBack(t *testing.T) {
	snap := sampleSnap(t)
	m := newMemRenders()
	first := NewIdentityCache(64 << 20)
	stamp := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	first.UseRenders(m)
	first.UseStamps(fixedStamps(stamp))
	want := map[string]*Response{}
	for _, s := range Specs() {
		for _, f := range Formats {
			r, err := first.Get(snap, s, f)
			if err != nil {
				t.Fatal(err)
			}
			want[s.Path(f)] = r
		}
	}
	if n := first.Stats().Renders; n == 0 || len(m.resp) != int(n) {
		t.Fatalf("%d renders, %d stored", n, len(m.resp))
	}
	for _, c := range []*Cache{NewIdentityCache(64 << 20), NewCache(64 << 20)} {
		c.UseRenders(m)
		c.UseStamps(fixedStamps(stamp))
		loads := m.loads
		for _, s := range Specs() {
			for _, f := range Formats {
				got, err := c.Get(snap, s, f)
				if err != nil {
					t.Fatal(err)
				}
				w := want[s.Path(f)]
				if !bytes.Equal(got.Identity.Bytes, w.Identity.Bytes) || got.Identity.ETag != w.Identity.ETag ||
					got.ContentType != w.ContentType || got.Link != w.Link {
					t.Errorf("%s: read back differs from the render", s.Path(f))
				}
				if !got.LastModified.Equal(stamp) {
					t.Errorf("%s: Last-Modified %v, not the stamp", s.Path(f), got.LastModified)
				}
				if gz, _ := Gzip(w.Identity.Bytes); !c.Identity() && !bytes.Equal(got.Gzip.Bytes, gz) {
					t.Errorf("%s: a full cache does not compress what it reads back", s.Path(f))
				}
			}
		}
		if n := c.Stats().Renders; n != 0 || m.loads-loads != len(want) {
			t.Errorf("read back: %d renders, %d loads of %d documents", n, m.loads-loads, len(want))
		}
	}
	// The floor Store was told is the render's, not the stamp.
	for k, r := range m.resp {
		if r.LastModified.Equal(stamp) {
			t.Errorf("%s stored with the stamp as its Last-Modified", k)
		}
	}
}
