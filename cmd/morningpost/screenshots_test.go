package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshots writes PNGs of the public issue page and of the
// editor's pages at phone and desktop widths into the folder named by
// $MORNINGPOST_SCREENSHOTS (make screenshots). Without it, it is skipped.
func TestScreenshots(t *testing.T) {
	out := os.Getenv("MORNINGPOST_SCREENSHOTS")
	if out == "" {
		t.Skip("set MORNINGPOST_SCREENSHOTS to a folder to write screenshots (make screenshots)")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	base, dir := startDesk(t)

	widths := []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"phone", 390, 844, true},
		{"desktop", 1280, 900, false},
	}
	public := []struct{ name, path string }{
		{"issue", "/issues/87"},
		{"article", "/issues/87/weekend-warriors"},
		{"feeds", "/feeds"},
		{"feed-view", "/feeds/view/feed.atom"},
		{"archive", "/issues"},
		{"section-tools", "/sections/tools"},
	}
	private := []struct{ name, path string }{
		{"preview-desk", "/preview"},
		{"preview-issue", "/preview/issues/88"},
		{"preview-entries", "/preview/entries/87"},
		{"preview-audience", "/preview/audience"},
	}
	shoot := func(name string, full bool) {
		t.Helper()
		var b []byte
		if full {
			b = run1(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		} else {
			b = run1(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
		}
		if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	viewport := func(w int) {
		t.Helper()
		opts := []chromedp.EmulateViewportOption{}
		if widths[w].mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
		}
		do(t, ctx, "viewport", chromedp.EmulateViewport(widths[w].width, widths[w].height, opts...))
	}
	// The public pages as readers see them, then the editor's, signed in.
	for i, w := range widths {
		viewport(i)
		for _, p := range public {
			do(t, ctx, "open "+p.path, chromedp.Navigate(base+p.path))
			shoot(p.name+"-"+w.name, true)
		}
	}
	do(t, ctx, "sign in", chromedp.Navigate(base+"/preview?token="+browserToken))
	for i, w := range widths {
		viewport(i)
		for _, p := range private {
			do(t, ctx, "open "+p.path, chromedp.Navigate(base+p.path))
			waitFor(t, ctx, "live", `document.getElementById("live-status").textContent.startsWith("Live")`, 10*time.Second)
			shoot(p.name+"-"+w.name, true)
		}
	}

	// A broken edit, as the open preview shows it (the first screen).
	do(t, ctx, "open the draft", chromedp.Navigate(base+"/preview/issues/88"))
	waitFor(t, ctx, "live", `document.getElementById("live-status").textContent.startsWith("Live")`, 10*time.Second)
	saveByRename(t, dir, "issues/88/lead.md", "---\ntitle: Broken\nrating: ten\n---\nOops.\n")
	waitFor(t, ctx, "problem shown", `!document.getElementById("live-problems").hidden`, 5*time.Second)
	shoot("preview-problem-desktop", false)
	viewport(0)
	shoot("preview-problem-phone", false)
	t.Logf("screenshots in %s", out)
}
