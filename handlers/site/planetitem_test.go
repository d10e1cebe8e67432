package site

import (
	"reflect"
	"testing"
	"time"

	"github.com/morningpost/morningpost/feed/upstream"
)

// TestPlanetOfMapsEveryField checks that every field of feed.PlanetItem
// is filled from the upstream item: a field of the same name and type is
// copied as it is, and Date is upstream.Item.Date (published, else
// updated, else fetched).
func TestPlanetOfMapsEveryField(t *testing.T) {
	when := time.Date(2026, 4, 24, 18, 0, 0, 0, time.UTC)
	full := upstream.Item{ID: "id", SourceName: "src", Section: "tools", GUID: "guid", Title: "title",
		Link: "https://example.org/a", Author: "author", Published: when, Updated: when.Add(time.Hour),
		ContentHTML: "<p>c</p>", Summary: "sum", FetchedAt: when.Add(2 * time.Hour)}
	items := []upstream.Item{
		full,
		{ID: "updated", Updated: when.Add(-time.Hour), FetchedAt: when},
		{ID: "fetched", FetchedAt: when.Add(-2 * time.Hour)},
	}
	got := planetOf(items)
	if len(got) != len(items) {
		t.Fatalf("%d items, want %d", len(got), len(items))
	}
	want := []time.Time{when, when.Add(-time.Hour), when.Add(-2 * time.Hour)}
	for i := range got {
		if !got[i].Date.Equal(want[i]) {
			t.Errorf("%s: Date = %v, want %v", got[i].ID, got[i].Date, want[i])
		}
	}
	pv := reflect.ValueOf(got[0])
	uv := reflect.ValueOf(full)
	for i := range pv.NumField() {
		f := pv.Type().Field(i)
		if f.Name == "Date" {
			continue
		}
		u := uv.FieldByName(f.Name)
		if !u.IsValid() || u.Type() != f.Type {
			t.Errorf("feed.PlanetItem.%s has no upstream.Item field of the same name and type: map it in planetOf and here", f.Name)
			continue
		}
		if pv.Field(i).IsZero() || !reflect.DeepEqual(pv.Field(i).Interface(), u.Interface()) {
			t.Errorf("PlanetItem.%s = %v, want %v", f.Name, pv.Field(i).Interface(), u.Interface())
		}
	}
}
