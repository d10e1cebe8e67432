package upstream

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
)

// Draft fills each list with the freshest items of sources hinted for
// it or not hinted, each item once, tools first, at the lengths of the
// printed issue; a description is the summary's first sentence, else
// where the item came from.
func TestDraft(t *testing.T) {
	var tools, reading, loose []rssItem
	for i := range 2 {
		tools = append(tools, rssItem{Title: fmt.Sprintf("Tool %d", i), Link: fmt.Sprintf("https://tools.example/%d", i), GUID: fmt.Sprintf("t%d", i),
			Description: fmt.Sprintf("Tool %d is fast. It is also small.", i), Pub: testNow.Add(-time.Duration(10+i) * time.Hour)})
	}
	for i := range 1 {
		reading = append(reading, rssItem{Title: fmt.Sprintf("Essay %d", i), GUID: fmt.Sprintf("r%d", i), Pub: testNow.Add(-time.Duration(20+i) * time.Hour)})
	}
	// Items of a source hinted for neither fill up the tools, which come
	// first, and are not drafted again for reading.
	loose = append(loose, rssItem{Title: "Anything", GUID: "a0", Description: "<p>" + strings.Repeat("word ", 50) + "</p>", Pub: testNow.Add(-time.Hour)},
		rssItem{Title: "Other", GUID: "a1", Pub: testNow.Add(-2 * time.Hour)})
	p, st := newTestPoller(t, Options{Now: newClock().Now},
		content.Source{Name: "Tools", URL: startServer(t, serveString(rssDoc("tools", 0, tools...))).URL, Section: content.Tools},
		content.Source{Name: "Reading", URL: startServer(t, serveString(rssDoc("reading", 0, reading...))).URL, Section: content.Reading},
		content.Source{Name: "Any", URL: startServer(t, serveString(rssDoc("any", 0, loose...))).URL})
	if err := p.PollAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	gotTools, gotReading, err := Draft(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	names := func(items []content.ListItem) string {
		var out []string
		for _, it := range items {
			out = append(out, it.Name)
		}
		return strings.Join(out, ",")
	}
	if got, want := names(gotTools), "Tool 0,Tool 1,Anything,Other"; got != want {
		t.Errorf("tools = %s, want %s", got, want)
	}
	if got, want := names(gotReading), "Essay 0"; got != want {
		t.Errorf("reading = %s, want %s", got, want)
	}
	if it := gotTools[0]; it.Description != "Tool 0 is fast." || it.Link != "https://tools.example/0" || it.Source != "Tools" {
		t.Errorf("tools[1] = %+v", it)
	}
	if d := gotTools[2].Description; len([]rune(d)) > 160 || !strings.HasPrefix(d, "word word") || strings.Contains(d, "<") {
		t.Errorf("long summary drafted as %q: want plain text of at most 160 characters", d)
	}
	if it := gotReading[0]; it.Description != "From Reading." || it.Source != "Reading" {
		t.Errorf("reading[0] = %+v", it)
	}
	if it := gotTools[3]; it.Description != "From Any." {
		t.Errorf("tools[3] = %+v", it)
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"One. Two.":         "One.",
		"No full stop":      "No full stop",
		"v1.2 is out. Yes.": "v1.2 is out.",
		"":                  "",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}
