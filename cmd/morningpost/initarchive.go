package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
)

// writeArchive writes an archive of n issues to dir: the sample's site
// and issue #87, and generated issues 1 to n, one a day, the newest dated
// yesterday (UTC) of now, so that every issue is already published. With
// fewer than 87 issues the sample issue is left out, so the archive holds
// exactly n.
func writeArchive(dir string, n int, now time.Time) error {
	y, m, d := now.UTC().Date()
	last := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	sample := content.Sample()
	sampleDir := "issues/" + strconv.Itoa(content.SampleIssue)
	err := fs.WalkDir(sample, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n < content.SampleIssue && (p == sampleDir || strings.HasPrefix(p, sampleDir+"/")) {
			return fs.SkipDir
		}
		if e.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(sample, p)
		if err != nil {
			return err
		}
		return writeFile(dir, p, b)
	})
	if err != nil {
		return err
	}
	for name, body := range content.Synthetic(n, last) {
		if err := writeFile(dir, name, []byte(body)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, name string, b []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
