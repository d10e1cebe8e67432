package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/feed"
)

// w3cValidator is the W3C Feed Validation Service's code, as the repo
// root's ../shared/tools/w3c-validate runs it. Without it (or without the
// Python packages it needs, which .ci/deps installs) the test is skipped,
// and fails under CI=true.
func w3cValidator(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal("W3C validator: " + why)
		}
		t.Skip("W3C validator: " + why)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
	tool := filepath.Join(dir, "..", "shared", "tools", "w3c-validate")
	if !fileExists(tool) {
		missing(tool + " not found")
	}
	// The packages it needs (Debian's python3-rdflib, -html5lib,
	// -libxml2), for the Python its first line names.
	b, err := os.ReadFile(tool)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	python := strings.Fields(strings.TrimPrefix(first, "#!"))
	if !strings.HasPrefix(first, "#!") || len(python) == 0 {
		t.Fatalf("%s does not name its interpreter", tool)
	}
	check := append(python[1:len(python):len(python)], "-c", "import rdflib, html5lib, libxml2")
	if out, err := exec.Command(python[0], check...).CombinedOutput(); err != nil {
		missing(fmt.Sprintf("%s lacks the Python packages it needs: %v: %s", python[0], err, bytes.TrimSpace(out)))
	}
	return tool
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// w3cDocs gathers the URLs of RSS and Atom documents to validate.
type w3cDocs struct {
	urls  []string
	size  map[string]int    // bytes of each document, to share the work out
	label map[string]string // "site: URL path" of each URL
}

// w3cSite is a test server listening on 127.0.0.1 and serving the site
// under its own URL, so that the validator fetches each document at the
// address its self link names.
func w3cSite(t *testing.T, fsys fstest.MapFS, now time.Time) (*testServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + ln.Addr().String() + "/")
	ts := newRecordedServerAt(t, fsys, now, base)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: ts.e, ReadHeaderTimeout: 10 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ts, srv.URL
}

func (w *w3cDocs) add(t *testing.T, ts *testServer, site, root, path string) {
	t.Helper()
	u := root + path
	w.urls = append(w.urls, u)
	w.size[u] = ts.get(path, http.StatusOK, "Accept-Encoding", "identity").Body.Len()
	w.label[u] = site + ": " + path
}

// addSite adds every subscription feed of ts in RSS and Atom, every
// archive document of each, and the feeds of tags (at most maxTags of
// them, < 0: all).
func (w *w3cDocs) addSite(t *testing.T, ts *testServer, site, root string, maxTags int) {
	t.Helper()
	snap := ts.live.Content().At(ts.clock.Now())
	specs := feed.Specs()
	for i, tag := range snap.Tags() {
		if maxTags >= 0 && i >= maxTags {
			break
		}
		specs = append(specs, feed.TagSpec(tag.Slug))
	}
	for _, s := range specs {
		for _, f := range []feed.Format{feed.RSS, feed.Atom} {
			w.add(t, ts, site, root, s.Path(f))
			if s.Kind == feed.TagFeed {
				continue
			}
			for _, a := range feed.Archives(snap, s) {
				w.add(t, ts, site, root, s.ArchivePath(a.Period, f))
			}
		}
	}
}

