package feed

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/morningpost/morningpost/content"
)

// An article with a lead picture and one in its body: the picture is the
// entry's enclosure in every format, with length and type, and every
// <img> has an absolute URL and its size.
func TestImagesInFeeds(t *testing.T) {
	fsys := synth(synthOptions{Issues: 2, BaseURL: "https://post.example/blog/"})
	chart := content.ExampleChart(640, 360)
	fsys["issues/2/chart.png"] = &fstest.MapFile{Data: chart}
	fsys["issues/2/photo.png"] = &fstest.MapFile{Data: content.ExampleChart(100, 50)}
	lead := string(fsys["issues/2/lead.md"].Data)
	lead = strings.Replace(lead, "---\n", "---\nimage: chart.png\nimage_alt: Adoption, week by week\n", 1) + "\n![A photo of the desk](photo.png)\n"
	fsys["issues/2/lead.md"] = &fstest.MapFile{Data: []byte(lead)}
	snap := load(t, fsys)
	img := snap.Issue(2).Image("chart.png")
	url := "https://post.example/blog/issues/2/images/" + img.Hash + "/chart.png"
	length := strconv.Itoa(len(chart))

	for _, s := range []Spec{{Kind: Articles}, {Kind: Issues}, {Kind: SectionFeed, Section: content.Lead}} {
		d := Build(snap, s)
		checkAll(t, d)
		e := d.Entries[0]
		if enc := e.Item.Enclosure; enc == nil || enc.Url != url || enc.Length != length || enc.Type != "image/png" {
			t.Errorf("%v: enclosure %+v", s, enc)
		}
		// Every picture of the issue (the synthetic body also shows one
		// from elsewhere on the site, /img/chart.png).
		for _, tag := range regexp.MustCompile(`<img [^>]*/images/[^>]*>`).FindAllString(e.Item.Content, -1) {
			if !strings.Contains(tag, `src="https://post.example/blog/issues/2/images/`) || !strings.Contains(tag, `width="`) || !strings.Contains(tag, `height="`) {
				t.Errorf("%v: %s", s, tag)
			}
		}
		if !strings.Contains(e.Item.Content, `width="640" height="360"`) || !strings.Contains(e.Item.Content, `width="100" height="50"`) {
			t.Errorf("%v: pictures missing from the content:\n%s", s, e.Item.Content)
		}
	}
	d := Build(snap, Spec{Kind: Articles})
	rss, _ := Render(d, RSS)
	atom, _ := Render(d, Atom)
	js, _ := Render(d, JSON)
	if want := `<enclosure url="` + url + `" length="` + length + `" type="image/png"></enclosure>`; !strings.Contains(string(rss), want) {
		t.Errorf("RSS lacks %s", want)
	}
	if !regexp.MustCompile(`<link href="` + regexp.QuoteMeta(url) + `" rel="enclosure" type="image/png" length="` + length + `">`).Match(atom) {
		t.Errorf("Atom lacks the enclosure link")
	}
	var jf struct {
		Items []struct {
			Image string `json:"image"`
		} `json:"items"`
	}
	if err := json.Unmarshal(js, &jf); err != nil || jf.Items[0].Image != url {
		t.Errorf("JSON Feed image %q, %v", jf.Items[0].Image, err)
	}
}
