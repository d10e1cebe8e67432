package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/handlers"
)

// addIssue adds issue n to the archive in dir, dated date: issue n-1's
// files with a sentence more in each article (a copy word for word is
// refused).
func addIssue(t testing.TB, dir string, n int, date time.Time) {
	t.Helper()
	from := filepath.Join(dir, "issues", strconv.Itoa(n-1))
	to := filepath.Join(dir, "issues", strconv.Itoa(n))
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(to)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(to, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "issue.md" {
			old := "date: " + date.AddDate(0, 0, -1).Format(time.DateOnly)
			if !bytes.Contains(b, []byte(old)) {
				t.Fatalf("%s has no %q", p, old)
			}
			b = bytes.Replace(b, []byte(old), []byte("date: "+date.Format(time.DateOnly)), 1)
		} else {
			b = append(b, "\nPublished as issue "+strconv.Itoa(n)+".\n"...)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// siteFiles are the bytes of every document file of an export (not the
// export's own files).
func siteFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(e.Name(), ".morningpost") {
			return nil
		}
		b, err := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The export after a day's issue, into the folder of the day before,
// holds the same bytes as a fresh export of the same content: the pages
// it reads back from its last files instead of rendering them (an
// article's page, keyed by its issue) are those it would render. And it
// writes a few files, not the archive's list pages again.
func TestExportAfterNewIssueAsFresh(t *testing.T) {
	day := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "post")
	const n = 40
	if err := writeArchive(dir, n, day); err != nil { // issue 40 on 2 June
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	before, _, _, _, _ := exportOK(t, "--content", dir, "--at", day.Add(12*time.Hour).Format(time.RFC3339), out)

	addIssue(t, dir, n+1, day)
	at := day.Add(12 * time.Hour).Format(time.RFC3339)
	files, wrote, _, removed, _ := exportOK(t, "--content", dir, "--at", at, out)
	if files <= before || removed != 0 {
		t.Fatalf("after a new issue: %d files (were %d), removed %d", files, before, removed)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	exportOK(t, "--content", dir, "--at", at, fresh)

	got, want := siteFiles(t, out), siteFiles(t, fresh)
	for name, b := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from the export after the new issue", name)
		} else if !bytes.Equal(g, b) {
			t.Errorf("%s: differs from a fresh export's", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: not in a fresh export", name)
		}
	}
	// The new issue's pages, its neighbour's, the lists' own pages (the
	// archive, the sections, the new issue's tags), their feeds and this
	// month's archives, each with its .gz and .br: some 120 documents
	// whatever the length of the archive (360 files at 40 and at 1,000
	// issues), not every list page of it.
	if wrote > 450 {
		t.Errorf("after a new issue: wrote %d of %d files", wrote, files)
	}
	t.Logf("after a new issue: wrote %d of %d files", wrote, files)

}

// TestGzipOnly: the feed archives, as the route table's archive lines
// match them (a :year or :month segment matches any one segment; the
// export asks only of documents the server answered, and an archive of
// a malformed month answers 404).
func TestGzipOnly(t *testing.T) {
	for p, want := range map[string]bool{
		"/archive/2026/04/feed.atom":                    true,
		"/issues/archive/2026/04/feed.rss":              true,
		"/sections/deep-dive/archive/2026/12/feed.json": true,
		"/feed.atom":                  false,
		"/issues/feed.json":           false,
		"/archive/2026/04/feed.html":  false,
		"/archive/2026/04/other.atom": false,
		"/tags/archive/feed.atom":     false,
		"/issues/87/archive/2026/04":  false,
	} {
		if got := handlers.GzipOnly(p); got != want {
			t.Errorf("handlers.GzipOnly(%q) = %v, want %v", p, got, want)
		}
	}
}

// Feed archives get a .gz and no .br; every other compressible
// document gets both; an unchanged export again writes nothing.
func TestExportArchivesGzipOnly(t *testing.T) {
	dir := sampleFolder(t)
	out := filepath.Join(t.TempDir(), "site")
	at := "2026-04-26T12:00:00Z"
	exportOK(t, "--content", dir, "--at", at, out)
	archives := 0
	for name := range siteFiles(t, out) {
		base, isBr := strings.CutSuffix(name, ".br")
		switch {
		case isBr && handlers.GzipOnly("/"+base):
			t.Errorf("%s: an archive with a .br", name)
		case !isBr && handlers.GzipOnly("/"+name):
			archives++
			if _, err := os.Stat(filepath.Join(out, name+".gz")); err != nil {
				t.Errorf("%s: no .gz: %v", name, err)
			}
		}
	}
	for _, f := range []string{"feed.atom.br", "issues/87.html.br", "index.html.br"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if archives == 0 {
		t.Fatal("no archive exported")
	}
	if files, wrote, kept, _, _ := exportOK(t, "--content", dir, "--at", at, out); wrote != 0 || kept != files {
		t.Errorf("unchanged export again: wrote %d, kept %d of %d", wrote, kept, files)
	}
}

// The export runs under its own soft memory limit, above serve's (the
// collector would otherwise take a third of its CPU), unless GOMEMLIMIT
// chose one.
func TestExportMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--at", "2026-04-26T12:00:00Z", out)
	if got := debug.SetMemoryLimit(-1); got != exportMemoryLimit || exportMemoryLimit <= memoryLimit || exportMemoryLimit >= 500<<20 {
		t.Errorf("memory limit %d during export, want %d (above serve's %d, under 500 MB)", got, exportMemoryLimit, memoryLimit)
	}
	debug.SetMemoryLimit(123 << 20)
	limitExportMemory(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "123MiB"
		}
		return ""
	})
	if got := debug.SetMemoryLimit(-1); got != 123<<20 {
		t.Errorf("with GOMEMLIMIT set, the limit became %d", got)
	}
}
