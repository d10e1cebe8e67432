package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// nginx with the export's _nginx.conf never serves a dot-file: the
// temporary files of an interrupted export, its journal, its record.
func TestExportDotFilesNotServedByNginx(t *testing.T) {
	at := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "post")
	if err := writeArchive(dir, 2, at); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)
	// What an interrupted export leaves, old and new.
	write(t, out, ".feed.atom.gz.tmp4172", "half a feed")
	write(t, out, "issues/.issues.html.tmp99", "half a page")
	write(t, out, ".morningpost-tmp/123", "<feed/>")
	write(t, out, ".morningpost-export.journal", "\"123\" \"feed.atom\"\n")
	ngx := startNginx(t, out)
	for _, u := range []string{"/feed.atom", "/issues"} {
		if resp, _ := get(t, http.MethodGet, ngx+u); resp.StatusCode != 200 {
			t.Fatalf("%s: %d, want 200", u, resp.StatusCode)
		}
	}
	for _, u := range []string{"/.feed.atom.gz.tmp4172", "/issues/.issues.html.tmp99", "/.morningpost-tmp/123", "/.morningpost-export.journal", "/.morningpost-export.state", "/.morningpost-export"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(u))); err != nil {
			t.Fatal(err)
		}
		if resp, b := get(t, http.MethodGet, ngx+u); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404: %q", u, resp.StatusCode, b)
		}
	}
}
