package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
)

func TestInitIssues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "big")
	code, out, errOut := runCmd(t, nil, "init", "--issues", "100", dir)
	if code != 0 || !strings.Contains(out, "100 issues") {
		t.Fatalf("init --issues 100: %d %s %s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 0 || !strings.Contains(out, "ok: 100 issues, 400 articles") {
		t.Fatalf("check: %d %s", code, out)
	}
	// The sample is issue 87, verbatim.
	want, _ := os.ReadFile(filepath.Join("..", "..", "content", "sample", "issues", "87", "lead.md"))
	if got, _ := os.ReadFile(filepath.Join(dir, "issues", "87", "lead.md")); string(got) != string(want) {
		t.Error("issue 87 is not the sample")
	}
	// Every issue is in the past: the newest is dated yesterday.
	c, err := content.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	if got := c.Issue(100).Date.Format("2006-01-02"); got != yesterday {
		t.Errorf("issue 100 is dated %s, want %s", got, yesterday)
	}
	if s := c.At(time.Now()); len(s.Issues) != 100 {
		t.Errorf("%d issues published now, want 100", len(s.Issues))
	}

	// Fewer issues than the sample's number: exactly that many.
	small := filepath.Join(t.TempDir(), "small")
	if code, _, _ := runCmd(t, nil, "init", "--issues", "20", small); code != 0 {
		t.Fatal("init --issues 20 failed")
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", small); code != 0 || !strings.Contains(out, "ok: 20 issues, 80 articles") {
		t.Errorf("check: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, nil, "init", "--issues", "-1", filepath.Join(t.TempDir(), "x")); code != 2 {
		t.Errorf("init --issues -1: code %d, want 2", code)
	}
}
