package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExportUnderSubPathServedByNginx exports the sample for a site under
// /blog/ (a GitHub Pages project site, say) and serves it from a folder
// blog/ under nginx's root: every page, its stylesheet and its links
// answer under /blog/, and a missing URL gets the site's 404 page.
func TestExportUnderSubPathServedByNginx(t *testing.T) {
	www := t.TempDir()
	out := filepath.Join(www, "blog")
	code, _, errOut := runCmd(t, map[string]string{"MORNINGPOST_DATA": t.TempDir()}, "export", "--base-url", "https://post.example/blog/", out)
	if code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	port := startNginxProxy(t, func(port int) string {
		return fmt.Sprintf("server {\n\t\tlisten 127.0.0.1:%d;\n\t\troot %s;\n\t\tinclude %s/_nginx.conf;\n\t}", port, www, out)
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(p string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, home := get("/blog/")
	if status != 200 {
		t.Fatalf("/blog/: %d", status)
	}
	// Every root-relative link of the pages reached from the front page
	// is under /blog/ and answers.
	links := regexp.MustCompile(`(?:href|src)="(/[^"]*)"`)
	checked := map[string]bool{}
	pages := []string{"/blog/", "/blog/issues/87", "/blog/feeds", "/blog/tags"}
	for _, p := range pages {
		_, body := get(p)
		for _, m := range links.FindAllStringSubmatch(body, -1) {
			ref := strings.SplitN(strings.SplitN(m[1], "#", 2)[0], "?", 2)[0]
			if !strings.HasPrefix(ref, "/blog/") {
				t.Errorf("%s links %q, outside /blog/", p, m[1])
				continue
			}
			if checked[ref] {
				continue
			}
			checked[ref] = true
			if status, _ := get(ref); status != 200 {
				t.Errorf("%s links %s: %d under nginx", p, ref, status)
			}
		}
	}
	if len(checked) < 20 || !strings.Contains(home, `rel="stylesheet" href="/blog/static/`) {
		t.Errorf("only %d links checked, or no stylesheet under /blog/", len(checked))
	}
	if status, body := get("/blog/no/such/page"); status != 404 || !strings.Contains(body, "/blog/static/") {
		t.Errorf("a missing URL: %d, or not the site's 404 page", status)
	}
	if _, err := os.Stat(filepath.Join(out, "issues/87.html")); err != nil {
		t.Errorf("the export's files are not at the folder's root: %v", err)
	}
}
