package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Read through OpenDir, nothing outside the content root is read: an
// article or a file: source that is a symbolic link to a file elsewhere
// (or a folder linked from elsewhere) is a problem naming it. Links
// that stay inside the root still work.
func TestOpenDirStaysInside(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{
		"secret.md":   "---\ntitle: OUTSIDE SECRET\n---\nFrom elsewhere.\n",
		"secret.xml":  "<rss><channel><title>OUTSIDE</title></channel></rss>",
		"88/issue.md": "---\ndate: 2026-01-02\n---\n",
		"88/lead.md":  "---\ntitle: OUTSIDE ISSUE\n---\n",
	})
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		SiteFile:            siteYAML + "sources:\n  - name: Linked\n    url: file:sources/link.xml\n  - name: Inside\n    url: file:sources/inside.xml\n  - name: Later\n    url: file:sources/not-yet.xml\n",
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: First\n---\n",
		"sources/real.xml":  "<rss/>",
		"shared/column.md":  "---\ntitle: A Shared Column\n---\nInside the root.\n",
	})
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	link(filepath.Join(outside, "secret.md"), "issues/1/guest.md")
	link(filepath.Join(outside, "secret.xml"), "sources/link.xml")
	link("real.xml", "sources/inside.xml")
	link("../../../"+filepath.Base(outside)+"/secret.md", "issues/1/editor.md")
	link(filepath.Join(outside, "88"), "issues/88")

	fsys, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(fsys)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("load: %v, want problems", err)
	}
	got := map[string]Problem{}
	for _, p := range ps {
		got[p.Path] = p
		if strings.Contains(p.Msg, "OUTSIDE") {
			t.Errorf("a problem shows the outside file: %v", p)
		}
	}
	for _, path := range []string{"issues/1/guest.md", "issues/1/editor.md", "issues/88"} {
		if p, ok := got[path]; !ok || !strings.Contains(p.Msg, "outside the content root") {
			t.Errorf("%s: problem %+v, want one about leaving the content root (all: %v)", path, p, ps)
		}
	}
	if p := got[SiteFile]; p.Line != 8 || !strings.Contains(p.Msg, "file:sources/link.xml") || !strings.Contains(p.Msg, "outside the content root") {
		t.Errorf("the linked source: %+v, want %s line 8 naming it (all: %v)", p, SiteFile, ps)
	}
	if len(ps) != 4 {
		t.Errorf("problems %v, want only the four links out", ps)
	}

	// Without the links out, the content loads, the link inside included.
	for _, name := range []string{"issues/1/guest.md", "issues/1/editor.md", "sources/link.xml", "issues/88"} {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	link("../../shared/column.md", "issues/1/column.md")
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Issue(1).Articles); n != 2 {
		t.Errorf("%d articles, want the lead and the column linked from inside the root", n)
	}
}
