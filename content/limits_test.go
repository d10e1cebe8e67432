package content

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// Markdown that goldmark renders in quadratic time, or into output far
// larger than itself, is a problem at the line where it goes too far,
// found before goldmark sees it: check reports it, serve keeps the last
// good content. (Unchecked, the quotes alone took 1.5 s for 32 KB and
// the table 2.5 minutes.)
func TestLoadRefusesIntricateMarkdown(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line       int // in the file, whose body starts on line 4
		msg        string
	}{
		{"quotes", "Intro.\n\n" + strings.Repeat(">", 20000) + " x\n", 6, "nested 20000 deep"},
		{"lists", "- a\n" + strings.Repeat("1. ", 20) + "x\n", 5, "nested"},
		{"indented lists", func() string {
			var b strings.Builder
			for i := range 30 {
				b.WriteString(strings.Repeat("  ", i) + "- a\n")
			}
			return b.String()
		}(), 4 + 12, "nested 13 deep"},
		{"link openers", "Fine.\n\n" + strings.Repeat("[a](", 8000) + "\n", 6, "brackets"},
		{"emphasis", strings.Repeat("*a", 8000) + "\n", 4, "emphasis marks"},
		{"table", "Text.\n\n|" + strings.Repeat(" a |", 200) + "\n|" + strings.Repeat("-|", 200) + "\n" + strings.Repeat("x\n", 100), 6, "table has 200 columns and 101 rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, file := range []string{"issues/1/lead.md", "issues/1/issue.md"} {
				files := map[string]string{
					SiteFile:            siteYAML,
					"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
					"issues/1/lead.md":  "---\ntitle: Lead\n---\n",
				}
				files[file] += tc.body
				_, err := Load(tree(files))
				var ps Problems
				if !errors.As(err, &ps) || len(ps) != 1 {
					t.Fatalf("%s: Load = %v, want one problem", file, err)
				}
				if p := ps[0]; p.Path != file || p.Line != tc.line || !strings.Contains(p.Msg, tc.msg) {
					t.Errorf("%s: problem %v, want line %d saying %q", file, p, tc.line, tc.msg)
				}
			}
		})
	}
}

// Markdown within the limits loads, code blocks of any shape included:
// a ``` block is not measured, and ordinary nesting is allowed.
func TestLoadAcceptsOrdinaryMarkdown(t *testing.T) {
	code := "```c\n" + strings.Repeat("for (int *p = a[i]; *p; p++) { x_y[*p] <<= 1; }\n", 500) + "```\n"
	body := "> quoted\n> > twice\n\n- a\n  - b\n    - c\n      1. d\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n" + code
	if _, err := Load(tree(map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: Lead\n---\n" + body,
	})); err != nil {
		t.Fatal(err)
	}
}

// A Markdown file over MaxMarkdownSize is a problem naming it, and is
// not read further: a sparse file of a gigabyte costs no more than the
// limit (it took 14 s and 3.2 GB of memory).
func TestLoadRefusesLargeFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: Lead\n---\n",
		"issues/2/issue.md": "---\ndate: 2026-01-02\n---\n" + strings.Repeat("a", MaxMarkdownSize),
	})
	if err := os.Truncate(filepath.Join(dir, "issues", "1", "lead.md"), 1<<30); err != nil {
		t.Fatal(err)
	}
	fsys, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(fsys)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("Load = %v, want two problems", err)
	}
	for i, want := range []string{"issues/1/lead.md", "issues/2/issue.md"} {
		if ps[i].Path != want || !strings.Contains(ps[i].Msg, "too large") || !strings.Contains(ps[i].Msg, "64 KB") {
			t.Errorf("problem %v, want %s too large", ps[i], want)
		}
	}
}

// A reload whose context is done is abandoned: the content served, the
// problems kept and the counts stay as they were, and a later reload
// works.
func TestReloadAbandoned(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: Lead\n---\nOne.\n",
	})
	l, err := NewLive(os.DirFS(dir), LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := l.Content()
	writeTree(t, dir, map[string]string{"issues/1/lead.md": "---\ntitle: Lead\n---\nTwo.\n"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.ReloadContext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReloadContext = %v, want context.Canceled", err)
	}
	if l.Content() != before || l.Reloads() != 0 || len(l.Problems()) != 0 {
		t.Fatalf("an abandoned reload changed something: %d reloads, problems %v", l.Reloads(), l.Problems())
	}
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := l.Content().Issues[0].Lead().Body(); !strings.Contains(string(got), "Two.") {
		t.Errorf("body after reload: %q", got)
	}
}

// cancelFS cancels a load's context when the load opens a file under
// prefix: the shutdown, or a newer save, that comes mid-load.
type cancelFS struct {
	fstest.MapFS
	prefix string
	cancel context.CancelFunc
}

func (c cancelFS) Open(name string) (fs.File, error) {
	if strings.HasPrefix(name, c.prefix) {
		c.cancel()
	}
	return c.MapFS.Open(name)
}

// A load whose context is done midway stops before its next folder and
// leaves the loader as it was: the next load sees every change.
func TestLoadAbandonedMidway(t *testing.T) {
	files := map[string]string{SiteFile: siteYAML}
	for i := 1; i <= 20; i++ {
		files["issues/"+strconv.Itoa(i)+"/issue.md"] = "---\ndate: 2026-01-01\n---\n"
		files["issues/"+strconv.Itoa(i)+"/lead.md"] = "---\ntitle: Lead\n---\nOld.\n"
	}
	fsys := tree(files)
	l := &loader{}
	if _, err := l.load(t.Context(), fsys); err != nil {
		t.Fatal(err)
	}
	folders := maps.Clone(l.folders)
	for i := 1; i <= 20; i++ {
		fsys["issues/"+strconv.Itoa(i)+"/lead.md"].Data = []byte("---\ntitle: Lead\n---\nNew.\n")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := l.load(ctx, cancelFS{fsys, "issues/10/", cancel}); !errors.Is(err, context.Canceled) {
		t.Fatalf("load = %v, want context.Canceled", err)
	}
	if !maps.Equal(l.folders, folders) {
		t.Fatal("an abandoned load changed the folders the loader holds")
	}
	c, err := l.update(t.Context(), fsys, []string{"1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Issue(1).Lead().Body(); !strings.Contains(string(got), "New.") {
		t.Errorf("body after the next load: %q", got)
	}
}

// morningpost.yaml over MaxSiteSize is a problem naming it.
func TestLoadRefusesLargeSiteFile(t *testing.T) {
	_, err := Load(tree(map[string]string{SiteFile: siteYAML + "#" + strings.Repeat("x", MaxSiteSize) + "\n"}))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Path != SiteFile || !strings.Contains(ps[0].Msg, "256 KB") {
		t.Fatalf("Load = %v, want %s too large", err, SiteFile)
	}
}

// An issue folder whose Markdown files together hold more than
// MaxIssueMarkdown is a problem naming the folder: the issue's feed
// entry would carry it all.
func TestLoadRefusesLargeIssue(t *testing.T) {
	files := map[string]string{
		SiteFile:            siteYAML,
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
	}
	article := "---\ntitle: A\n---\n" + strings.Repeat("Some prose.\n\n", (MaxMarkdownSize-100)/13)
	for i := range MaxIssueMarkdown/len(article) + 1 {
		files["issues/1/a"+strconv.Itoa(i)+".md"] = strings.Replace(article, "A", "A"+strconv.Itoa(i), 1)
	}
	_, err := Load(tree(files))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Path != "issues/1" || !strings.Contains(ps[0].Msg, "512 KB") {
		t.Fatalf("Load = %v, want issues/1 too large", err)
	}
}
