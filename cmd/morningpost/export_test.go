package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// sampleFolder is a copy of the sample newsletter to edit.
func sampleFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "post")
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mtimes are the modification times of every file under dir.
func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = fi.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exportEnv keeps the store of an export to OUTDIR beside it (OUTDIR.data),
// so exports again into one folder share their record, as a cron job's do.
func exportEnv(out string) map[string]string {
	return map[string]string{"MORNINGPOST_DATA": strings.TrimRight(out, "/") + ".data"}
}

var summaryLine = regexp.MustCompile(`exported (\d+) documents as of \S+ to \S+: (\d+) files, wrote (\d+), kept (\d+), removed (\d+)`)

// exportOK runs export and returns its counts: files, wrote, kept, removed.
func exportOK(t *testing.T, args ...string) (files, wrote, kept, removed int, stdout string) {
	t.Helper()
	code, out, errOut := runCmd(t, exportEnv(args[len(args)-1]), append([]string{"export"}, args...)...)
	if code != 0 {
		t.Fatalf("export %v: code %d\n%s%s", args, code, out, errOut)
	}
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("export %v: no summary line in %q", args, out)
	}
	fmt.Sscan(m[2], &files)
	fmt.Sscan(m[3], &wrote)
	fmt.Sscan(m[4], &kept)
	fmt.Sscan(m[5], &removed)
	return files, wrote, kept, removed, out
}

