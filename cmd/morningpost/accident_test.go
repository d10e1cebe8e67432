package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNothingGoesOutByAccident walks the editor's three traps from the
// command line: a copied folder, a scaffold whose draft mark was removed
// before it was written, and new-issue --from-last, which starts from
// the newest issue safely.
func TestNothingGoesOutByAccident(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}

	// A copy of issue 87, as the README used to teach: refused, naming both folders.
	if err := os.CopyFS(filepath.Join(dir, "issues/88"), os.DirFS(filepath.Join(dir, "issues/87"))); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, nil, "check", "--content", dir)
	if code != 1 || !strings.Contains(out, "issues/88/lead.md: says word for word what issues/87/lead.md says") {
		t.Fatalf("check of a copied issue: %d\n%s", code, out)
	}
	if err := os.RemoveAll(filepath.Join(dir, "issues/88")); err != nil {
		t.Fatal(err)
	}

	// new-issue, then draft: true removed at once: placeholders refused.
	if code, _, errOut := runCmd(t, nil, "new-issue", "--content", dir); code != 0 {
		t.Fatal(errOut)
	}
	issueMD := filepath.Join(dir, "issues/88/issue.md")
	b, err := os.ReadFile(issueMD)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(issueMD, []byte(strings.Replace(string(b), "draft: true\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, nil, "check", "--content", dir)
	if code != 1 || !regexp.MustCompile(`issues/88/lead.md:\d+: headline "Lead story headline" is new-issue's placeholder`).MatchString(out) {
		t.Fatalf("check of an unwritten scaffold: %d\n%s", code, out)
	}
	if err := os.RemoveAll(filepath.Join(dir, "issues/88")); err != nil {
		t.Fatal(err)
	}

	// --from-last: every file of issue 87, dated for 88, a draft; check passes.
	code, out, errOut := runCmd(t, nil, "new-issue", "--content", dir, "--from-last")
	if code != 0 {
		t.Fatalf("new-issue --from-last: %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"lead.md", "deep-dive.md", "editor.md", "guest.md"} {
		if _, err := os.Stat(filepath.Join(dir, "issues/88", name)); err != nil {
			t.Error(err)
		}
	}
	b, err = os.ReadFile(issueMD)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\ndraft: true\n") || strings.Contains(string(b), "date: 2026-04-25") {
		t.Errorf("issues/88/issue.md from the last issue:\n%s", b)
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 0 {
		t.Errorf("check after --from-last: %d\n%s", code, out)
	}
	// Un-drafted before it is rewritten, it is a copy: refused.
	if err := os.WriteFile(issueMD, []byte(strings.Replace(string(b), "draft: true\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 1 || !strings.Contains(out, "word for word") {
		t.Errorf("check of an unrewritten --from-last issue: %d\n%s", code, out)
	}
}

func TestCheckWarnsOfTheSampleAuthority(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}
	site := filepath.Join(dir, "morningpost.yaml")
	b, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(site, []byte(strings.Replace(string(b), "base_url: http://localhost:8080/", "base_url: https://news.example.org/", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, nil, "check", "--content", dir)
	if code != 0 || !regexp.MustCompile(`(?m)^warning: morningpost.yaml:\d+: authority is still the sample's`).MatchString(out) || !strings.Contains(out, "ok:") {
		t.Errorf("check: %d\n%s", code, out)
	}
}

// Without --data, every command run on one content folder, from any
// folder, uses the store inside it (hidden, so nothing reads it as
// content); the embedded sample's store is the user's own.
func TestDefaultStoreBelongsToTheContent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}
	// The sample's source is a file inside the content: polling it writes the store.
	if code, out, errOut := runCmd(t, nil, "sources", "poll", "--content", dir); code != 0 {
		t.Fatalf("sources poll: %d\n%s%s", code, out, errOut)
	}
	db := filepath.Join(dir, DataDir, "morningpost.db")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the store is not in the content folder: %v", err)
	}
	// The same store is found again: the items are not new.
	if code, out, _ := runCmd(t, nil, "sources", "poll", "--content", dir); code != 0 || !strings.Contains(out, "0 new") {
		t.Errorf("second poll does not find the first one's store: %d\n%s", code, out)
	}
	// The store is no content: check passes, the export leaves it out.
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 0 {
		t.Errorf("check with the store inside: %d\n%s", code, out)
	}
	out := filepath.Join(t.TempDir(), "site")
	if code, _, errOut := runCmd(t, nil, "export", "--content", dir, out); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	if err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && (d.Name() == DataDir || strings.HasSuffix(p, ".db")) {
			t.Errorf("the export holds %s", p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	got, err := dataFolder(func(k string) string { return map[string]string{"HOME": home}[k] }, "", "", "")
	if err != nil || got != filepath.Join(home, ".local/state/morningpost/sample") {
		t.Errorf("the sample's store: %q %v", got, err)
	}
	if got, _ := dataFolder(func(string) string { return "" }, "./data", dir, ""); got != "./data" {
		t.Errorf("--data ./data gives %q", got)
	}
}

// serve listens on this machine only unless told otherwise.
func TestServeListensOnLoopbackByDefault(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(errOut, `(default "localhost:8080")`) {
		t.Errorf("serve's --addr default is not loopback:\n%s", errOut)
	}
}
