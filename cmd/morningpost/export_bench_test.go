package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkExport exports a generated archive of 300 issues
// (MORNINGPOST_BENCH_ISSUES sets another number, such as 3650) into a
// new folder (fresh) and into the folder of the last export, unchanged
// (again). Each iteration is one whole export.
func BenchmarkExport(b *testing.B) {
	at := time.Date(2026, 4, 26, 6, 0, 0, 0, time.UTC)
	issues := 300
	if s := os.Getenv("MORNINGPOST_BENCH_ISSUES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("MORNINGPOST_BENCH_ISSUES=%q: want a number of issues", s)
		}
		issues = n
	}
	src := b.TempDir()
	if err := writeArchive(src, issues, at); err != nil {
		b.Fatal(err)
	}
	cfg := exportConfig{content: src, data: b.TempDir(), at: at}
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			cfg.out = filepath.Join(b.TempDir(), "site")
			if err := runExport(context.Background(), cfg, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		cfg.out = filepath.Join(b.TempDir(), "site")
		if err := runExport(context.Background(), cfg, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := runExport(context.Background(), cfg, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
