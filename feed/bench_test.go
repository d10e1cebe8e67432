package feed

import "testing"

// The benchmarks use 100 synthetic issues, 400 articles; feeds hold 30 entries.

func BenchmarkBuild(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	for _, s := range []Spec{{Kind: Articles}, {Kind: Issues}} {
		b.Run(s.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(snap, s)
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	for _, s := range []Spec{{Kind: Articles}, {Kind: Issues}} {
		d := Build(snap, s)
		for _, f := range Formats {
			b.Run(s.String()+"/"+string(f), func(b *testing.B) { benchRender(b, d, f) })
		}
	}
}

// benchRender renders d in format f in a loop and reports the size.
func benchRender(b *testing.B, d *Doc, f Format) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := Render(d, f)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "bytes/feed")
}

// BenchmarkResponse is a cache miss: render plus gzip and brotli.
func BenchmarkResponse(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	d := Build(snap, Spec{Kind: Issues})
	c := NewCache(64 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.renderDoc(d, Atom); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheGetHit(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	c := NewCache(64 << 20)
	s := Spec{Kind: Issues}
	if _, err := c.Get(snap, s, Atom); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(snap, s, Atom); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCacheGetHitSerial(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	c := NewCache(64 << 20)
	s := Spec{Kind: Issues}
	if _, err := c.Get(snap, s, Atom); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(snap, s, Atom); err != nil {
			b.Fatal(err)
		}
	}
}
