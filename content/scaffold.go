package content

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// NextIssue describes the issue to scaffold after the newest one: its
// number and date, and the list items proposed for tools of the week and
// weekend reading (from upstream sources, or none). (Not to be confused
// with Issue.Draft, the front matter's draft: flag.)
type NextIssue struct {
	Number  int
	Date    time.Time
	Tools   []ListItem
	Reading []ListItem
}

// PlanNext returns the number and date of the issue after the newest one
// in c: the next number, and the day after the newest issue's date, but
// never a day before tomorrow in the site's time zone.
func PlanNext(c *Content, now time.Time) NextIssue {
	d := NextIssue{Number: 1}
	loc := c.Site.Location
	today := now.In(loc)
	next := time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, loc)
	for _, iss := range c.Issues {
		if iss.Number >= d.Number {
			d.Number = iss.Number + 1
		}
		if after := iss.Date.AddDate(0, 0, 1); after.After(next) {
			next = after
		}
	}
	d.Date = next
	return d
}

// Scaffold returns the files of a new draft issue, by path inside the
// content root: issue.md with every list stubbed, and one file per article
// (lead, deep dive, editor's and guest columns) with placeholder text. The
// result loads cleanly, as a draft, so `morningpost check` accepts it and
// nothing of it is public until the editor removes `draft: true`.
func Scaffold(d NextIssue) map[string]string {
	dir := "issues/" + strconv.Itoa(d.Number) + "/"
	list := func(title, intro string, items []ListItem, stub ListItem) *listFile {
		if len(items) == 0 {
			items = []ListItem{stub}
		}
		l := &listFile{Title: title, Intro: intro}
		for _, it := range items {
			l.Items = append(l.Items, listItemFile{Name: it.Name, Description: it.Description, Link: it.Link, Source: it.Source})
		}
		return l
	}
	files := map[string]string{
		dir + "issue.md": frontMatterText(issueFile{
			Date:    d.Date.Format("2006-01-02"),
			Draft:   true,
			Place:   "Manchester, United Kingdom",
			Weather: "6°C Cloudy",
			Metrics: &metricsFile{Title: "Metrics of the Day", Rows: []Metric{{Label: "Replace this label", Value: "and this value"}}},
			Tools: list(Tools.Title(), "Every week we curate tools that deserve your attention.", d.Tools,
				ListItem{Name: "Tool name", Description: "One line on why it deserves attention."}),
			Reading: list(Reading.Title(), "", d.Reading,
				ListItem{Name: "Title of the piece", Description: "One line on what it is and why to read it."}),
		}, ""),
	}
	article := func(key string, f articleFile, body string) {
		files[dir+key+".md"] = frontMatterText(f, body)
	}
	article("lead", articleFile{Section: "lead", Title: "Lead story headline", Kicker: "Lead Story", Rating: "5/10",
		Standfirst: "One or two sentences that sum up the story."}, "Write the lead story here, in Markdown.")
	article("deep-dive", articleFile{Section: "deep-dive", Title: "Deep dive headline", Kicker: "Analysis",
		PullQuote: "A sentence from the text worth setting apart."}, "Write the deep dive here.")
	article("editor", articleFile{Section: "opinion", Title: "Editor's column headline", Kicker: "Editor's Column"},
		"Write the editor's column here.")
	article("guest", articleFile{Section: "opinion", Title: "Guest column headline", Kicker: "Guest Column"},
		"Write the guest column here.")
	return files
}

// frontMatterText writes front matter (keys in the order of the struct,
// as an editor reads them) and a body.
func frontMatterText(front any, body string) string {
	var b strings.Builder
	b.WriteString("---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(front); err != nil {
		panic(fmt.Sprintf("scaffold: %v", err)) // only fixed, marshalable structs are passed
	}
	b.WriteString("---\n")
	if body != "" {
		b.WriteString(body + "\n")
	}
	return b.String()
}
