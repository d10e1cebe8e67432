package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/morningpost/morningpost/content"
)

// FuzzRender puts arbitrary strings into an article and its issue and
// checks that every format still parses, with the same IDs and titles.
func FuzzRender(f *testing.F) {
	f.Add("Title", "<p>Body</p>", "Summary", "Jane Doe", "tag")
	f.Add("", "", "", "", "")
	f.Add("a\x00b\x1bc", "<p>\xff\xfe</p>", "\uFFFE\uFFFF", "\x7f", "\u2028")
	f.Add("]]>", "<![CDATA[x]]>]]>", "</description>", "<dc:creator>", "&amp;")
	f.Add("<b>bold</b> & co", `<a href="/x">x</a><img src="y.png"><a href="javascript:alert(1)">j</a>`, "a < b", "A & B <a@b.c>", "c++")
	f.Add("  spaces\t\tand\nnewlines  ", "<script>alert(1)</script>", "\r\n", " ", "  ")
	f.Add("Ünïcödé 日本語 🎉", `<a href="http://[::1">bad url</a><a href="%zz">x</a>`, "…", "Zoë", "日本")
	f.Fuzz(func(t *testing.T, title, body, summary, author, tag string) {
		snap := dirtySnap(t, title, body, summary, author, tag)
		for _, s := range []Spec{{Kind: Articles}, {Kind: Issues}, {Kind: SectionFeed, Section: content.Lead}, {Kind: SectionFeed, Section: content.Tools}} {
			d := Build(snap, s)
			for _, f := range Formats {
				b, err := Render(d, f)
				if err != nil {
					t.Fatalf("%s: %v", s.Path(f), err)
				}
				fuzzCheck(t, d, f, b)
			}
		}
	})
}

func fuzzCheck(t *testing.T, d *Doc, f Format, b []byte) {
	t.Helper()
	if f == JSON {
		var j struct {
			Version string `json:"version"`
			Items   []struct {
				ID            string `json:"id"`
				Title         string `json:"title"`
				ContentHTML   string `json:"content_html"`
				DatePublished string `json:"date_published"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatalf("JSON: %v\n%s", err, b)
		}
		if j.Version != "https://jsonfeed.org/version/1.1" || len(j.Items) != len(d.Entries) {
			t.Fatalf("JSON Feed: version %q, %d items", j.Version, len(j.Items))
		}
		for i, it := range j.Items {
			e := d.Entries[i].Item
			if it.ID != e.Id || it.Title != e.Title || it.Title == "" || it.ContentHTML == "" {
				t.Errorf("JSON item %d: id %q title %q, want %q %q", i, it.ID, it.Title, e.Id, e.Title)
			}
			if _, err := time.Parse(time.RFC3339, it.DatePublished); err != nil {
				t.Error(err)
			}
		}
	} else {
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", f, err, b)
			}
		}
	}
	pf, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gofeed %s: %v", f, err)
	}
	if len(pf.Items) != len(d.Entries) {
		t.Fatalf("gofeed %s: %d items, want %d", f, len(pf.Items), len(d.Entries))
	}
	for i, it := range pf.Items {
		e := d.Entries[i].Item
		if it.GUID != e.Id {
			t.Errorf("gofeed %s item %d: id %q, want %q", f, i, it.GUID, e.Id)
		}
		// gofeed trims titles and decodes HTML entities in them;
		// compare what it can give back.
		if want := strings.TrimSpace(e.Title); it.Title != want && !strings.ContainsAny(want, "<>&") {
			t.Errorf("gofeed %s item %d: title %q, want %q", f, i, it.Title, want)
		}
	}
}
