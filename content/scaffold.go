package content

import (
	"fmt"
	"io/fs"
	"path"
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
// nothing of it is public until the editor removes `draft: true`; a
// placeholder left in anything not a draft is a problem (accident.go).
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
			Metrics: &metricsFile{Title: "Metrics of the Day", Rows: []Metric{{Label: phMetricLabel, Value: phMetricValue}}},
			Tools: list(Tools.Title(), "Every week we curate tools that deserve your attention.", d.Tools,
				ListItem{Name: phToolName, Description: phToolText}),
			Reading: list(Reading.Title(), "", d.Reading,
				ListItem{Name: phReadingName, Description: phReadingText}),
		}, ""),
	}
	article := func(key string, f articleFile, body string) {
		files[dir+key+".md"] = frontMatterText(f, body)
	}
	article("lead", articleFile{Section: "lead", Title: phLeadTitle, Kicker: "Lead Story", Rating: "5/10",
		Standfirst: phLeadStandfirst}, phLeadBody)
	article("deep-dive", articleFile{Section: "deep-dive", Title: phDeepTitle, Kicker: "Analysis",
		PullQuote: phDeepQuote}, phDeepBody)
	article("editor", articleFile{Section: "opinion", Title: phEditorTitle, Kicker: "Editor's Column"},
		phEditorBody)
	article("guest", articleFile{Section: "opinion", Title: phGuestTitle, Kicker: "Guest Column"},
		phGuestBody)
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

// ScaffoldFrom returns the files of a new draft issue made from the
// folder of an existing one (its files read from fsys): every file
// copied, issue.md dated d.Date and marked `draft: true`, and the keys
// that belong to one issue alone (published:, updated:) left out. Until
// its articles are rewritten they say what the old issue says, which is
// a problem once the draft mark goes (see copies), so the copy can
// never go out by accident.
func ScaffoldFrom(d NextIssue, fsys fs.FS, from *Issue) (map[string]string, error) {
	src := path.Dir(from.Path)
	dst := "issues/" + strconv.Itoa(d.Number)
	files := map[string]string{}
	err := fs.WalkDir(fsys, src, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		text := string(b)
		if strings.HasSuffix(p, ".md") {
			text = rewriteFrontMatter(text, p == from.Path, d.Date.Format("2006-01-02"))
		}
		files[dst+strings.TrimPrefix(p, src)] = text
		return nil
	})
	return files, err
}

// rewriteFrontMatter drops the keys published: and updated: (and draft:)
// from a file's front matter and, for issue.md, sets date: and adds
// draft: true. Only top-level keys are touched, line by line, so the
// editor's comments and layout stay as they were.
func rewriteFrontMatter(text string, issue bool, date string) string {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], "\r\n") != "---" {
		return text
	}
	var b strings.Builder
	b.WriteString(lines[0])
	end := len(lines)
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], "\r\n") == "---" {
			end = i
			break
		}
		key, _, _ := strings.Cut(lines[i], ":")
		switch key {
		case "published", "updated", "draft":
			continue
		case "date":
			if issue {
				b.WriteString("date: " + date + "\ndraft: true\n")
				continue
			}
		}
		b.WriteString(lines[i])
	}
	if issue && !strings.Contains(b.String(), "\ndraft: true\n") {
		b.WriteString("date: " + date + "\ndraft: true\n")
	}
	for _, l := range lines[end:] {
		b.WriteString(l)
	}
	return b.String()
}
