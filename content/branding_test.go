package content

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"testing/fstest"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBranding(t *testing.T) {
	withSite := func(extra string, files map[string][]byte) fstest.MapFS {
		m := sampleTree(t)
		m[SiteFile] = &fstest.MapFile{Data: append(append([]byte(nil), m[SiteFile].Data...), extra...)}
		for name, b := range files {
			m[name] = &fstest.MapFile{Data: b}
		}
		return m
	}
	c, err := Load(withSite("sections:\n  reading: Further Reading\nicon: logo.png\n", map[string][]byte{"logo.png": pngOf(t, 256, 256)}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Site.SectionTitle(Reading); got != "Further Reading" {
		t.Errorf("reading is called %q", got)
	}
	if got := c.Site.SectionTitle(Tools); got != Tools.Title() {
		t.Errorf("tools, not renamed, is called %q", got)
	}
	if c.Site.Icon == nil || c.Site.Icon.Size != 256 || c.Site.Icon.Name != "logo.png" {
		t.Errorf("icon %v", c.Site.Icon)
	}
	// Without sections: or icon:, everything is as it was.
	plain, err := Load(sampleTree(t))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Site.SectionTitle(Reading) != "Weekend Reading" || plain.Site.Icon != nil {
		t.Error("defaults changed")
	}

	bad := []struct {
		extra string
		files map[string][]byte
		want  string
	}{
		{"sections:\n  weather: Forecast\n", nil, `sections: "weather" is no section`},
		{"sections:\n  reading: \"\"\n", nil, "sections: reading needs a name"},
		{"icon: logo.png\n", map[string][]byte{"logo.png": pngOf(t, 300, 200)}, "icon: logo.png is 300×200 pixels; an icon is square"},
		{"icon: logo.png\n", map[string][]byte{"logo.png": []byte("GIF89a")}, "icon: logo.png is not a PNG picture"},
		{"icon: missing.png\n", nil, "icon: "},
		{"icon: ../outside.png\n", nil, "must be a PNG file in the content folder"},
	}
	for _, tc := range bad {
		m := withSite(tc.extra, tc.files)
		ps := problemsOf(t, m)
		line := strings.Count(string(m[SiteFile].Data[:len(m[SiteFile].Data)-len(tc.extra)]), "\n") + 1
		found := false
		for _, p := range ps {
			if p.Path == SiteFile && strings.Contains(p.Msg, tc.want) && p.Line >= line {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: want a problem at morningpost.yaml:%d+ saying %q; got %v", tc.extra, line, tc.want, ps)
		}
	}
}
