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
	w, err := NewWatcher(dir)
	if err != nil {
		t.Fatal(err)
	}
	go l.Follow(t.Context(), w)

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

// An edit saved while the content loads, or after the load but before
// anyone reads the watcher's events, is served: the Watcher made before
// the load kept its events.
func TestWatcherMadeBeforeLoadMissesNothing(t *testing.T) {
	dir, _ := newLiveTree(t)
	w, err := NewWatcher(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := l.Subscribe()
	defer stop()
	writeTree(t, dir, map[string]string{"issues/1/lead.md": "---\ntitle: Saved before anyone followed\n---\n"})
	go l.Follow(t.Context(), w)
	deadline := time.After(5 * time.Second)
	for l.Content().Issues[0].Articles[0].Title != "Saved before anyone followed" {
		select {
		case <-events:
		case <-deadline:
			t.Fatal("the edit saved before Follow is not served")
		}
	}
}

// Watch alone reads the folder again once its watches are in place: an
// edit saved after the load and before Watch is served.
func TestWatchReadsAgainOnceWatching(t *testing.T) {
	dir, l := newLiveTree(t)
	events, stop := l.Subscribe()
	defer stop()
	writeTree(t, dir, map[string]string{"issues/1/lead.md": "---\ntitle: Saved before the watch\n---\n"})
	go l.Watch(t.Context(), dir)
	deadline := time.After(5 * time.Second)
	for l.Content().Issues[0].Articles[0].Title != "Saved before the watch" {
		select {
		case <-events:
		case <-deadline:
			t.Fatal("the edit saved before Watch is not served")
		}
	}
}

// A reload that would take every published issue away (issues/ moved
// away by a deploy, every folder gone, a folder replaced by a file) is a
// problem: the last good content stays. Removing some issues still works.
func TestReloadNeverEmptiesTheSite(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: First\n---\n",
		"issues/2/issue.md": "---\ndate: 2026-01-02\n---\n",
		"issues/2/lead.md":  "---\ntitle: Second\n---\n",
		"issues/3/issue.md": "---\ndate: 2026-01-03\ndraft: true\n---\n",
		"issues/3/lead.md":  "---\ntitle: Draft\n---\n",
	})
	fsys, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(fsys, LiveOptions{Now: func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	good := l.Content().Version
	issues := filepath.Join(dir, "issues")
	away := filepath.Join(dir, "issues.old")
	mv := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(what string, reload func() error, path, msg string) {
		t.Helper()
		err := reload()
		if err == nil || l.Content().Version != good {
			t.Fatalf("%s: reload %v; the last good content was replaced", what, err)
		}
		ps := l.Problems()
		if len(ps) != 1 || ps[0].Path != path || !strings.Contains(ps[0].Msg, msg) {
			t.Errorf("%s: problems %v, want %s: …%s…", what, ps, path, msg)
		}
	}
	recovered := func(what string, reload func() error, n int) {
		t.Helper()
		if err := reload(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(l.Problems()) != 0 || len(l.Content().Issues) != n {
			t.Errorf("%s: problems %v, %d issues, want none and %d", what, l.Problems(), len(l.Content().Issues), n)
		}
	}

	// issues/ moved away for a moment, as a deploy swapping folders does.
	mv(issues, away)
	refused("issues/ missing", l.Reload, "issues", "missing")
	refused("issues/ missing, seen by the watcher", func() error { return l.ReloadPaths([]string{"issues"}) }, "issues", "missing")
	mv(away, issues)
	recovered("issues/ back", l.Reload, 3)

	// Every published folder gone, one by one as a watcher reports them;
	// a draft left is not a site.
	if err := os.MkdirAll(away, 0o755); err != nil {
		t.Fatal(err)
	}
	mv(filepath.Join(issues, "1"), filepath.Join(away, "1"))
	recovered("one issue removed on purpose", func() error { return l.ReloadPaths([]string{"issues/1/lead.md"}) }, 2)
	good = l.Content().Version
	mv(filepath.Join(issues, "2"), filepath.Join(away, "2"))
	refused("the last published issue removed", func() error { return l.ReloadPaths([]string{"issues/2"}) }, "issues", "every published issue")
	// Back, while the watcher names only one folder: the reload reads
	// them all, not only the one named.
	mv(filepath.Join(away, "1"), filepath.Join(issues, "1"))
	mv(filepath.Join(away, "2"), filepath.Join(issues, "2"))
	recovered("every issue back", func() error { return l.ReloadPaths([]string{"issues/2/issue.md"}) }, 3)
	good = l.Content().Version

	// An issue folder replaced by a plain file: a problem, not an issue
	// dropped without a word.
	mv(filepath.Join(issues, "2"), filepath.Join(away, "2"))
	writeTree(t, dir, map[string]string{"issues/2": "not a folder"})
	refused("a folder replaced by a file", func() error { return l.ReloadPaths([]string{"issues/2"}) }, "issues/2", "not a folder")
	refused("a folder replaced by a file, full reload", l.Reload, "issues/2", "not a folder")
	if err := os.Remove(filepath.Join(issues, "2")); err != nil {
		t.Fatal(err)
	}
	mv(filepath.Join(away, "2"), filepath.Join(issues, "2"))
	recovered("the folder back", func() error { return l.ReloadPaths([]string{"issues/2"}) }, 3)
	// Other files in issues/ are none of the loader's business.
	writeTree(t, dir, map[string]string{"issues/README.md": "How to write an issue."})
	recovered("a README in issues/", l.Reload, 3)
}
