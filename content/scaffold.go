package content

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Draft describes the next issue to scaffold: its number and date, and
// the list items drafted for tools of the week and weekend reading (from
// upstream sources, or none).
type Draft struct {
	Number  int
	Date    time.Time
	Tools   []ListItem
	Reading []ListItem
}

// NextDraft returns the number and date of the issue after the newest one
// in c: the next number, and the day after the newest issue's date, but
// never a day before tomorrow in the site's time zone.
func NextDraft(c *Content, now time.Time) Draft {
	d := Draft{Number: 1}
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
func Scaffold(d Draft) map[string]string {
	dir := "issues/" + strconv.Itoa(d.Number) + "/"
	list := func(title, intro string, items []ListItem, stub ListItem) map[string]any {
		if len(items) == 0 {
			items = []ListItem{stub}
		}
		out := make([]map[string]string, 0, len(items))
		for _, it := range items {
			m := map[string]string{"name": it.Name, "description": it.Description}
			if it.Link != "" {
				m["link"] = it.Link
			}
			if it.Source != "" {
				m["source"] = it.Source
			}
			out = append(out, m)
		}
		l := map[string]any{"title": title, "items": out}
		if intro != "" {
			l["intro"] = intro
		}
		return l
	}
	front := []yamlKV{
		{"date", d.Date.Format("2006-01-02")},
		{"draft", true},
		{"place", "Manchester, United Kingdom"},
		{"weather", "—"},
		{"metrics", map[string]any{
			"title": "Metrics of the Day",
			"rows":  []map[string]string{{"label": "Replace this label", "value": "and this value"}},
		}},
		{"tools", list(Tools.Title(), "Every week we curate tools that deserve your attention.", d.Tools,
			ListItem{Name: "Tool name", Description: "One line on why it deserves attention."})},
		{"reading", list(Reading.Title(), "", d.Reading,
			ListItem{Name: "Title of the piece", Description: "One line on what it is and why to read it."})},
	}
	files := map[string]string{
		dir + "issue.md": "---\n" + marshalOrdered(front) + "---\n",
	}
	article := func(key string, kv []yamlKV, body string) {
		files[dir+key+".md"] = "---\n" + marshalOrdered(kv) + "---\n" + body + "\n"
	}
	article("lead", []yamlKV{
		{"section", "lead"}, {"title", "Lead story headline"}, {"kicker", "Lead Story"}, {"rating", "5/10"},
		{"standfirst", "One or two sentences that sum up the story."},
	}, "Write the lead story here, in Markdown.")
	article("deep-dive", []yamlKV{
		{"section", "deep-dive"}, {"title", "Deep dive headline"}, {"kicker", "Analysis"},
		{"pull_quote", "A sentence from the text worth setting apart."},
	}, "Write the deep dive here.")
	article("editor", []yamlKV{
		{"section", "opinion"}, {"title", "Editor's column headline"}, {"kicker", "Editor's Column"},
	}, "Write the editor's column here.")
	article("guest", []yamlKV{
		{"section", "opinion"}, {"title", "Guest column headline"}, {"kicker", "Guest Column"},
	}, "Write the guest column here.")
	return files
}

type yamlKV struct {
	Key   string
	Value any
}

// marshalOrdered writes a YAML mapping with keys in the given order, so
// a scaffolded file reads top to bottom like the sample.
func marshalOrdered(kvs []yamlKV) string {
	var b strings.Builder
	for _, kv := range kvs {
		out, err := yaml.Marshal(map[string]any{kv.Key: kv.Value})
		if err != nil {
			panic(fmt.Sprintf("scaffold: %v", err)) // only fixed, marshalable values are passed
		}
		b.Write(out)
	}
	return b.String()
}
