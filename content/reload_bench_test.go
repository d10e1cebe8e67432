package content

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkReloadOneIssue is an edit of the newest issue of a ten-year
// archive (3,650 issues), reloaded as the watcher does: only its folder.
func BenchmarkReloadOneIssue(b *testing.B) {
	dir := archiveDir(b, 3650, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		b.Fatal(err)
	}
	lead := filepath.Join(dir, "issues", "3650", "lead.md")
	orig, err := os.ReadFile(lead)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := os.WriteFile(lead, append(orig, []byte("\nEdit "+strconv.Itoa(i)+".\n")...), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := l.ReloadPaths([]string{"issues/3650/lead.md"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReloadOneIssueRecorded is BenchmarkReloadOneIssue with a
// record, as serve runs: every reload is dated at once, each issue's
// recorded instant read and every public entry's readerSum revised.
func BenchmarkReloadOneIssueRecorded(b *testing.B) {
	dir := archiveDir(b, 3650, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l, err := NewLive(os.DirFS(dir), LiveOptions{Record: &memRecord{}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	lead := filepath.Join(dir, "issues", "3650", "lead.md")
	orig, err := os.ReadFile(lead)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		now = now.Add(time.Second)
		if err := os.WriteFile(lead, append(orig, []byte("\nEdit "+strconv.Itoa(i)+".\n")...), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := l.ReloadPaths([]string{"issues/3650/lead.md"}); err != nil {
			b.Fatal(err)
		}
	}
}
