package content

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// sampleTree is the embedded sample as a MapFS that a test may change.
func sampleTree(t *testing.T) fstest.MapFS {
	t.Helper()
	return archive(t, 0, time.Time{}) // the sample and no synthetic issue
}

// copyIssue copies the folder of issue from to issue to, as `cp -r`
// would, then applies edit to issue.md's text.
func copyIssue(m fstest.MapFS, from, to string, edit func(string) string) {
	for name, f := range m {
		if rest, ok := strings.CutPrefix(name, "issues/"+from+"/"); ok {
			data := f.Data
			if rest == "issue.md" {
				data = []byte(edit(string(data)))
			}
			m["issues/"+to+"/"+rest] = &fstest.MapFile{Data: data}
		}
	}
}

func problemsOf(t *testing.T, fsys fs.FS) Problems {
	t.Helper()
	_, err := Load(fsys)
	ps, ok := err.(Problems)
	if !ok {
		t.Fatalf("Load = %v, want problems", err)
	}
	return ps
}

func TestCopiedIssueNeverGoesOut(t *testing.T) {
	same := func(s string) string { return s }
	nextDay := func(s string) string { return strings.Replace(s, "date: 2026-04-25", "date: 2026-04-26", 1) }
	for name, edit := range map[string]func(string) string{"verbatim": same, "date changed": nextDay} {
		t.Run(name, func(t *testing.T) {
			m := sampleTree(t)
			copyIssue(m, "87", "88", edit)
			ps := problemsOf(t, m)
			blamed := map[string]bool{}
			for _, p := range ps {
				if !strings.Contains(p.Msg, "word for word") {
					t.Errorf("unexpected problem %s", p)
					continue
				}
				if !strings.HasPrefix(p.Path, "issues/88/") || !strings.Contains(p.Msg, "issues/87/"+path.Base(p.Path)) {
					t.Errorf("problem %s does not name both folders", p)
				}
				blamed[p.Path] = true
			}
			// Every article of the sample with a body is a copy.
			for _, a := range []string{"lead.md", "deep-dive.md", "editor.md", "guest.md"} {
				if !blamed["issues/88/"+a] {
					t.Errorf("issues/88/%s not named among %v", a, ps)
				}
			}
		})
	}

	// The same copy kept a draft loads: the editor is rewriting it.
	m := sampleTree(t)
	copyIssue(m, "87", "88", func(s string) string {
		return strings.Replace(nextDay(s), "date: 2026-04-26", "date: 2026-04-26\ndraft: true", 1)
	})
	c, err := Load(m)
	if err != nil {
		t.Fatalf("a draft copy does not load: %v", err)
	}
	if s := c.At(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)); s.Issue(88) != nil {
		t.Error("the draft copy is public")
	}

	// One article rewritten, the rest still copies: still refused, for
	// the articles left as they were only.
	m = sampleTree(t)
	copyIssue(m, "87", "88", nextDay)
	lead := string(m["issues/88/lead.md"].Data)
	i := strings.Index(lead[4:], "---\n") + 8
	m["issues/88/lead.md"] = &fstest.MapFile{Data: []byte(lead[:i] + "A new lead, written for the next day, long enough to count as a body of its own and not a copy.\n")}
	for _, p := range problemsOf(t, m) {
		if p.Path == "issues/88/lead.md" {
			t.Errorf("the rewritten lead is blamed: %s", p)
		}
	}
}

func TestCopiedIssueKeepsLastGoodContent(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, Sample()); err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good := l.Content().Version
	if err := os.CopyFS(dir+"/issues/88", os.DirFS(dir+"/issues/87")); err != nil {
		t.Fatal(err)
	}
	if err := l.Reload(); err == nil || !strings.Contains(err.Error(), "issues/88/lead.md: says word for word what issues/87/lead.md says") {
		t.Fatalf("reload after copying issue 87 = %v", err)
	}
	if l.Content().Version != good || l.Content().Issue(88) != nil {
		t.Fatal("the copied issue replaced the last good content")
	}
}

