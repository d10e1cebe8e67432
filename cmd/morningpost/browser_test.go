package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests drive the real server with headless Chromium (Debian's
// chromium package). Without a browser they are skipped, except in CI
// (CI=true), where a missing browser is a failure.

const browserToken = "browser-test-token-5f1c"

// chromiumPath finds the browser: $MORNINGPOST_CHROMIUM, or chromium on
// the PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MORNINGPOST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium found; CI must run the browser tests (apt-get install chromium)")
	}
	t.Skip("no chromium found on the PATH (apt-get install chromium, or set MORNINGPOST_CHROMIUM): skipping the browser tests")
	return ""
}

// newBrowser starts a headless Chromium for the test and returns a tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	// Not t.TempDir: Chromium may still write to it while it exits.
	profile, err := os.MkdirTemp("", "morningpost-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	// A bound, so a wedged browser fails the test; generous, since a
	// loaded machine takes its time with full-page screenshots.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser now, so failures name it
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// deskContent is the sample issue 87 (published at the test's clock) and
// a draft issue 88 an editor is writing.
func deskContent(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "post")
	if code, out, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatalf("init: %s %s", out, errOut)
	}
	write(t, dir, "issues/88/issue.md", "---\ndate: 2026-04-26\ndraft: true\nplace: Manchester, United Kingdom\nweather: 8°C Sunny\n---\n")
	write(t, dir, "issues/88/lead.md", draftLead("The Sunday Builders"))
	return dir
}

func draftLead(title string) string {
	var b strings.Builder
	b.WriteString("---\ntitle: " + title + "\nkicker: Lead Story\nrating: 8/10\nstandfirst: What a draft looks like before it goes out.\n---\n")
	for i := range 12 {
		b.WriteString("Paragraph " + string(rune('A'+i)) + " of a long draft, so the page scrolls. ")
		b.WriteString(strings.Repeat("Editors keep this tab open beside their editor and watch it change. ", 6) + "\n\n")
	}
	return b.String()
}