func TestExportIncremental(t *testing.T) {
	dir := sampleFolder(t)
	out := filepath.Join(t.TempDir(), "site")
	at := "2026-04-26T12:00:00Z"

	files, wrote, kept, removed, _ := exportOK(t, "--content", dir, "--at", at, out)
	if wrote != files || kept != 0 || removed != 0 {
		t.Fatalf("first export: %d files, wrote %d, kept %d, removed %d", files, wrote, kept, removed)
	}
	for _, f := range []string{"index.html", "issues.html", "issues/87.html", "issues/87/weekend-warriors.html",
		"feed.atom", "feed.atom.gz", "feed.atom.br", "archive/2026/04/feed.json", "feeds.opml", "robots.txt",
		"static/site.css", "icon.png", "404.html", "_nginx.conf", "_headers", "_redirects"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	// Nothing of the editor's desk, health or metrics; no sources (they are private).
	for _, f := range []string{"preview", "preview.html", "healthz", "metrics", "sources", "sources/feed.atom", "sources.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s exported", f)
		}
	}
	// The siblings hold the same bytes, and have the file's time.
	id, _ := os.ReadFile(filepath.Join(out, "issues/87.html"))
	gz, _ := os.ReadFile(filepath.Join(out, "issues/87.html.gz"))
	if got := gunzip(t, gz); !bytes.Equal(got, id) {
		t.Error("issues/87.html.gz does not hold issues/87.html")
	}
	before := mtimes(t, out)
	if before["issues/87.html"] != before["issues/87.html.gz"] || before["issues/87.html"] != before["issues/87.html.br"] {
		t.Error("a page and its siblings have different times")
	}

	// Again, unchanged: nothing written, every time kept.
	files2, wrote, kept, removed, _ := exportOK(t, "--content", dir, "--at", at, out)
	if files2 != files || wrote != 0 || kept != files || removed != 0 {
		t.Fatalf("unchanged export: %d files, wrote %d, kept %d, removed %d", files2, wrote, kept, removed)
	}
	for name, mt := range mtimes(t, out) {
		if name != manifestFile && !mt.Equal(before[name]) {
			t.Errorf("%s: time %v, was %v", name, mt, before[name])
		}
	}

	// An edit of the lead: only what shows it is written, and the
	// lead's page moves forward in time.
	lead := filepath.Join(dir, "issues/87/lead.md")
	b, _ := os.ReadFile(lead)
	if err := os.WriteFile(lead, append(b, "\nA late paragraph for the export.\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, wrote, kept, removed, _ = exportOK(t, "--content", dir, "--at", at, out)
	if wrote == 0 || kept == 0 || removed != 0 {
		t.Fatalf("after an edit: wrote %d, kept %d, removed %d", wrote, kept, removed)
	}
	after := mtimes(t, out)
	if !after["issues/87/weekend-warriors.html"].After(before["issues/87/weekend-warriors.html"]) {
		t.Errorf("the edited article's page kept its time %v", after["issues/87/weekend-warriors.html"])
	}
	// The feeds hold the new text while serve's Last-Modified stays at
	// the issue's: their files still move forward, or nginx's
	// validators (time and size) could stay the same.
	if !after["feed.atom"].After(before["feed.atom"]) || after["feed.atom.gz"] != after["feed.atom"] {
		t.Errorf("the feed, changed, kept its time %v", after["feed.atom"])
	}
	if !after["robots.txt"].Equal(before["robots.txt"]) {
		t.Error("robots.txt, unchanged, was given a new time")
	}
	if page, _ := os.ReadFile(filepath.Join(out, "issues/87/weekend-warriors.html")); !bytes.Contains(page, []byte("A late paragraph for the export.")) {
		t.Error("the article's page does not show the edit")
	}

	// A column made a draft again: its page goes, with its siblings.
	guest := filepath.Join(dir, "issues/87/guest.md")
	b, _ = os.ReadFile(guest)
	if err := os.WriteFile(guest, bytes.Replace(b, []byte("---\n"), []byte("---\ndraft: true\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, _, removed, _ = exportOK(t, "--content", dir, "--at", at, out)
	if removed != 3 {
		t.Errorf("after a draft: removed %d files, want 3 (the column's page and its .gz and .br)", removed)
	}
	now := mtimes(t, out)
	var gone []string
	for name := range before {
		if _, ok := now[name]; !ok {
			gone = append(gone, name)
		}
	}
	if len(gone) != 3 || !strings.HasPrefix(gone[0], "issues/87/") {
		t.Errorf("after a draft, gone: %v", gone)
	}
}

// manifestFile is the export's record of its files, rewritten by each export.
const manifestFile = ".morningpost-export"

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportAt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	// Issue 87 goes out on 25 April 2026 at 06:00 in London (05:00 UTC).
	_, _, _, _, stdout := exportOK(t, "--at", "2026-04-25T04:00:00Z", out)
	if !strings.Contains(stdout, "next publication: 2026-04-25T05:00:00Z (in 1h0m0s)") {
		t.Errorf("before publication, the export does not say when the next is due:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "issues/87.html")); err == nil {
		t.Error("a scheduled issue was exported")
	}
	if feed, _ := os.ReadFile(filepath.Join(out, "feed.atom")); bytes.Contains(feed, []byte("issue-87")) {
		t.Error("the feed holds a scheduled issue")
	}
	_, _, _, removed, stdout := exportOK(t, "--at", "2026-04-25T05:00:00Z", out)
	if !strings.Contains(stdout, "no issue is scheduled") {
		t.Errorf("after publication:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "issues/87.html")); err != nil {
		t.Error("the issue, out at its time, was not exported")
	}
	if removed != 0 {
		t.Errorf("removed %d files at publication", removed)
	}
	if code, _, errOut := runCmd(t, exportEnv(out), "export", "--at", "tomorrow", out); code != 2 || !strings.Contains(errOut, "RFC 3339") {
		t.Errorf("--at tomorrow: code %d, %q", code, errOut)
	}
}

func TestExportInvalidContentWritesNothing(t *testing.T) {
	dir := sampleFolder(t)
	write(t, dir, "issues/87/lead.md", "---\ntitle: T\nrating: ten\n---\n")
	write(t, dir, "issues/87/issue.md", "---\ndate: 25 April\n---\n")
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCmd(t, exportEnv(out), "export", "--content", dir, out)
	if code != 1 {
		t.Fatalf("code %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"issues/87/lead.md:3: ", "issues/87/issue.md:2: ", "nothing was written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an export of invalid content made its folder")
	}

	// A folder of other files is never exported into.
	other := t.TempDir()
	write(t, other, "notes.txt", "mine")
	if code, _, errOut := runCmd(t, exportEnv(other), "export", other); code != 1 || !strings.Contains(errOut, "holds no earlier export") {
		t.Errorf("export into a folder of other files: code %d, %q", code, errOut)
	}
	if code, out, _ := runCmd(t, nil, "help"); code != 0 || !strings.Contains(out, "morningpost export [--content DIR] [--base-url URL] [--data DIR] [--database-url URL] [--at RFC3339] OUTDIR") {
		t.Errorf("help does not list export:\n%s", out)
	}
}

// startNginx serves root with the export's _nginx.conf on 127.0.0.1
// until the test ends (startNginxProxy: skipped without nginx, except
// under CI=true).
func startNginx(t *testing.T, root string) string {
	t.Helper()
	port := startNginxProxy(t, func(port int) string {
		return fmt.Sprintf("server {\n\t\tlisten 127.0.0.1:%d;\n\t\troot %s;\n\t\tinclude %s/_nginx.conf;\n\t}", port, root, root)
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// exportedURLs are the URLs of the documents in an export, from its
// record of files.
func exportedURLs(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, manifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, name := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.HasSuffix(name, ".gz"), strings.HasSuffix(name, ".br"),
			strings.HasPrefix(name, "_"), name == "404.html":
		case name == "index.html":
			urls = append(urls, "/")
		default:
			urls = append(urls, "/"+strings.TrimSuffix(name, ".html"))
		}
	}
	return urls
}

// TestExportServedByNginx serves an export of a two-month archive
// with nginx and the export's _nginx.conf, and compares every URL with
// what serve answers at the same moment.
func TestExportServedByNginx(t *testing.T) {
	at := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "post")
	// 30 May to 2 June: one closed month of archives, one open.
	if err := writeArchive(dir, 4, at); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)
	ngx := startNginx(t, out)
	srv := startServer(t, serveConfig{content: dir, now: func() time.Time { return at }, accessLog: false})

	fetch := identityFetcher(t)

	urls := exportedURLs(t, out)
	_, home := fetch(srv, "/")
	css := regexp.MustCompile(`/static/site\.css\?v=[0-9a-f]+`).Find(home)
	if css == nil {
		t.Fatal("the home page links no versioned style sheet")
	}
	urls = append(urls, string(css))
	kinds := map[string]int{}
	for _, u := range urls {
		s, sBody := fetch(srv, u)
		n, nBody := fetch(ngx, u)
		if s.StatusCode != 200 || n.StatusCode != 200 {
			t.Errorf("%s: serve %d, nginx %d", u, s.StatusCode, n.StatusCode)
			continue
		}
		kinds[s.Header.Get("Content-Type")]++
		for _, h := range []string{"Content-Type", "Cache-Control", "Access-Control-Allow-Origin", "X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy"} {
			if s.Header.Get(h) != n.Header.Get(h) {
				t.Errorf("%s: %s: serve %q, nginx %q", u, h, s.Header.Get(h), n.Header.Get(h))
			}
		}
		if !bytes.Equal(sBody, nBody) {
			t.Errorf("%s: nginx's bytes differ from serve's", u)
		}
		lm := n.Header.Get("Last-Modified")
		if want := s.Header.Get("Last-Modified"); lm == "" || want != "" && lm != want {
			t.Errorf("%s: Last-Modified: serve %q, nginx %q", u, want, lm)
		}

		// Compressed: the same gzip bytes as serve's, or, where serve
		// sends identity (pages), gzip of the same bytes.
		sg, sgBody := fetch(srv, u, "Accept-Encoding", "gzip")
		ng, ngBody := fetch(ngx, u, "Accept-Encoding", "gzip")
		if strings.HasPrefix(n.Header.Get("Content-Type"), "image/") {
			if ng.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: an image sent as %s", u, ng.Header.Get("Content-Encoding"))
			}
		} else {
			switch {
			case ng.Header.Get("Content-Encoding") != "gzip":
				t.Errorf("%s: nginx sends no gzip", u)
			case sg.Header.Get("Content-Encoding") == "gzip" && !bytes.Equal(sgBody, ngBody):
				t.Errorf("%s: nginx's gzip bytes differ from serve's", u)
			case !bytes.Equal(gunzip(t, ngBody), sBody):
				t.Errorf("%s: nginx's gzip does not hold serve's bytes", u)
			case !strings.Contains(ng.Header.Get("Vary"), "Accept-Encoding"):
				t.Errorf("%s: gzip without Vary: Accept-Encoding", u)
			}
			if ng.Header.Get("Last-Modified") != lm {
				t.Errorf("%s: gzip Last-Modified %q, identity %q", u, ng.Header.Get("Last-Modified"), lm)
			}
		}

		// Conditional requests.
		if r, _ := fetch(ngx, u, "If-None-Match", n.Header.Get("Etag")); r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match %s: %d", u, n.Header.Get("Etag"), r.StatusCode)
		}
		if r, _ := fetch(ngx, u, "If-Modified-Since", lm); r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-Modified-Since %s: %d", u, lm, r.StatusCode)
		}
	}
	if kinds["text/html; charset=utf-8"] < 4*5 || kinds["application/atom+xml; charset=utf-8"] < 7*3 {
		t.Errorf("too few documents compared: %v", kinds)
	}
	// A closed archive is cached for 30 days, by both.
	if r, _ := fetch(ngx, "/archive/2026/05/feed.atom"); r.Header.Get("Cache-Control") != "public, max-age=2592000, stale-if-error=86400" {
		t.Errorf("closed archive: Cache-Control %q", r.Header.Get("Cache-Control"))
	}

	// Anything else is a 404, from both; the export's own files are not
	// served. nginx sends 404.html for every missing URL, so the page
	// names none: not "/404.html", and not the one asked for.
	for _, u := range []string{"/nope", "/issues/87.html", "/feed.atom.gz", "/feed.atom.br",
		"/_nginx.conf", "/_headers", "/" + manifestFile, "/404.html", "/preview", "/issues/87/nope"} {
		n, nb := fetch(ngx, u)
		s, sb := fetch(srv, u)
		if n.StatusCode != 404 || s.StatusCode != 404 {
			t.Errorf("%s: nginx %d, serve %d; want 404", u, n.StatusCode, s.StatusCode)
		}
		if !bytes.Equal(nb, sb) || bytes.Contains(nb, []byte("404.html")) {
			t.Errorf("%s: the 404 page differs between nginx and serve, or names 404.html:\n%s", u, nb)
		}
		if n.Header.Get("Cache-Control") != s.Header.Get("Cache-Control") {
			t.Errorf("%s: 404 Cache-Control: nginx %q, serve %q", u, n.Header.Get("Cache-Control"), s.Header.Get("Cache-Control"))
		}
	}
	if r, _ := fetch(ngx, "/healthz"); r.StatusCode != 404 {
		t.Errorf("/healthz, a running server's, answers %d from the export", r.StatusCode)
	}
}

// TestExportRedirectsServedByNginx: what serve answers 301 (a former
// slug of an article, a tag spelt otherwise than its slug, a trailing
// slash), nginx answers 301 to the same place from the export.
func TestExportRedirectsServedByNginx(t *testing.T) {
	at := time.Date(2026, 4, 26, 8, 0, 0, 0, time.UTC)
	dir := sampleFolder(t)
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)
	// The editor's column gets another slug, and spells its tag otherwise.
	editor := filepath.Join(dir, "issues/87/editor.md")
	b, err := os.ReadFile(editor)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "slug: democracy-of-ai-development", "slug: ai-democracy", 1)
	edited = strings.Replace(edited, "tags: [open-source]", "tags: [Open-Source]", 1)
	if edited == string(b) {
		t.Fatal("the sample's editor.md changed: fix this test")
	}
	write(t, dir, "issues/87/editor.md", edited)
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)

	redirects, err := os.ReadFile(filepath.Join(out, "_redirects"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"/issues/87/democracy-of-ai-development  /issues/87/ai-democracy  301\n",
		"/tags/Open-Source  /tags/open-source  301\n", "/tags/Open-Source/*  /tags/open-source/:splat  301\n"} {
		if !strings.Contains(string(redirects), line) {
			t.Errorf("_redirects lacks %q:\n%s", line, redirects)
		}
	}

	ngx := startNginx(t, out)
	srv := startServer(t, serveConfig{content: dir, data: out + ".data", now: func() time.Time { return at }})
	transport := &http.Transport{DisableCompression: true}
	defer transport.CloseIdleConnections()
	fetch := func(base, target string) (status int, location string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := roundTrip(t, transport, req)
		if loc := r.Header.Get("Location"); loc != "" {
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("%s%s: Location %q: %v", base, target, loc, err)
			}
			location = u.RequestURI()
		}
		return r.StatusCode, location
	}
	for target, want := range map[string]string{
		"/issues/87/democracy-of-ai-development": "/issues/87/ai-democracy",
		"/tags/Open-Source":                      "/tags/open-source",
		"/tags/OPEN_SOURCE/feed.atom":            "/tags/open-source/feed.atom",
		"/tags/Open-Source/page/2":               "/tags/open-source/page/2",
		"/tags/Hugging-Face/feed.json":           "/tags/hugging-face/feed.json",
		"/issues/87/":                            "/issues/87",
		"/issues/87/ai-democracy/":               "/issues/87/ai-democracy",
		"/issues/":                               "/issues",
		"/feeds/":                                "/feeds",
		"/feed.atom/?x=1":                        "/feed.atom?x=1",
	} {
		for name, base := range map[string]string{"serve": srv, "nginx": ngx} {
			if code, loc := fetch(base, target); code != http.StatusMovedPermanently || loc != want {
				t.Errorf("%s %s: %d to %q, want 301 to %s", name, target, code, loc, want)
			}
		}
	}
	for target, want := range map[string]int{
		"/issues/87/ai-democracy": 200, "/tags/open-source": 200, "/tags/open-source/feed.atom": 200,
		"/issues/87/nope": 404, "/tags/Nope-Tag": 404, "/tags/open-source-2": 404,
	} {
		for name, base := range map[string]string{"serve": srv, "nginx": ngx} {
			if code, loc := fetch(base, target); code != want {
				t.Errorf("%s %s: %d (to %q), want %d", name, target, code, loc, want)
			}
		}
	}
}

