package handlers

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/morningpost/morningpost/content"
)

// imageFixture is the fixture with pictures: issue 86's lead has a lead
// picture and its deep dive one in its body; the draft article and the
// scheduled issue 87 show pictures of their own.
func imageFixture() fstest.MapFS {
	fsys := fixture()
	add := func(name string, b []byte) { fsys[name] = &fstest.MapFile{Data: b} }
	add("issues/86/chart.png", content.ExampleChart(640, 360))
	add("issues/86/desk.png", content.ExampleChart(120, 80))
	add("issues/86/secret.png", content.ExampleChart(10, 10))
	add("issues/87/tomorrow.png", content.ExampleChart(20, 20))
	add("issues/86/logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><script>alert(1)</script></svg>`))
	edit := func(name, old, new string) {
		s := string(fsys[name].Data)
		if !strings.Contains(s, old) {
			panic(name + ": no " + old)
		}
		fsys[name] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
	}
	edit("issues/86/lead.md", "tags: [open-source]\n", "tags: [open-source]\nimage: chart.png\nimage_alt: Safetensors adoption, week by week\n")
	edit("issues/86/deep-dive.md", "The current trending landscape reveals a shift.\n", "The current trending landscape reveals a shift.\n\n![The desk at dawn](desk.png) ![The logo](logo.svg)\n")
	edit("issues/86/secret.md", "Not yet.\n", "Not yet. ![Secret](secret.png)\n")
	edit("issues/87/lead.md", "Tomorrow's news.\n", "Tomorrow's news. ![Tomorrow](tomorrow.png)\n")
	return fsys
}

func imagePath(t *testing.T, ts *testServer, number int, name string) string {
	t.Helper()
	img := ts.live.Content().Issue(number).Image(name)
	if img == nil {
		t.Fatalf("no image %s in issue %d", name, number)
	}
	return img.URLPath()
}

func TestImagesServed(t *testing.T) {
	ts := newTestServer(t, imageFixture())
	site := ts.live.Content().Site
	chart := imagePath(t, ts, 86, "chart.png")

	// Pages: the lead picture above the story, every <img> with its size,
	// og:image the picture.
	for _, path := range []string{"/issues/86", "/issues/86/weekend-warriors", "/"} {
		d := parseHTML(t, ts.get(path, http.StatusOK).Body.Bytes())
		imgs := d.all("img")
		if len(imgs) == 0 {
			t.Errorf("%s: no pictures", path)
		}
		for _, img := range imgs {
			if attr(img, "width") == "" || attr(img, "height") == "" || attr(img, "alt") == "" {
				t.Errorf("%s: <img src=%q> without width, height or alt", path, attr(img, "src"))
			}
		}
		if len(d.all("img", "src", chart, "width", "640", "height", "360", "alt", "Safetensors adoption, week by week")) != 1 {
			t.Errorf("%s: lead picture missing", path)
		}
	}
	art := parseHTML(t, ts.get("/issues/86/weekend-warriors", http.StatusOK).Body.Bytes())
	if og := art.all("meta", "property", "og:image"); len(og) != 1 || attr(og[0], "content") != site.URL(chart) {
		t.Errorf("og:image %v", og)
	}
	if len(art.all("meta", "property", "og:image:width", "content", "640")) != 1 {
		t.Error("og:image:width missing")
	}

	// The picture: its type, an immutable year of caching, nosniff, ETag,
	// 304, HEAD.
	rec := ts.get(chart, http.StatusOK)
	h := rec.Header()
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "public, max-age=31536000, immutable" || h.Get("Etag") == "" {
		t.Errorf("headers %v", h)
	}
	if !bytes.Equal(rec.Body.Bytes(), content.ExampleChart(640, 360)) {
		t.Error("bytes differ from the file")
	}
	ts.get(chart, http.StatusNotModified, "If-None-Match", h.Get("Etag"))
	if head := ts.do(http.MethodHead, chart); head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != h.Get("Content-Length") {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
	svg := ts.get(imagePath(t, ts, 86, "logo.svg"), http.StatusOK)
	if svg.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("SVG served with %v", svg.Header())
	}

	// Nothing else: another hash, a draft article's or a scheduled issue's
	// picture, a picture of a draft issue.
	for _, p := range []string{
		strings.Replace(chart, "/images/", "/images/0", 1),
		"/issues/86/images/0000000000000000/chart.png",
		imagePath(t, ts, 86, "secret.png"),
		imagePath(t, ts, 87, "tomorrow.png"),
	} {
		if r := ts.get(p, http.StatusNotFound); strings.Contains(r.Header().Get("Content-Type"), "image") {
			t.Errorf("%s: %s", p, r.Header().Get("Content-Type"))
		}
	}

	// Every link of every page answers, pictures included.
	ts.crawl([]string{"/"}, nil, func(path, from string, res *http.Response, body []byte) {
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s (linked from %s): %d", path, from, res.StatusCode)
		}
	})
	contains(t, "/feed.rss", ts.get("/feed.rss", http.StatusOK).Body.String(), `<enclosure url="`+site.URL(chart)+`"`)

	// At publication, the scheduled issue's picture is public.
	ts.clock.Set(publish87)
	ts.get(imagePath(t, ts, 87, "tomorrow.png"), http.StatusOK)
}

// Editors see every picture in the preview: drafts' with the token,
// never stored by a cache.
func TestImagesInPreview(t *testing.T) {
	ts := newPreviewServer(t, imageFixture())
	secret := imagePath(t, ts, 86, "secret.png")
	ts.get(secret, http.StatusNotFound)
	rec := ts.get(secret, http.StatusOK, bearer...)
	if rec.Header().Get("Cache-Control") != "private, no-store" || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("draft picture in preview: %v", rec.Header())
	}
	if r := ts.get(imagePath(t, ts, 86, "chart.png"), http.StatusOK, bearer...); !strings.HasPrefix(r.Header().Get("Cache-Control"), "public") {
		t.Errorf("public picture in preview: %s", r.Header().Get("Cache-Control"))
	}
	tomorrow := imagePath(t, ts, 87, "tomorrow.png")
	ts.get(tomorrow, http.StatusOK, bearer...)
	page := ts.get("/preview/issues/87", http.StatusOK, bearer...).Body.String()
	contains(t, "/preview/issues/87", page, `src="`+tomorrow+`"`, `width="20" height="20"`)

	// What readers will see: every picture with its absolute URL and size,
	// the lead picture as the enclosure.
	site := ts.live.Content().Site
	entries := ts.get("/preview/entries/86", http.StatusOK, bearer...).Body.String()
	chart, desk := site.URL(imagePath(t, ts, 86, "chart.png")), site.URL(imagePath(t, ts, 86, "desk.png"))
	contains(t, "/preview/entries/86", entries,
		`<a href="`+chart+`"><code>`+chart+`</code></a> 640×360 px · enclosure, image/png,`,
		`<code>`+desk+`</code></a> 120×80 px · “The desk at dawn”`,
		`<img src="`+chart+`" alt="Safetensors adoption, week by week" width="640" height="360"`)
	if strings.Contains(entries, "no width and height") {
		t.Error("a picture of what readers will see has no size")
	}
	if strings.Contains(entries, "readers cannot load") || strings.Contains(entries, "sanitiser removes") {
		t.Error("pictures flagged as unloadable or stripped")
	}
}
