package content

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testPNG is a PNG of w×h pixels.
func testPNG(t testing.TB, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func testJPEG(t testing.TB, w, h int) string {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestImages(t *testing.T) {
	c, err := Load(tree(map[string]string{
		"issues/1/issue.md":   "---\ndate: 2026-01-01\n---\nSee ![The front page](front.jpg).\n",
		"issues/1/lead.md":    "---\ntitle: One\nimage: chart.png\nimage_alt: Adoption, week by week\n---\nText.\n\n![Safetensors adoption](./chart.png \"Adoption\")\n",
		"issues/1/guest.md":   "---\ntitle: Two\ndraft: true\n---\n![A secret](secret.png)\n",
		"issues/1/chart.png":  testPNG(t, 640, 360),
		"issues/1/front.jpg":  testJPEG(t, 30, 20),
		"issues/1/secret.png": testPNG(t, 8, 8),
		"issues/1/unused.png": testPNG(t, 8, 8),
		"issues/1/logo.svg":   `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="1" height="1"/></svg>`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	iss := c.Issue(1)
	chart := iss.Image("chart.png")
	if chart == nil || chart.Width != 640 || chart.Height != 360 || chart.Type != "image/png" || len(chart.Hash) != 16 {
		t.Fatalf("chart.png = %+v", chart)
	}
	if svg := iss.Image("logo.svg"); svg == nil || svg.Width != 120 || svg.Height != 40 || svg.Type != "image/svg+xml" {
		t.Errorf("logo.svg = %+v", svg)
	}
	if f := iss.Image("front.jpg"); f == nil || f.Width != 30 || f.Type != "image/jpeg" {
		t.Errorf("front.jpg = %+v", f)
	}
	lead := iss.Lead()
	if lead.Image != chart || lead.ImageAlt != "Adoption, week by week" {
		t.Errorf("lead image %v %q", lead.Image, lead.ImageAlt)
	}
	body := string(lead.Body())
	want := `<img src="/issues/1/images/` + chart.Hash + `/chart.png" alt="Safetensors adoption" title="Adoption" width="640" height="360">`
	if !strings.Contains(body, want) {
		t.Errorf("body %s\nwant %s", body, want)
	}
	if !strings.Contains(string(iss.Note), `width="30" height="20"`) {
		t.Errorf("note %s", iss.Note)
	}
	if b, err := chart.Read(); err != nil || len(b) != int(chart.Size) {
		t.Errorf("Read: %d bytes, %v", len(b), err)
	}
	// Public: the images a public article or the note shows; not a draft
	// article's, not one nobody shows.
	snap := c.At(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	pub := snap.Issue(1)
	for name, want := range map[string]bool{"chart.png": true, "front.jpg": true, "secret.png": false, "unused.png": false} {
		if got := pub.PublicImage(pub.Image(name)); got != want {
			t.Errorf("PublicImage(%s) = %v, want %v", name, got, want)
		}
	}
	if !c.Preview().Issue(1).PublicImage(iss.Image("secret.png")) {
		t.Error("the preview does not show the draft article's image")
	}
}

func TestImageChangesVersion(t *testing.T) {
	files := map[string]string{"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n", "issues/1/a.png": testPNG(t, 4, 4)}
	c1, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	files["issues/1/a.png"] = testPNG(t, 5, 4)
	c2, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	if c1.Issue(1).Version == c2.Issue(1).Version || c1.Issue(1).Image("a.png").Hash == c2.Issue(1).Image("a.png").Hash {
		t.Error("a changed image changes neither the issue's version nor its hash")
	}
	fsys := tree(files)
	c3, _ := Load(fsys)
	fsys["issues/1/a.png"] = &fstest.MapFile{Data: []byte(testPNG(t, 6, 4))}
	if _, err := c3.Issue(1).Image("a.png").Read(); !errors.Is(err, ErrImageChanged) {
		t.Errorf("Read of a changed file: %v", err)
	}
}

// Every image problem is a check error with its file and line.
func TestImageProblems(t *testing.T) {
	big := testPNG(t, 2, 2) + strings.Repeat("\x00", MaxImageSize)
	_, err := Load(tree(map[string]string{
		"issues/1/issue.md":   "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":    "---\ntitle: One\nimage: nothere.png\n---\nText.\n\n![](chart.png)\n\n![A map](map.png)\n",
		"issues/1/editor.md":  "---\ntitle: Two\nimage: chart.png\n---\nx\n",
		"issues/1/chart.png":  testPNG(t, 10, 10),
		"issues/1/photo.png":  testJPEG(t, 10, 10),
		"issues/1/broken.gif": "a text file, renamed",
		"issues/1/huge.png":   big,
		"issues/1/bad.svg":    "<html><script>alert(1)</script></html>",
		"issues/1/my pic.png": testPNG(t, 2, 2),
	}))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	got := ps.Error()
	for _, want := range []string{
		"issues/1/bad.svg: not an SVG image: the root element is <html>, not <svg>",
		"issues/1/broken.gif: not a GIF image",
		"issues/1/editor.md:3: image \"chart.png\" has no alt text",
		"issues/1/huge.png: 10.0 MB is too large",
		"issues/1/lead.md:3: image \"nothere.png\": there is no such image in issues/1",
		"issues/1/lead.md:3: image \"nothere.png\" has no alt text",
		"issues/1/lead.md:7: image \"chart.png\" has no alt text",
		"issues/1/lead.md:9: image \"map.png\": there is no such image in issues/1",
		"issues/1/my pic.png: image file names may hold only",
		"issues/1/photo.png: the file is a JPEG image, not the PNG its name says",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// A picture saved into an issue folder is picked up by the next reload,
// which is what a save in the running server triggers.
func TestImageReload(t *testing.T) {
	fsys := tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: One\n---\nText.\n",
	})
	live, err := NewLive(fsys, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := live.Content().Issue(1).Version
	fsys["issues/1/chart.png"] = &fstest.MapFile{Data: ExampleChart(64, 32)}
	fsys["issues/1/lead.md"] = &fstest.MapFile{Data: []byte("---\ntitle: One\n---\n![A chart](chart.png)\n")}
	if err := live.ReloadPaths([]string{"issues/1/chart.png", "issues/1/lead.md"}); err != nil {
		t.Fatal(err)
	}
	iss := live.Content().Issue(1)
	if img := iss.Image("chart.png"); img == nil || img.Width != 64 || iss.Version == before {
		t.Fatalf("after reload: image %+v, version %s (was %s)", img, iss.Version, before)
	}
	if !strings.Contains(string(iss.Lead().Body()), `width="64" height="32"`) {
		t.Errorf("body %s", iss.Lead().Body())
	}
}