// saveByRename writes a file the way many editors save: a temporary file
// renamed over the original.
func saveByRename(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	tmp := p + ".tmp~"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

func startDesk(t *testing.T) (base, dir string) {
	t.Helper()
	dir = deskContent(t)
	// 25 April 2026, 12:00 BST: issue 87 is out; 88 is a draft.
	clk := newClock(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	return startServer(t, serveConfig{content: dir, now: clk.now, previewToken: browserToken}), dir
}

func run1[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor evaluates a JavaScript condition until it holds. It polls from
// Go rather than in the page, so it survives the page reloading under it.
func waitFor(t *testing.T, ctx context.Context, what, cond string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 1500) : ""`))
	t.Fatalf("%s: not within %v (last error: %v)\npage text:\n%s", what, timeout, lastErr, body)
}

func TestBrowserPublicSite(t *testing.T) {
	ctx := newBrowser(t)
	base, _ := startDesk(t)

	resp := run1(t, ctx, "open issue 87", chromedp.NavigateResponse(base+"/issues/87"))
	if resp.Status != 200 {
		t.Fatalf("/issues/87: status %d", resp.Status)
	}
	heads := run1(t, ctx, "headlines", chromedp.Evaluate[[]string](`[...document.querySelectorAll("main .headline")].map(h => h.innerText)`))
	all := strings.Join(heads, "\n")
	for _, want := range []string{
		"The Weekend Warriors: Individual Developers Drive AI's Silent Revolution",
		"The Specialization Thesis",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("issue page lacks the headline %q; has:\n%s", want, all)
		}
	}
	if got := run1(t, ctx, "nameplate", chromedp.Evaluate[string](`document.querySelector("h1.nameplate").innerText`)); got != "The AI Morning Post" {
		t.Errorf("nameplate %q", got)
	}
	feeds := run1(t, ctx, "autodiscovery", chromedp.Evaluate[[]string](`[...document.querySelectorAll('link[rel="alternate"]')].map(l => l.type + " " + l.href)`))
	joined := strings.Join(feeds, "\n")
	for _, want := range []string{"application/atom+xml ", "application/rss+xml ", "application/feed+json ", "/feed.atom", "/issues/feed.atom"} {
		if !strings.Contains(joined, want) {
			t.Errorf("autodiscovery lacks %q:\n%s", want, joined)
		}
	}
	if n := run1(t, ctx, "scripts", chromedp.Evaluate[int](`document.scripts.length`)); n != 0 {
		t.Errorf("the public page has %d scripts", n)
	}
	// The draft is nowhere on the public site.
	if text := run1(t, ctx, "text", chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(text, "Sunday Builders") {
		t.Error("the public page shows the draft")
	}

	// The feeds page links a readable page per feed.
	do(t, ctx, "open /feeds", chromedp.Navigate(base+"/feeds"))
	do(t, ctx, "follow a readable feed", chromedp.Click(chromedp.CSS(`a.view[href="/feeds/view/feed.atom"]`)))
	waitFor(t, ctx, "readable Atom feed", `location.pathname === "/feeds/view/feed.atom" && document.body.innerText.includes("The Weekend Warriors")`, 10*time.Second)
}

func TestBrowserEditorsDesk(t *testing.T) {
	ctx := newBrowser(t)
	base, dir := startDesk(t)

	// Without the token, nothing: the same 404 as any missing page.
	resp := run1(t, ctx, "open /preview", chromedp.NavigateResponse(base+"/preview/issues/88"))
	if resp.Status != 404 {
		t.Errorf("/preview/issues/88 without the token: status %d", resp.Status)
	}
	if text := run1(t, ctx, "404 text", chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(text, "Sunday Builders") {
		t.Error("the 404 reveals the draft")
	}

	// The token once in the address: a cookie, and the clean URL.
	do(t, ctx, "sign in", chromedp.Navigate(base+"/preview?token="+browserToken))
	if loc := run1(t, ctx, "location", chromedp.Location()); loc != base+"/preview" {
		t.Errorf("after ?token=: at %s, want the clean %s/preview", loc, base)
	}
	if c := run1(t, ctx, "document.cookie", chromedp.Evaluate[string](`document.cookie`)); c != "" {
		t.Errorf("the preview cookie is readable by scripts: %q", c)
	}
	waitFor(t, ctx, "the desk lists the draft", `document.body.innerText.includes("Issue #88") && document.body.innerText.includes("The Sunday Builders")`, 5*time.Second)

	// The draft issue, as it will look, with the banner; the live reload connects.
	do(t, ctx, "open the draft", chromedp.Navigate(base+"/preview/issues/88"))
	waitFor(t, ctx, "preview banner and live connection",
		`document.querySelector(".preview-label") && document.querySelector(".preview-label").innerText.toUpperCase() === "PREVIEW" && document.getElementById("live-status").textContent.startsWith("Live")`, 10*time.Second)
	do(t, ctx, "scroll", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 600); window.__notReloaded = true`))
	time.Sleep(100 * time.Millisecond)
	scrolled := run1(t, ctx, "scrollY", chromedp.Evaluate[float64](`window.scrollY`))
	if scrolled < 100 {
		t.Fatalf("the draft page does not scroll (scrollY %v): the scroll test would prove nothing", scrolled)
	}

	// An edit shows without a manual reload, at the same scroll position.
	saved := time.Now()
	saveByRename(t, dir, "issues/88/lead.md", draftLead("The Sunday Builders Return"))
	waitFor(t, ctx, "the edit appears", `!window.__notReloaded && document.querySelector("main .headline") && document.querySelector("main .headline").innerText.includes("The Sunday Builders Return")`, 5*time.Second)
	t.Logf("an edit showed in the open preview %v after the save", time.Since(saved).Round(time.Millisecond))
	waitFor(t, ctx, "scroll kept", `Math.abs(window.scrollY - `+strconv.FormatFloat(scrolled, 'f', 0, 64)+`) < 5`, 3*time.Second)

	// A broken edit: the page shows the file and the problem, and does not
	// reload into a broken state.
	do(t, ctx, "mark", chromedp.Evaluate[chromedp.Void](`window.__notReloaded = true`))
	saved = time.Now()
	saveByRename(t, dir, "issues/88/lead.md", "---\ntitle: Broken\nrating: ten\n---\nOops.\n")
	waitFor(t, ctx, "the problem is shown", `!document.getElementById("live-problems").hidden && document.getElementById("live-problems").innerText.includes("issues/88/lead.md:3")`, 5*time.Second)
	t.Logf("a broken edit showed its problem %v after the save", time.Since(saved).Round(time.Millisecond))
	if ok := run1(t, ctx, "not reloaded", chromedp.Evaluate[bool](`window.__notReloaded === true && document.querySelector("main .headline").innerText.includes("The Sunday Builders Return")`)); !ok {
		t.Error("the page reloaded into the broken edit")
	}

	// Fixing the file clears the message and shows the fix.
	saveByRename(t, dir, "issues/88/lead.md", draftLead("The Sunday Builders, Fixed"))
	waitFor(t, ctx, "the fix appears", `document.getElementById("live-problems").hidden && document.querySelector("main .headline").innerText.includes("The Sunday Builders, Fixed")`, 5*time.Second)

	// A new issue folder is picked up too.
	write(t, dir, "issues/89/issue.md", "---\ndate: 2026-04-27\ndraft: true\n---\n")
	write(t, dir, "issues/89/lead.md", "---\ntitle: Monday Is Coming\n---\nSoon.\n")
	do(t, ctx, "open the desk", chromedp.Navigate(base+"/preview"))
	waitFor(t, ctx, "the new issue is listed", `document.body.innerText.includes("Monday Is Coming")`, 5*time.Second)

	// What readers will see: the draft's feed entry, side by side.
	do(t, ctx, "open the entries", chromedp.Navigate(base+"/preview/entries/88"))
	text := run1(t, ctx, "entries text", chromedp.Evaluate[string](`document.body.innerText`))
	for _, want := range []string{"What readers will see", "tag:morningpost.example,2025:issue-88/lead", "AS A FEED READER SHOWS IT", "<item>", "<entry>", `"content_html"`} {
		if !strings.Contains(strings.ToUpper(text), strings.ToUpper(want)) {
			t.Errorf("entries page lacks %q", want)
		}
	}
}
