package content

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

// archive returns the sample plus synthetic issues: n issues in all.
func archive(tb testing.TB, n int, last time.Time) fstest.MapFS {
	tb.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(Sample(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Sample(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	for name, body := range Synthetic(n, last) {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

// archiveDir writes archive(tb, n, last) to a new folder and returns it.
func archiveDir(tb testing.TB, n int, last time.Time) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.CopyFS(dir, archive(tb, n, last)); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestSyntheticArchive(t *testing.T) {
	last := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	c, err := Load(archive(t, 400, last))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Issues) != 400 {
		t.Fatalf("issues = %d, want 400", len(c.Issues))
	}
	s := c.At(last.AddDate(0, 0, 1).Add(12 * time.Hour))
	if len(s.Issues) != 400 || len(s.Articles()) != 1600 {
		t.Errorf("public: %d issues %d articles, want all 400/1600", len(s.Issues), len(s.Articles()))
	}
	if s.Latest().Number != 400 || s.Latest().Date.Format("2006-01-02") != "2026-11-25" {
		t.Errorf("latest = #%d %v", s.Latest().Number, s.Latest().Date)
	}
	c2, _ := Load(archive(t, 400, last))
	if c2.Version != c.Version {
		t.Error("synthetic archive is not deterministic")
	}
	lead := c.Issue(5).Lead()
	if n := len(lead.Body()); n < 1500 || n > 8000 {
		t.Errorf("lead body is %d bytes, want a few KB", n)
	}
}

// BenchmarkLoad loads ten years of issues as serve does, through an
// os.Root (root), and through os.DirFS for comparison (dirfs): the
// root's checks that no path leaves the folder cost a few system calls
// per file.
func BenchmarkLoad(b *testing.B) {
	dir := archiveDir(b, 3650, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	root, err := OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		fsys fs.FS
	}{{"root", root}, {"dirfs", os.DirFS(dir)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(bc.fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