// unDraft is a scaffolded issue with its draft: true removed.
func unDraft(t *testing.T) fstest.MapFS {
	t.Helper()
	m := sampleTree(t)
	c, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range Scaffold(PlanNext(c, time.Date(2026, 4, 25, 12, 0, 0, 0, time.UTC))) {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	m["issues/88/issue.md"].Data = []byte(strings.Replace(string(m["issues/88/issue.md"].Data), "draft: true\n", "", 1))
	return m
}

func TestScaffoldPlaceholdersNeverGoOut(t *testing.T) {
	m := unDraft(t)
	got := map[string]bool{}
	for _, p := range problemsOf(t, m) {
		if !strings.Contains(p.Msg, "new-issue's placeholder") {
			t.Errorf("unexpected problem %s", p)
		}
		got[p.String()] = true
	}
	lines := func(name string) []string { return strings.Split(string(m[name].Data), "\n") }
	lineOfText := func(name, text string) int {
		for i, l := range lines(name) {
			if strings.Contains(l, text) {
				return i + 1
			}
		}
		t.Fatalf("%s has no %q", name, text)
		return 0
	}
	want := []struct{ file, text string }{
		{"issues/88/lead.md", phLeadTitle}, {"issues/88/lead.md", phLeadStandfirst}, {"issues/88/lead.md", phLeadBody},
		{"issues/88/deep-dive.md", phDeepTitle}, {"issues/88/deep-dive.md", phDeepQuote}, {"issues/88/deep-dive.md", phDeepBody},
		{"issues/88/editor.md", phEditorTitle}, {"issues/88/editor.md", phEditorBody},
		{"issues/88/guest.md", phGuestTitle}, {"issues/88/guest.md", phGuestBody},
		{"issues/88/issue.md", phMetricLabel}, {"issues/88/issue.md", phToolName}, {"issues/88/issue.md", phReadingName},
	}
	for _, w := range want {
		line := lineOfText(w.file, w.text)
		found := false
		for p := range got {
			if strings.HasPrefix(p, w.file+":") && strings.Contains(p, w.text) {
				found = true
				if !strings.HasPrefix(p, w.file+":"+strconv.Itoa(line)+":") && !strings.HasPrefix(p, w.file+":"+strconv.Itoa(line-1)+":") {
					t.Errorf("%q reported at the wrong line: %s (it is on line %d)", w.text, p, line)
				}
			}
		}
		if !found {
			t.Errorf("no problem for %s %q; got %v", w.file, w.text, got)
		}
	}

	// Written headline, written body: that article passes; the guest
	// column kept a draft passes too, while the others still do not.
	m["issues/88/guest.md"].Data = []byte(strings.Replace(string(m["issues/88/guest.md"].Data), "---\n", "---\ndraft: true\n", 1))
	for _, p := range problemsOf(t, m) {
		if p.Path == "issues/88/guest.md" {
			t.Errorf("a draft article is checked: %s", p)
		}
	}
}

func TestSampleAuthorityWarning(t *testing.T) {
	site := func(base, authority string) fstest.MapFS {
		m := sampleTree(t)
		s := string(m[SiteFile].Data)
		s = strings.Replace(s, "base_url: http://localhost:8080/", "base_url: "+base, 1)
		s = strings.Replace(s, "authority: "+SampleAuthority, "authority: "+authority, 1)
		m[SiteFile] = &fstest.MapFile{Data: []byte(s)}
		return m
	}
	if !strings.Contains(string(sampleTree(t)[SiteFile].Data), "authority: "+SampleAuthority+"\n") {
		t.Fatal("the sample's authority is not SampleAuthority")
	}
	cases := []struct {
		base, authority string
		warn            bool
	}{
		{"http://localhost:8080/", SampleAuthority, false},
		{"http://127.0.0.1:8080/", SampleAuthority, false},
		{"https://news.example.org/", SampleAuthority, true},
		{"https://news.example.org/", "news.example.org,2026", false},
	}
	for _, tc := range cases {
		m := site(tc.base, tc.authority)
		c, err := Load(m)
		if err != nil {
			t.Fatalf("%s: %v", tc.base, err)
		}
		if got := len(c.Warnings) == 1; got != tc.warn {
			t.Errorf("%s %s: warnings %v", tc.base, tc.authority, c.Warnings)
			continue
		}
		if tc.warn {
			w := c.Warnings[0]
			line := 1 + strings.Count(strings.Split(string(m[SiteFile].Data), "authority:")[0], "\n")
			if w.Path != SiteFile || w.Line != line || !strings.Contains(w.Msg, "never change") {
				t.Errorf("warning %s, want %s line %d saying why it matters now", w, SiteFile, line)
			}
		}
	}
}

// Each message names the file and the line the editor must change.
func TestProblemsAtTheEditorsLine(t *testing.T) {
	edit := func(name string, f func(string) string) fstest.MapFS {
		m := sampleTree(t)
		m[name] = &fstest.MapFile{Data: []byte(f(string(m[name].Data)))}
		return m
	}
	lineOf := func(m fstest.MapFS, name, text string) int {
		for i, l := range strings.Split(string(m[name].Data), "\n") {
			if strings.HasPrefix(l, text) {
				return i + 1
			}
		}
		t.Fatalf("%s has no line %q", name, text)
		return 0
	}
	cases := []struct {
		name  string
		fsys  fstest.MapFS
		file  string
		at    string // the line the problem must name starts with this
		words string
	}{
		{"unclosed quote in morningpost.yaml", edit(SiteFile, func(s string) string {
			return strings.Replace(s, "title: The AI Morning Post", `title: "The AI Morning Post`, 1)
		}), SiteFile, `title: "`, "never closed"},
		{"unclosed single quote in an article", edit("issues/87/editor.md", func(s string) string {
			return strings.Replace(s, "kicker: Editor's Column", "kicker: 'Editor''s Column", 1)
		}), "issues/87/editor.md", "kicker: '", "never closed"},
		{"a key given twice", edit("issues/87/editor.md", func(s string) string {
			return strings.Replace(s, "tags: [open-source]\n", "tags: [open-source]\ntags: [models]\n", 1)
		}), "issues/87/editor.md", "tags: [models]", `key "tags" is given twice (first on line 6)`},
		{"a second lead", edit("issues/87/deep-dive.md", func(s string) string {
			return strings.Replace(s, "section: deep-dive", "section: lead", 1)
		}), "issues/87/deep-dive.md", "section: lead", "issues/87/lead.md is this issue's lead"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := problemsOf(t, tc.fsys)
			if len(ps) != 1 {
				t.Fatalf("want one problem, got:\n%v", ps)
			}
			want := Problem{Path: tc.file, Line: lineOf(tc.fsys, tc.file, tc.at)}
			if p := ps[0]; p.Path != want.Path || p.Line != want.Line || !strings.Contains(p.Msg, tc.words) {
				t.Errorf("got %s\nwant %s:%d: …%s…", p, want.Path, want.Line, tc.words)
			}
		})
	}
}
