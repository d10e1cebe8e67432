package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newLiveTree writes a content root of one issue, with a lead, to a new
// folder and returns the folder and a Live serving it.
func newLiveTree(t *testing.T) (string, *Live) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: First\n---\n",
	})
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, l
}

func TestLiveKeepsLastGoodContent(t *testing.T) {
	dir, l := newLiveTree(t)
	good := l.Content().Version

	writeTree(t, dir, map[string]string{"issues/1/lead.md": "---\ntitel: typo\n---\n"})
	err := l.Reload()
	if err == nil || !strings.Contains(err.Error(), "issues/1/lead.md:2: unknown key \"titel\"") {
		t.Fatalf("reload error = %v", err)
	}
	if l.Content().Version != good || len(l.Problems()) == 0 {
		t.Fatal("a broken edit replaced the last good content")
	}

	writeTree(t, dir, map[string]string{"issues/1/lead.md": "---\ntitle: Fixed\n---\n"})
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	if l.Content().Version == good || len(l.Problems()) != 0 {
		t.Fatal("fixing the file did not clear the problems")
	}
	if got := l.Content().Issues[0].Articles[0].Title; got != "Fixed" {
		t.Errorf("title = %q", got)
	}
}

func TestWatchReloadsOnSaveByRenameAndNewIssue(t *testing.T) {
	dir, l := newLiveTree(t)
	events, stop := l.Subscribe()
	defer stop()
	ctx := t.Context()
	go l.Watch(ctx, dir)
	time.Sleep(100 * time.Millisecond) // let the watcher register its folders

	wait := func(what string, ok func(Event) bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case ev := <-events:
				if ok(ev) {
					return
				}
			case <-deadline:
				t.Fatalf("no reload for %s", what)
			}
		}
	}

	// An editor that saves by writing a temporary file and renaming it over the original.
	tmp := filepath.Join(dir, "issues/1/.lead.md.swp")
	if err := os.WriteFile(tmp, []byte("---\ntitle: Saved by rename\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "issues/1/lead.md")); err != nil {
		t.Fatal(err)
	}
	wait("save by rename", func(Event) bool { return l.Content().Issues[0].Articles[0].Title == "Saved by rename" })

	// A new issue folder, its files written after the folder appears.
	if err := os.Mkdir(filepath.Join(dir, "issues/2"), 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	writeTree(t, dir, map[string]string{
		"issues/2/issue.md": "---\ndate: 2026-01-02\n---\n",
		"issues/2/lead.md":  "---\ntitle: Second\n---\n",
	})
	wait("new issue", func(Event) bool { return len(l.Content().Issues) == 2 })

	// A broken edit reaches subscribers as problems, and the content stays.
	writeTree(t, dir, map[string]string{"issues/2/lead.md": "---\ntitle: [\n---\n"})
	wait("broken edit", func(ev Event) bool { return len(ev.Problems) > 0 && ev.Problems[0].Path == "issues/2/lead.md" })
	if len(l.Content().Issues) != 2 {
		t.Error("broken edit replaced the content")
	}
}
