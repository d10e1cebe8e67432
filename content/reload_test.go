package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A reload parses only the issue folders whose files changed, and a
// changed morningpost.yaml parses everything again.
func TestReloadParsesOnlyChanges(t *testing.T) {
	dir := archiveDir(t, 120, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := l.Content()
	edit := func(name, old, new string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), old) {
			t.Fatalf("%s lacks %q", name, old)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// An edit of the newest issue, as the watcher reports it.
	edit("issues/120/lead.md", "title: \"", "title: \"Corrected: ")
	if err := l.ReloadPaths([]string{"issues/120/lead.md"}); err != nil {
		t.Fatal(err)
	}
	second := l.Content()
	if second.Version == first.Version || !strings.HasPrefix(second.Issue(120).Lead().Title, "Corrected: ") {
		t.Fatalf("edit not loaded: version %s, title %q", second.Version, second.Issue(120).Lead().Title)
	}
	if second.Issue(120).Version == first.Issue(120).Version {
		t.Error("the edited issue kept its version")
	}
	for _, n := range []int{1, 87, 119} {
		if second.Issue(n) != first.Issue(n) {
			t.Errorf("issue %d was parsed again", n)
		}
	}

	// A full reload reads everything but parses only what changed.
	edit("issues/7/editor.md", "title: \"", "title: \"Amended: ")
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	third := l.Content()
	if third.Issue(7) == second.Issue(7) || !strings.HasPrefix(third.Issue(7).InSection(Opinion)[0].Title, "Amended: ") {
		t.Error("full reload missed the edit of issue 7")
	}
	if third.Issue(8) != second.Issue(8) || third.Issue(120) != second.Issue(120) {
		t.Error("full reload parsed unchanged issues again")
	}

	// A broken edit keeps the last good content; fixing it loads the fix.
	edit("issues/120/deep-dive.md", "section: deep-dive", "section: [")
	if err := l.ReloadPaths([]string{"issues/120/deep-dive.md"}); err == nil {
		t.Fatal("broken edit: no error")
	}
	if l.Content() != third {
		t.Fatal("a broken edit replaced the content")
	}
	edit("issues/120/deep-dive.md", "section: [", "section: deep-dive")
	if err := l.ReloadPaths([]string{"issues/120/deep-dive.md"}); err != nil {
		t.Fatal(err)
	}
	if l.Content() == third || len(l.Problems()) != 0 {
		t.Error("fixing the edit did not reload")
	}

	// A removed issue folder is gone after a reload of its path.
	if err := os.RemoveAll(filepath.Join(dir, "issues/120")); err != nil {
		t.Fatal(err)
	}
	if err := l.ReloadPaths([]string{"issues/120"}); err != nil {
		t.Fatal(err)
	}
	if l.Content().Issue(120) != nil || len(l.Content().Issues) != 119 {
		t.Error("removed issue still served")
	}

	// The site file changes every issue (time zone, author, …): all are parsed again.
	before := l.Content()
	edit(SiteFile, "author:\n  name: The AI Morning Post", "author:\n  name: The Desk")
	if err := l.ReloadPaths([]string{SiteFile}); err != nil {
		t.Fatal(err)
	}
	after := l.Content()
	if after.Issue(5) == before.Issue(5) || after.Issue(5).Lead().Author.Name != "The Desk" {
		t.Error("a site change did not parse the issues again")
	}
}

// Summary reads only the start of a body, with the same result as
// truncating the whole plain text.
func TestSummaryMatchesPlainText(t *testing.T) {
	long := strings.Repeat("<p>Word and <em>more</em> words, with punctuation; and spaces.</p>\n", 40)
	for _, html := range []string{
		"", "<p>Short.</p>", long,
		"<p>" + strings.Repeat("x", 299) + "</p><p>y</p>",
		"<p>" + strings.Repeat("x", 300) + "</p><p>y</p>",
		"<p>" + strings.Repeat("é ", 150) + "</p>",
		"<h2>Title</h2><ul><li>one</li><li>two</li></ul>" + long,
	} {
		if got, want := Summary(html), Truncate(PlainText(html), SummaryLength); got != want {
			t.Errorf("Summary(%.40q) = %q, want %q", html, got, want)
		}
	}
}
