package handlers

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Publishing an issue changes a bounded number of list pages: the
// lists' own pages and at most the newest numbered page of each list,
// never an older numbered page, however long the archive.
func TestPublishingChangesFewListPages(t *testing.T) {
	// 101 issues: the day's issue adds a numbered page to the archive
	// and the sections, and changes the one before.
	ts := newTestServer(t, archiveFixture(t, 101))
	// The day before archiveLast's issue is out, then the day after.
	ts.clock.Set(archiveLast.AddDate(0, 0, -1).Add(12 * time.Hour))
	isNumbered := func(p string) bool { return strings.Contains(p, "/page/") }
	before := map[string][]byte{}
	ts.crawl([]string{"/"}, isListPage, func(path, _ string, res *http.Response, body []byte) {
		if res.StatusCode == http.StatusOK {
			before[path] = body
		}
	})
	// The newest numbered page of each list, which links the page after
	// it as its newer one once there is one.
	newest := map[string]bool{}
	for p := range before {
		if base, n, ok := strings.Cut(p, "/page/"); ok {
			if _, ok := before[base+"/page/"+next(n)]; !ok {
				newest[p] = true
			}
		}
	}
	ts.clock.Set(archiveLast.Add(36 * time.Hour))
	if bytes.Equal(ts.get("/issues", http.StatusOK).Body.Bytes(), before["/issues"]) {
		t.Fatal("/issues is the same: no issue was published between the two moments")
	}
	numbered, changed := 0, 0
	for p, old := range before {
		if !isNumbered(p) {
			continue
		}
		numbered++
		res := ts.get(p, http.StatusOK)
		if !bytes.Equal(res.Body.Bytes(), old) {
			changed++
			if !newest[p] {
				t.Errorf("%s changed, and it is not the newest numbered page of its list", p)
			}
		}
	}
	if numbered < 20 {
		t.Fatalf("only %d numbered list pages were crawled", numbered)
	}
	t.Logf("%d numbered list pages, %d changed", numbered, changed)
}

func next(n string) string {
	b := []byte(n)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// A page kept in the cache by the issues it shows (issue, article and
// numbered list pages, see pageIn) is, after a publication, the page a
// server that never saw the day before renders.
func TestScopedPagesAsFreshAfterPublishing(t *testing.T) {
	// 101 issues: the day's issue is the 101st, which adds a numbered
	// page to the archive (50 a page) and the sections (10 a page).
	fsys := archiveFixture(t, 101)
	warm := newTestServer(t, fsys)
	isPage := func(p string) bool { return !strings.Contains(p, ".") && !strings.HasPrefix(p, "/feeds/view") }
	warm.clock.Set(archiveLast.AddDate(0, 0, -1).Add(12 * time.Hour))
	warm.crawl([]string{"/"}, isPage, func(string, string, *http.Response, []byte) {})

	at := archiveLast.Add(36 * time.Hour)
	warm.clock.Set(at)
	fresh := newTestServer(t, fsys)
	fresh.clock.Set(at)
	kinds := map[string]int{}
	warm.crawl([]string{"/"}, isPage, func(path, _ string, res *http.Response, body []byte) {
		want := fresh.get(path, res.StatusCode)
		if !bytes.Equal(body, want.Body.Bytes()) {
			t.Errorf("%s: the warm server's page differs from a fresh server's", path)
		}
		if _, _, ok := strings.Cut(path, "/page/"); ok {
			kinds[strings.SplitN(path, "/", 3)[1]]++
		}
	})
	if kinds["issues"] == 0 || kinds["sections"] == 0 {
		t.Errorf("numbered pages compared: %v; want some of the archive and the sections", kinds)
	}
	t.Logf("numbered pages compared: %v", kinds)
}
