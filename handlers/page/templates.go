package page

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
)

//go:embed templates
var templateFS embed.FS

// Templates holds one parsed template set per page: the layout plus the
// page's own "main".
type Templates struct {
	pages map[string]*template.Template
}

// Names are the page templates in templates/, each defining "main".
var Names = []string{"home", "archive", "issue", "article", "section", "feeds", "notfound", "feedview", "preview", "entries", "sources", "tag", "tags", "audience", "search"}

var funcs = template.FuncMap{
	// The audience's numbers (the desk's charts): 12,345; 1.2 MB; 3 Sep 2026.
	"thousands": Thousands, "byteSize": ByteSize, "dayLabelYear": func(d string) string { return DayLabel(d, true) },
	// longDate is the dateline's date: Saturday, 25 April 2026.
	"longDate": func(t time.Time) string { return t.Format("Monday, 2 January 2006") },
	// shortDate is a list's date: 25 April 2026.
	"shortDate": func(t time.Time) string { return t.Format("2 January 2006") },
	// isoTime is the datetime attribute of <time>.
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// ordinal numbers a list entry from its index: 01, 02, …
	"ordinal": func(i int) string { return fmt.Sprintf("%02d", i+1) },
	// formatName is how a feed format is called: RSS, Atom, JSON Feed.
	"formatName": FormatName,
	// liveReload is the state of the editor's live reload on a preview
	// response; nil in the public template set, so public pages carry no
	// script.
	"liveReload": func() *LiveState { return nil },
	// draftPath is the file of an article that is a draft in the loaded
	// content, on a preview page, where drafts are shown as published;
	// "" on public pages, which never hold a draft.
	"draftPath": func(*content.Article) string { return "" },
	// story wraps an article for the "story" template; its anchor is the
	// slug, unique within an issue.
	"story": func(a *content.Article, level int, link bool) Story {
		return Story{Article: a, Level: level, Link: link, ID: a.Slug}
	},
	// storyAcross is story on a page holding several issues, where
	// slugs may repeat: the anchor is issue-87-weekend-warriors.
	"storyAcross": func(a *content.Article, level int, link bool) Story {
		return Story{Article: a, Level: level, Link: link, ID: fmt.Sprintf("issue-%d-%s", a.Issue.Number, a.Slug)}
	},
	// list wraps an issue's list for the "list" template; its anchor is
	// the section ("tools"), or issue-87-tools on a page of several issues.
	"list": func(l *content.List, across *content.Issue) ListView {
		v := ListView{List: l, ID: string(l.Section)}
		if across != nil {
			v.ID = fmt.Sprintf("issue-%d-%s", across.Number, l.Section)
		}
		return v
	},
}

// Parse parses every page; extra replaces some of funcs (the desk's
// template set replaces liveReload and draftPath).
func Parse(extra template.FuncMap) (*Templates, error) {
	base, err := template.New("layout").Funcs(funcs).Funcs(extra).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	t := &Templates{pages: map[string]*template.Template{}}
	for _, name := range Names {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("parse templates: %w", err)
		}
		if clone.Lookup("main") == nil {
			return nil, fmt.Errorf("parse templates: %s.html defines no \"main\"", name)
		}
		t.pages[name] = clone
	}
	return t, nil
}

// Render executes a page into memory, so a failing template never sends
// half a page.
func (t *Templates) Render(name string, data any) ([]byte, error) {
	tmpl, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Header values of HTML pages.
var (
	HVHTML = []string{"text/html; charset=utf-8"}
	HVCSP  = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}
	HVReferrer = []string{"strict-origin-when-cross-origin"}
)

// FormatName is how a feed format is called: RSS, Atom, JSON Feed.
func FormatName(f feed.Format) string {
	switch f {
	case feed.RSS:
		return "RSS"
	case feed.Atom:
		return "Atom"
	case feed.JSON:
		return "JSON Feed"
	}
	return strings.ToUpper(string(f))
}

// SearchPageNumber reads &page= of a search: 1 when absent, 0 when it is
// not a number from 1 to the last page a search can have.
func SearchPageNumber(v string) int {
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > search.MaxHits/HitsPerPage || strconv.Itoa(n) != v {
		return 0
	}
	return n
}

// DayLabel shows a date as "3 Sep", with the year when asked.
func DayLabel(date string, year bool) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	if year {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2 Jan")
}

// Thousands writes n with thousands separators: 12,345.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ByteSize writes a byte count in decimal units: 1.2 MB.
func ByteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		f /= unit
		if f < unit || u == "TB" {
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + u
		}
	}
	return ""
}

// Plural is "s" unless n is 1: "1 article", "2 articles".
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// FindIssue returns the issue of snap a URL's number names. Only the
// canonical spelling counts: "087", "+87" or "87abc" name nothing, so
// there is one URL per issue and no redirect to loop on.
func FindIssue(snap *content.Snapshot, number string) *content.Issue {
	if number == "" || number[0] < '1' || number[0] > '9' || len(number) > 9 {
		return nil
	}
	n, err := strconv.Atoi(number)
	if err != nil {
		return nil
	}
	return snap.Issue(n)
}
