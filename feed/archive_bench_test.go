package feed

import "testing"

// BenchmarkBuildArchive builds one month of every article (about 120
// entries) out of 100 issues.
func BenchmarkBuildArchive(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	p := Archives(snap, Spec{Kind: Articles})[1].Period // a whole month
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildArchive(snap, Spec{Kind: Articles}, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderArchive renders that month in each format.
func BenchmarkRenderArchive(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	a := Archives(snap, Spec{Kind: Articles})[1]
	d, err := BuildArchive(snap, Spec{Kind: Articles}, a.Period)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			benchRender(b, d, f)
			b.ReportMetric(float64(a.Entries), "entries")
		})
	}
}

// BenchmarkIndex is the per-snapshot work behind every cache key: which
// issues make each subscription feed and archive, over 100 issues.
func BenchmarkIndex(b *testing.B) {
	snap := load(b, synth(synthOptions{Issues: 100}))
	b.ReportAllocs()
	for b.Loop() {
		newIndex(snap)
	}
}
