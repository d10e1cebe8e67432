package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnsOfMovedDate: an issue's date: edited after it went out
// does not move it; check, given the store, says so and how to.
func TestCheckWarnsOfMovedDate(t *testing.T) {
	dir := sampleFolder(t)
	data := t.TempDir()
	env := map[string]string{"MORNINGPOST_DATA": data}
	if code, stdout, stderr := runCmd(t, env, "export", "--content", dir, filepath.Join(t.TempDir(), "site")); code != 0 {
		t.Fatalf("export: %d\n%s%s", code, stdout, stderr)
	}
	path := filepath.Join(dir, "issues/87/issue.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "issues/87/issue.md", strings.Replace(string(b), "date: 2026-04-25", "date: 2026-04-24", 1))
	code, stdout, stderr := runCmd(t, env, "check", "--content", dir)
	if code != 0 || !strings.Contains(stdout, "warning: issues/87/issue.md:2: issue 87 went out at 2026-04-25T06:00:00+01:00") ||
		!strings.Contains(stdout, "published:") {
		t.Errorf("check: %d\n%s%s\nwant a warning at issues/87/issue.md:2 naming when it went out and published:", code, stdout, stderr)
	}
	// Without a store, nothing to say, and none is made.
	empty := t.TempDir()
	code, stdout, _ = runCmd(t, map[string]string{"MORNINGPOST_DATA": empty}, "check", "--content", dir)
	if entries, _ := os.ReadDir(empty); code != 0 || strings.Contains(stdout, "warning") || len(entries) != 0 {
		t.Errorf("check without a store: %d %q, wrote %d files", code, stdout, len(entries))
	}
}