// Every RSS and Atom document passes the W3C Feed Validation Service
// with no error and no warning (W3C_STRICT=1): the sample's, every
// archive document of a 200-issue archive, a site with pictures, and
// the tag feeds of each.
func TestW3CValidatorStrict(t *testing.T) {
	tool := w3cValidator(t)
	w := &w3cDocs{size: map[string]int{}, label: map[string]string{}}

	// The sample, as init writes it: one issue, one month.
	sample, root := w3cSite(t, archiveFixture(t, 0), publish87.Add(time.Hour))
	w.addSite(t, sample, "sample", root, -1)

	// 200 issues over eight months, a column added to an old issue, and
	// a few of its tags.
	big, root := w3cSite(t, archiveFixture(t, 200), archiveLast.Add(36*time.Hour))
	big.get("/feed.atom", http.StatusOK) // dated before the late column
	big.fsys["issues/150/late.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A Late Column\ntags: [late-news]\n---\nWritten after the issue went out.\n")}
	big.clock.Set(archiveLast.Add(40 * time.Hour))
	if err := big.live.Reload(); err != nil {
		t.Fatal(err)
	}
	w.addSite(t, big, "200 issues", root, 4)
	w.add(t, big, "200 issues", root, "/tags/late-news/feed.atom")
	w.add(t, big, "200 issues", root, "/tags/late-news/feed.rss")

	// Pictures.
	pics, root := w3cSite(t, imageFixture(), testNow)
	w.addSite(t, pics, "pictures", root, -1)

	// Search feeds (search.go): a search of many hits, of a phrase with
	// characters to escape, and of none.
	srch, root := w3cSearchSite(t, archiveFixture(t, 200), archiveLast.Add(36*time.Hour))
	for _, q := range []string{"models", feed.QueryValue(`"open source" -x & <y>`), "okapi"} {
		for _, f := range []feed.Format{feed.RSS, feed.Atom} {
			w.add(t, srch, "search", root, "/search/feed."+string(f)+"?q="+q)
		}
	}

	// One run of the validator per CPU, the documents shared out by size:
	// its start-up is a second, and its time grows with a document's size.
	runs := make([][]string, max(1, min(runtime.NumCPU(), 4)))
	load := make([]int, len(runs))
	urls := slices.Clone(w.urls)
	slices.SortFunc(urls, func(a, b string) int { return w.size[b] - w.size[a] })
	for _, u := range urls {
		i := slices.Index(load, slices.Min(load))
		runs[i] = append(runs[i], u)
		load[i] += w.size[u]
	}
	start := time.Now()
	var (
		mu     sync.Mutex
		failed []string
		cpu    time.Duration
		wg     sync.WaitGroup
	)
	for _, part := range runs {
		wg.Go(func() {
			bad, used, err := w3cRun(tool, part)
			mu.Lock()
			defer mu.Unlock()
			cpu += used
			if err != nil {
				failed = append(failed, err.Error())
			}
			for u, events := range bad {
				failed = append(failed, w.label[u]+"\n"+events)
			}
		})
	}
	wg.Wait()
	t.Logf("%d documents validated in %v by %d runs (%v of CPU)", len(urls), time.Since(start).Round(time.Millisecond), len(runs), cpu.Round(time.Millisecond))
	slices.Sort(failed)
	for _, f := range failed {
		t.Error(f)
	}
}

// w3cRun validates the documents at urls with W3C_STRICT=1 in one run
// of tool and returns the events of each document that has any, and the
// CPU time the run took.
func w3cRun(tool string, urls []string) (_ map[string]string, cpu time.Duration, _ error) {
	cmd := exec.Command(tool, urls...)
	cmd.Env = append(os.Environ(), "W3C_STRICT=1", "W3C_LEVEL=AA")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, cpu, fmt.Errorf("w3c-validate: %v: %s", err, stderr.String())
	}
	bad := map[string]string{}
	seen := 0
	doc := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if name, rest, ok := strings.Cut(line, ": type="); ok && !strings.HasPrefix(line, " ") {
			doc = name
			seen++
			if !strings.Contains(rest, " errors=0 warnings=0 ") {
				bad[doc] = line
			}
			continue
		}
		if _, ok := bad[doc]; doc != "" && (ok || strings.HasPrefix(line, "  ERROR") || strings.HasPrefix(line, "  WARN")) {
			bad[doc] += "\n" + line
		}
	}
	if seen != len(urls) {
		return bad, cpu, fmt.Errorf("w3c-validate reported %d of %d documents (exit %v): %s\n%s", seen, len(urls), err, stderr.String(), out)
	}
	if err != nil && len(bad) == 0 {
		return nil, cpu, fmt.Errorf("w3c-validate failed with no document at fault: %v: %s", err, stderr.String())
	}
	return bad, cpu, nil
}
