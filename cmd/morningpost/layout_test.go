package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// layoutPages are every kind of page, public and the editor's.
var layoutPages = []string{
	"/", "/issues", "/issues/87", "/issues/87/weekend-warriors", "/issues/87/democracy-of-ai-development",
	"/sections/lead", "/sections/opinion", "/sections/tools", "/sections/reading",
	"/tags", "/tags/open-source", "/feeds", "/feeds/view/feed.atom", "/feeds/view/feed.json", "/no/such/page",
	"/preview", "/preview/issues/88", "/preview/issues/88/the-sunday-builders", "/preview/entries/87", "/preview/entries/88",
	"/preview/audience", "/sources",
}

// overflowJS names the elements that reach past the viewport's right
// edge, the widest first: nothing on a page may make it scroll sideways.
const overflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return [];
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " " + Math.round(e.getBoundingClientRect().right) + "px")
    .slice(0, 8);
})()`

// TestBrowserPagesFitAPhone opens every page at 390 px, as a phone
// shows it: none scrolls sideways.
func TestBrowserPagesFitAPhone(t *testing.T) {
	ctx := newBrowser(t)
	dir := deskContent(t)
	// A picture with a long file name, in the draft: its URL is long.
	writePNG(t, filepath.Join(dir, "issues/88/a-picture-with-a-rather-long-file-name-from-the-camera-2026-04-26.png"), 1600, 900)
	write(t, dir, "issues/88/lead.md", strings.Replace(draftLead("The Sunday Builders"), "---\n", "---\nimage: a-picture-with-a-rather-long-file-name-from-the-camera-2026-04-26.png\nimage_alt: A workshop\n", 1))
	clk := newClock(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{content: dir, now: clk.now, previewToken: browserToken})
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	do(t, ctx, "sign in", chromedp.Navigate(base+"/preview?token="+browserToken))
	for _, p := range layoutPages {
		do(t, ctx, "open "+p, chromedp.Navigate(base+p))
		if p == "/preview/entries/88" {
			if html := run1(t, ctx, "html", chromedp.Evaluate[string](`document.body.innerHTML`)); !strings.Contains(html, "rather-long-file-name") {
				t.Fatalf("%s does not show the picture", p)
			}
		}
		if over := run1(t, ctx, "overflow "+p, chromedp.Evaluate[[]string](overflowJS)); len(over) > 0 {
			t.Errorf("%s scrolls sideways at 390 px: %s", p, strings.Join(over, ", "))
		}
	}
}

// TestBrowserArticleTextInOneColumn: on a wide screen, article text reads
// down one column of a readable measure (about 60-75 characters), on the
// article's page and in the issue.
func TestBrowserArticleTextInOneColumn(t *testing.T) {
	ctx := newBrowser(t)
	base, _ := startDesk(t)
	for _, width := range []int64{800, 1280, 1600} {
		do(t, ctx, "viewport", chromedp.EmulateViewport(width, 900))
		for _, p := range []string{"/issues/87", "/issues/87/weekend-warriors", "/issues/87/specialization-thesis"} {
			do(t, ctx, "open "+p, chromedp.Navigate(base+p))
			got := run1(t, ctx, "columns "+p, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main .body")].map(b => {
  const s = getComputedStyle(b);
  const ch = (() => { const m = document.createElement("span"); m.textContent = "abcdefghijklmnopqrstuvwxyz".repeat(4); b.appendChild(m); const w = m.getBoundingClientRect().width / 104; m.remove(); return w; })();
  return s.columnCount + " " + Math.round(b.clientWidth / ch);
})`))
			if len(got) == 0 {
				t.Fatalf("%s: no article body", p)
			}
			for _, g := range got {
				cols, chars, _ := strings.Cut(g, " ")
				if cols != "auto" && cols != "1" {
					t.Errorf("%s at %d px: article text in %s columns", p, width, cols)
				}
				if n := atoi(chars); n > 80 {
					t.Errorf("%s at %d px: lines of about %d characters, want at most 80", p, width, n)
				}
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// writePNG writes a plain picture of w×h pixels.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
