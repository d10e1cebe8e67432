package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshots writes PNGs of the public issue page and of the
// editor's pages at phone and desktop widths into the folder named by
// $MORNINGPOST_SCREENSHOTS (make screenshots); without it, into a
// temporary folder, so that every test run checks them.
// Each public page must answer 200, and each picture be a page: as wide
// as the screen (nothing overflows it sideways, which a phone would
// scroll) and more than a blank or a bare line of text.
func TestScreenshots(t *testing.T) {
	out := os.Getenv("MORNINGPOST_SCREENSHOTS")
	if out == "" {
		out = t.TempDir()
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
	width := widths[0].width // of the viewport set last
	shoot := func(name string, full bool) {
		t.Helper()
		var b []byte
		if full {
			b = run1(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		} else {
			b = run1(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
		}
		checkScreenshot(t, name, b, int(width))
		if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	viewport := func(w int) {
		t.Helper()
		width = widths[w].width
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
			if r, _ := get(t, "GET", base+p.path); r.StatusCode != 200 {
				t.Errorf("%s: status %d", p.path, r.StatusCode)
			}
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

// checkScreenshot fails unless b is a PNG width pixels wide that holds
// a page: a blank screen, or an error's one line of text, compresses to
// a few kilobytes; the smallest page here takes several times that.
// (The header and the size suffice: decoding every picture would cost
// more than taking it.)
func checkScreenshot(t *testing.T, name string, b []byte, width int) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if cfg.Width != width {
		t.Errorf("%s: %dpx wide on a %dpx screen: the page overflows it", name, cfg.Width, width)
	}
	if len(b) < minScreenshotBytes {
		t.Errorf("%s: %d bytes of PNG: blank, or nearly", name, len(b))
	}
}

// minScreenshotBytes is under half the smallest screenshot of a page
// (about 45 KB: the archive at phone width); a blank screen is a few.
const minScreenshotBytes = 20 << 10