// TestExportLateArticle: an export of now keeps the record serve keeps,
// so an article dropped into an issue already out is dated when the
// export first saw it, and the feed's file time (nginx's Last-Modified)
// moves forward with it, as serve's Last-Modified does.
func TestExportLateArticle(t *testing.T) {
	dir := sampleFolder(t)
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, out)
	before, err := os.Stat(filepath.Join(out, "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "issues/87/late.md", "---\nsection: opinion\ntitle: A Late Column\nauthor: The Editor\n---\nWritten after the issue went out.\n")
	start := time.Now().Truncate(time.Second)
	exportOK(t, "--content", dir, out)
	end := time.Now()
	after, err := os.Stat(filepath.Join(out, "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().After(before.ModTime()) {
		t.Errorf("feed.json's time did not move forward: %v, then %v", before.ModTime(), after.ModTime())
	}
	p, ok := feedItems(t, filepath.Join(out, "feed.json"))["/late"]
	if !ok {
		t.Fatal("the late column is not in feed.json")
	}
	if p.Published.Before(start) || p.Published.After(end) {
		t.Errorf("the late column is dated %v, want when the export first saw it (%v to %v)", p.Published, start, end)
	}
}

// item is what feedItems reads of a JSON Feed item.
type item struct {
	Published, Modified time.Time
}

// feedItems reads the JSON Feed file at path: its items by the end of
// their ID (after the issue number: "/late", "" for the issue).
func feedItems(t *testing.T, path string) map[string]item {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			ID        string    `json:"id"`
			Published time.Time `json:"date_published"`
			Modified  time.Time `json:"date_modified"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]item{}
	for _, it := range doc.Items {
		key := it.ID[strings.LastIndex(it.ID, ":")+1:]
		if i := strings.Index(key, "/"); i >= 0 {
			key = key[i:]
		} else {
			key = ""
		}
		if strings.HasPrefix(it.ID[strings.LastIndex(it.ID, ":")+1:], "issue-87") {
			out[key] = item{it.Published, it.Modified}
		}
	}
	return out
}

// TestExportAsOfWritesNothing: an export as of another moment than now
// reads the store and writes nothing to it. Exporting 2099 with the
// store a server uses once dated the server's feeds in 2099, forever.
func TestExportAsOfWritesNothing(t *testing.T) {
	dir := sampleFolder(t)
	data := t.TempDir()
	out := filepath.Join(t.TempDir(), "site")
	env := map[string]string{"MORNINGPOST_DATA": data}
	export := func(args ...string) {
		t.Helper()
		if code, stdout, stderr := runCmd(t, env, append([]string{"export", "--content", dir}, args...)...); code != 0 {
			t.Fatalf("export %v: %d\n%s%s", args, code, stdout, stderr)
		}
	}
	export(out) // now: the record is made
	counts := func() map[string]int {
		db, err := store.Open(t.Context(), store.Options{Dir: data})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		m := map[string]int{}
		for _, table := range []string{"first_public", "documents", "revisions"} {
			var n, latest int64
			if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			col := map[string]string{"first_public": "at", "documents": "modified", "revisions": "changed"}[table]
			if err := db.QueryRowContext(t.Context(), "SELECT COALESCE(MAX("+col+"), 0) FROM "+table).Scan(&latest); err != nil {
				t.Fatal(err)
			}
			if at := store.Time(latest); at.After(time.Now()) {
				t.Errorf("%s holds a time ahead of the clock: %v", table, at)
			}
			m[table] = int(n)
		}
		return m
	}
	before := counts()
	if before["first_public"] == 0 || before["documents"] == 0 || before["revisions"] == 0 {
		t.Fatalf("an export of now recorded nothing: %v", before)
	}
	// An edit, a late article and an issue 89 scheduled for next year,
	// exported as of 2099.
	write(t, dir, "issues/87/late.md", "---\nsection: opinion\ntitle: A Late Column\n---\nLate.\n")
	next := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	write(t, dir, "issues/89/issue.md", "---\ndate: "+next+"\n---\n")
	write(t, dir, "issues/89/lead.md", "---\ntitle: Scheduled\n---\nNot yet.\n")
	export("--at", "2099-06-01T00:00:00Z", filepath.Join(t.TempDir(), "future"))
	if after := counts(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the export as of 2099 wrote to the store: %v, then %v", before, after)
	}
	// Now again: the late column is dated now, the feed not later than now.
	export(out)
	now := time.Now()
	if late := feedItems(t, filepath.Join(out, "feed.json"))["/late"]; late.Published.After(now) || late.Published.Year() == 2099 {
		t.Errorf("the late column is dated %v", late.Published)
	}
	fi, err := os.Stat(filepath.Join(out, "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.ModTime().After(now) {
		t.Errorf("feed.json is dated %v, later than the clock", fi.ModTime())
	}
	counts()
}
