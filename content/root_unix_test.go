//go:build unix

package content

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned in time: a
// loader that opens a named pipe waits for ever, and must not hang the
// suite.
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting after 10 s: a named pipe was opened")
	}
}

// A named pipe in the content root, where the loader reads Markdown, a
// picture or the site file, is a problem naming it; the load never
// waits for a writer. Through OpenDir (as the server reads) and through
// os.DirFS, whose Open would block.
func TestLoadNamedPipe(t *testing.T) {
	for _, pipe := range []string{"issues/1/pipe.md", "issues/1/issue.md", "issues/1/chart.png", SiteFile} {
		dir := t.TempDir()
		files := map[string]string{
			SiteFile:            siteYAML,
			"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
			"issues/1/lead.md":  "---\ntitle: First\n---\nBody.\n",
		}
		delete(files, pipe)
		writeTree(t, dir, files)
		if err := syscall.Mkfifo(filepath.Join(dir, filepath.FromSlash(pipe)), 0o644); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
		root, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for name, fsys := range map[string]fs.FS{"OpenDir": root, "os.DirFS": os.DirFS(dir)} {
			var err error
			within(t, func() { _, err = Load(fsys) })
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%s, %s: Load = %v, want Problems", name, pipe, err)
			}
			found := false
			for _, p := range ps {
				if p.Path == pipe && strings.Contains(p.Msg, "named pipe") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s, %s: problems %v do not name the pipe", name, pipe, ps)
			}
		}
	}
}

// OpenDir's FS refuses to open a named pipe at once, whoever asks (a
// file: source, an image read for a request), and reads regular files
// and folders as ever.
func TestOpenDirNamedPipe(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"sources/a.xml": "<rss/>"})
	if err := syscall.Mkfifo(filepath.Join(dir, "sources", "pipe.xml"), 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	fsys, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	within(t, func() {
		_, err = fs.ReadFile(fsys, "sources/pipe.xml")
	})
	if !errors.Is(err, ErrNotRegular) {
		t.Errorf("reading a named pipe: %v, want ErrNotRegular", err)
	}
	if b, err := fs.ReadFile(fsys, "sources/a.xml"); err != nil || string(b) != "<rss/>" {
		t.Errorf("regular file: %q, %v", b, err)
	}
	if es, err := fs.ReadDir(fsys, "sources"); err != nil || len(es) != 2 {
		t.Errorf("ReadDir: %v, %v", es, err)
	}
}
