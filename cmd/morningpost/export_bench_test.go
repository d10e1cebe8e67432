package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"
)

// BenchmarkExport exports a generated archive of 300 issues
// (MORNINGPOST_BENCH_ISSUES sets another number, such as 3650) into a
// new folder (fresh), into the folder of the last export, unchanged
// (again), and into it after one new issue dated the day after the last
// (daily). Each iteration is one whole export. With
// MORNINGPOST_BENCH_PROFILE=FILE, daily writes the CPU profile of its
// timed exports alone to FILE (go tool pprof FILE).
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
	b.Run("daily", func(b *testing.B) {
		var prof *os.File
		if name := os.Getenv("MORNINGPOST_BENCH_PROFILE"); name != "" {
			f, err := os.Create(name)
			if err != nil {
				b.Fatal(err)
			}
			prof = f
			defer f.Close()
		}
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "post")
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				b.Fatal(err)
			}
			day := cfg
			day.content, day.data, day.out = dir, b.TempDir(), filepath.Join(b.TempDir(), "site")
			if err := runExport(context.Background(), day, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
			addIssue(b, dir, issues+1, at)
			day.at = at.AddDate(0, 0, 1)
			if prof != nil {
				if err := pprof.StartCPUProfile(prof); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			if err := runExport(context.Background(), day, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
			if prof != nil {
				pprof.StopCPUProfile()
				prof = nil // one profile: the first export's
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
