package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSourcesPollAndNewIssueFromSources(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}

	code, out, errOut := runCmd(t, nil, "sources", "poll", "--content", dir, "--data", data)
	if code != 0 || !strings.HasPrefix(out, "Trending models: ok, 5 new, next poll ") {
		t.Fatalf("first poll: code %d\n%s%s", code, out, errOut)
	}
	// A second manual poll finds nothing new, and the store holds no duplicates.
	code, out, _ = runCmd(t, map[string]string{"MORNINGPOST_DATA": data}, "sources", "poll", "--content", dir)
	if code != 0 || !strings.Contains(out, "Trending models: not-modified, 0 new") {
		t.Fatalf("second poll: code %d\n%s", code, out)
	}

	code, out, errOut = runCmd(t, nil, "new-issue", "--content", dir, "--data", data, "--from-sources")
	if code != 0 {
		t.Fatalf("new-issue: %d\n%s%s", code, out, errOut)
	}
	issue, err := os.ReadFile(filepath.Join(dir, "issues/88/issue.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"draft: true", "GrayColor", "source: Trending models", "link: https://huggingface.co/"} {
		if !strings.Contains(string(issue), want) {
			t.Errorf("issues/88/issue.md lacks %q:\n%s", want, issue)
		}
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 0 || !strings.Contains(out, "ok: 2 issues, 8 articles") {
		t.Errorf("check after new-issue: %d %s", code, out)
	}
	// The next scaffold is issue 89; issue 88 is never overwritten.
	if code, _, _ := runCmd(t, nil, "new-issue", "--content", dir); code != 0 {
		t.Error("second new-issue failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "issues/89/lead.md")); err != nil {
		t.Error(err)
	}
}

func TestSourcesUsage(t *testing.T) {
	if code, _, errOut := runCmd(t, nil, "sources"); code != 2 || !strings.Contains(errOut, "morningpost sources poll") {
		t.Errorf("sources without poll: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "new-issue"); code != 1 || !strings.Contains(errOut, "needs --content") {
		t.Errorf("new-issue without content: %d %q", code, errOut)
	}
}

// serve follows edits of sources: a source added to morningpost.yaml is
// polled without a restart, and shows on /sources.
func TestServeFollowsSourcesEdits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}
	snapshot, err := os.ReadFile(filepath.Join(dir, "sources/trending-models.xml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "sources/papers.xml", strings.ReplaceAll(string(snapshot), "huggingface.co", "papers.example"))
	base := startServer(t, serveConfig{content: dir, previewToken: "sources-test-token"})

	page := func() string {
		_, b := get(t, "GET", base+"/sources", "Authorization", "Bearer sources-test-token")
		return string(b)
	}
	if p := page(); !strings.Contains(p, "Trending models") || strings.Contains(p, "Papers") {
		t.Fatalf("/sources before the edit lacks the configured source or shows another")
	}
	site, err := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "morningpost.yaml", string(site)+"  - name: Papers\n    url: file:sources/papers.xml\n    section: reading\n")
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(page(), "papers.example") {
		if time.Now().After(deadline) {
			t.Fatalf("the added source was not polled:\n%s", page())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A site started with no sources opens no store; when an edit adds the
// first source, the store opens, the source is polled and /sources shows
// it, without a restart.
func TestServeFirstSourceWithoutRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}
	site, err := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bare, list, ok := strings.Cut(string(site), "sources:\n")
	if !ok {
		t.Fatal("the sample lists no sources")
	}
	write(t, dir, "morningpost.yaml", bare)
	data := filepath.Join(t.TempDir(), "data")
	base := startServer(t, serveConfig{content: dir, data: data, previewToken: "sources-test-token"})

	status := func() (int, string) {
		resp, b := get(t, "GET", base+"/sources", "Authorization", "Bearer sources-test-token")
		return resp.StatusCode, string(b)
	}
	if code, _ := status(); code != 404 {
		t.Fatalf("/sources of a site without sources: %d, want 404", code)
	}
	// The store is there from the start: it records when entries first
	// became public, sources or not.
	if _, err := os.Stat(filepath.Join(data, "morningpost.db")); err != nil {
		t.Errorf("store of a site without sources: %v", err)
	}
	write(t, dir, "morningpost.yaml", bare+"sources:\n"+list)
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, page := status()
		if code == 200 && strings.Contains(page, "huggingface.co") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first source was not polled: %d\n%s", code, page)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(data, "morningpost.db")); err != nil {
		t.Errorf("store: %v", err)
	}
}

// A source that redirects to another address of this machine is refused
// (package netguard) unless MORNINGPOST_ALLOW_PRIVATE_NETWORKS says
// the site's world is private.
func TestSourcesPollRefusesRedirectInside(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<rss version="2.0"><channel><title>i</title><item><title>Internal</title><guid>i</guid></item></channel></rss>`)
	}))
	defer internal.Close()
	byName := strings.Replace(internal.URL, "127.0.0.1", "localhost", 1) + "/internal.xml"
	src := httptest.NewServer(http.RedirectHandler(byName, http.StatusFound))
	defer src.Close()
	dir := e2eContent(t)
	write(t, dir, "morningpost.yaml", e2eSite+"sources:\n  - name: Outside\n    url: "+src.URL+"/feed.xml\n")

	code, out, errOut := runCmd(t, nil, "sources", "poll", "--content", dir, "--data", t.TempDir())
	if code != 0 || !strings.Contains(out, "Outside: ") || !strings.Contains(out, "refused") || strings.Contains(out, "1 new") {
		t.Errorf("poll redirected inside: code %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, map[string]string{"MORNINGPOST_ALLOW_PRIVATE_NETWORKS": "true"}, "sources", "poll", "--content", dir, "--data", t.TempDir())
	if code != 0 || !strings.Contains(out, "Outside: ok, 1 new") {
		t.Errorf("with MORNINGPOST_ALLOW_PRIVATE_NETWORKS: code %d\n%s%s", code, out, errOut)
	}
}
