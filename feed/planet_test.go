package feed

import (
	"bytes"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

func TestPlanetRoundTrip(t *testing.T) {
	site := sampleSnap(t).Site
	when := time.Date(2026, 4, 24, 18, 0, 0, 0, time.UTC)
	items := []PlanetItem{
		{ID: "a1", SourceName: "Trending models", Section: "tools", Title: "GrayColor", Link: "https://huggingface.co/minyan250/GrayColor",
			Summary: "A mysterious model.", ContentHTML: `<p>A <a href="https://huggingface.co/minyan250/GrayColor" rel="nofollow noopener">mysterious</a> model.</p>`, Date: when},
		{ID: "b2", SourceName: "Papers", Title: "", Summary: "An untitled item without a title.", Date: when.Add(-time.Hour), FetchedAt: when.Add(-time.Hour)},
	}
	d := Planet(site, items)
	for _, f := range Formats {
		b, err := Render(d, f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, b)
		}
		if len(parsed.Items) != 2 {
			t.Fatalf("%s: %d items", f, len(parsed.Items))
		}
		if got := parsed.Items[0].GUID; got != "tag:morningpost.example,2025:sources/a1" {
			t.Errorf("%s: id = %q", f, got)
		}
		if parsed.Items[0].Title != "GrayColor" || parsed.Items[1].Title == "" {
			t.Errorf("%s: titles %q %q", f, parsed.Items[0].Title, parsed.Items[1].Title)
		}
		if parsed.Items[1].Link != "http://localhost:8080/sources" {
			t.Errorf("%s: an item without a link should point at /sources, got %q", f, parsed.Items[1].Link)
		}
	}
}

// An upstream that edits an item's title or text without moving its
// updated date: the store takes the edit, and the sources feed follows.
func TestPlanetFollowsEditsWithoutUpdated(t *testing.T) {
	site := sampleSnap(t).Site
	c := NewCache(1 << 20)
	when := time.Date(2026, 4, 24, 18, 0, 0, 0, time.UTC)
	item := PlanetItem{ID: "a1", SourceName: "Trending models", Title: "GrayColor", Summary: "A model.", Date: when, FetchedAt: when}
	before, err := c.GetPlanet(site, []PlanetItem{item}, Atom)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(*PlanetItem){
		func(it *PlanetItem) { it.Title = "GrayColour" },
		func(it *PlanetItem) { it.Summary = "A better model." },
		func(it *PlanetItem) { it.ContentHTML = "<p>Now with text.</p>" },
	} {
		edited := item
		edit(&edited)
		after, err := c.GetPlanet(site, []PlanetItem{edited}, Atom)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(before.Identity.Bytes, after.Identity.Bytes) {
			t.Errorf("an edit of %+v is not in the sources feed", edited)
		}
	}
}
