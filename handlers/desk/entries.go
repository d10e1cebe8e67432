package desk

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// "What readers will see": every feed entry of one issue, as the feeds
// will carry it once the issue is out, next to the raw RSS item, Atom entry
// and JSON Feed item. Everything shown is read back from the rendered feed
// bytes, not from the content, so it is what subscribers receive.

// readerPolicy is the sanitiser of a typical feed reader: scripts, styles,
// forms and unknown attributes go; text, links, images, tables and quotes
// stay.
func readerPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// entriesPage is /preview/entries/{number}.
type entriesPage struct {
	page.Page
	Shown   *content.Issue
	Entries []entryView
}

// entryView is one feed entry as feed readers receive it.
type entryView struct {
	Anchor     string
	Label      string // what the entry is: "The whole issue", "Lead Story"
	Feeds      []string
	Status     content.Status
	Title      string
	ID         string
	URL        string
	Author     string
	Summary    string
	Published  string
	Modified   string
	Categories []string
	Content    template.HTML // the entry's HTML after a reader's sanitiser
	RSS        string
	Atom       string
	JSON       string
	Warnings   []string
	Images     []entryImage // the pictures readers will load
}

// entryImage is a picture of an entry as readers get it.
type entryImage struct {
	URL           string
	Width, Height string // as the <img> says; "" for the enclosure
	Alt           string
	Enclosure     string // "enclosure, image/png, 24 KB" for the lead picture
}

// jsonEntry is the part of a JSON Feed item the page shows.
type jsonEntry struct {
	ID            string   `json:"id"`
	URL           string   `json:"url"`
	Title         string   `json:"title"`
	Summary       string   `json:"summary"`
	ContentHTML   string   `json:"content_html"`
	Image         string   `json:"image"`
	DatePublished string   `json:"date_published"`
	DateModified  string   `json:"date_modified"`
	Tags          []string `json:"tags"`
	Authors       []struct {
		Name string `json:"name"`
	} `json:"authors"`
}

// entrySource is one entry to show: which feed holds it and its ID.
type entrySource struct {
	label   string
	anchor  string
	spec    feed.Spec
	feeds   []feed.Spec
	id      string
	status  content.Status
	article *content.Article
}

func (d *Desk) Entries(c echo.Context) error {
	now := d.now()
	all := d.content.Content()
	snap := all.Preview()
	iss := page.FindIssue(snap, c.Param("number"))
	if iss == nil {
		return httpx.ErrNotFound
	}
	n := strconv.Itoa(iss.Number)
	v, err := d.feeds.Value("entries\x00"+snap.Key+"\x00"+n, "entries\x00"+n, func() (any, int64, error) {
		// An entry depends only on its issue: render from a snapshot of
		// that issue alone rather than the whole archive's feeds.
		views, err := d.entryViews(snap.Only(iss.Number), iss)
		return views, entryViewsSize(views), err
	})
	if err != nil {
		return err
	}
	views := v.([]entryView)
	// Statuses change with the clock, not with the content: fill them in
	// on a copy, from the loaded content where drafts are still marked.
	views = append([]entryView(nil), views...)
	orig := all.Issue(iss.Number)
	for i := range views {
		views[i].Status = all.IssueStatus(orig, now)
		for _, a := range orig.Articles {
			if views[i].Anchor == "entry-"+a.Key {
				views[i].Status = all.ArticleStatus(a, now)
			}
		}
	}
	p := entriesPage{Page: d.newPage(snap, "What readers will see — Issue #"+strconv.Itoa(iss.Number), iss.URLPath(), ""), Shown: iss, Entries: views}
	st := all.IssueStatus(orig, now)
	p.Preview = &page.PreviewBar{Status: st, Note: whenText(st, all.PublishAt(orig), now, orig.Path),
		Links: []page.PreviewLink{{Text: "Issue preview", Href: "/preview" + iss.URLPath()}}}
	return d.writePreview(c, "entries", p)
}

// entryViewsSize estimates the bytes views hold, for the render cache.
func entryViewsSize(views []entryView) int64 {
	var n int
	for _, v := range views {
		n += 1024 + len(v.RSS) + len(v.Atom) + len(v.JSON) + len(v.Content) + len(v.Summary)
	}
	return int64(n)
}

// entryViews renders every feed entry of issue iss from the preview
// snapshot.
func (d *Desk) entryViews(snap *content.Snapshot, iss *content.Issue) ([]entryView, error) {
	var srcs []entrySource
	srcs = append(srcs, entrySource{label: "The whole issue", anchor: "entry-issue", spec: feed.Spec{Kind: feed.Issues}, feeds: []feed.Spec{{Kind: feed.Issues}}, id: iss.ID()})
	for _, a := range iss.Articles {
		sec := feed.Spec{Kind: feed.SectionFeed, Section: a.Section}
		srcs = append(srcs, entrySource{label: snap.Site.SectionTitle(a.Section), anchor: "entry-" + a.Key, spec: feed.Spec{Kind: feed.Articles}, feeds: []feed.Spec{{Kind: feed.Articles}, sec}, id: a.ID(), article: a})
	}
	for _, l := range []*content.List{iss.Tools, iss.Reading} {
		if l == nil || len(l.Items) == 0 {
			continue
		}
		sec := feed.Spec{Kind: feed.SectionFeed, Section: l.Section}
		srcs = append(srcs, entrySource{label: snap.Site.SectionTitle(l.Section), anchor: "entry-list-" + string(l.Section), spec: sec, feeds: []feed.Spec{sec}, id: iss.ListID(l.Section)})
	}
	views := make([]entryView, 0, len(srcs))
	for _, src := range srcs {
		v, err := d.entryView(snap, src)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, nil
}

func (d *Desk) entryView(snap *content.Snapshot, src entrySource) (entryView, error) {
	v := entryView{Anchor: src.anchor, Label: src.label}
	for _, f := range src.feeds {
		v.Feeds = append(v.Feeds, f.Path(feed.Atom))
	}
	raw := map[feed.Format]string{}
	for _, f := range feed.Formats {
		b, err := feed.RenderEntry(snap, src.spec, src.id, f)
		if err != nil {
			return v, fmt.Errorf("preview entry %s: %w", src.id, err)
		}
		raw[f] = strings.TrimSpace(string(b))
	}
	v.RSS, v.Atom, v.JSON = raw[feed.RSS], raw[feed.Atom], raw[feed.JSON]

	var j jsonEntry
	if err := json.Unmarshal([]byte(v.JSON), &j); err != nil {
		return v, fmt.Errorf("preview entry %s: reading back the JSON item: %w", src.id, err)
	}
	v.ID, v.URL, v.Title, v.Summary, v.Categories = j.ID, j.URL, j.Title, j.Summary, j.Tags
	for i, a := range j.Authors {
		if i > 0 {
			v.Author += ", "
		}
		v.Author += a.Name
	}
	v.Published = readableTime(j.DatePublished, snap.Site.Location)
	v.Modified = readableTime(j.DateModified, snap.Site.Location)
	clean := d.reader.Sanitize(j.ContentHTML)
	v.Content = template.HTML(clean) // sanitised just above
	v.Warnings = entryWarnings(j.ContentHTML, clean, src.article)
	pictured := src.article
	if pictured == nil && src.spec.Kind == feed.Issues && len(snap.Issues) == 1 {
		pictured = snap.Issues[0].Lead() // the whole issue's enclosure is its lead's picture
	}
	v.Images = entryImages(clean, j.Image, pictured)
	return v, nil
}

// readableTime shows an RFC 3339 time of a feed in the site's zone.
func readableTime(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format("Monday 2 January 2006, 15:04 MST") + " (" + s + ")"
}

// entryWarnings finds what an editor would want to fix before subscribers
// see it: images feed readers cannot load, markup a reader's sanitiser
// drops, a pull quote that did not make it into the feed.
func entryWarnings(original, clean string, a *content.Article) []string {
	var out []string
	for _, src := range imageSources(clean) {
		switch {
		case src == "":
			out = append(out, "An image has no address: readers show a broken image.")
		case strings.HasPrefix(src, "http://"):
			out = append(out, "Image "+src+" is not https: many readers block it.")
		case !strings.HasPrefix(src, "https://"):
			out = append(out, "Image "+src+" is not an absolute https address: readers cannot load it.")
		}
	}
	if lost := markupCount(original) - markupCount(clean); lost > 0 {
		out = append(out, fmt.Sprintf("A reader's sanitiser removes %d element%s or attribute%s from this entry (scripts, styles, unknown attributes): check how it reads on the left.", lost, page.Plural(lost), page.Plural(lost)))
	}
	if a != nil && a.PullQuote != "" && !strings.Contains(html.UnescapeString(clean), strings.TrimSpace(a.PullQuote)) {
		out = append(out, "The pull quote is missing from the feed entry.")
	}
	return out
}

// imageSources lists the src of every img of an HTML fragment.
func imageSources(fragment string) []string {
	var out []string
	for _, img := range images(fragment) {
		out = append(out, img.URL)
	}
	return out
}

// entryImages lists the pictures readers load for an entry: its
// enclosure (image, the JSON Feed item's), then each <img> of its
// sanitised content, with the sizes the content gives them.
func entryImages(clean, enclosure string, a *content.Article) []entryImage {
	var out []entryImage
	if enclosure != "" {
		e := entryImage{URL: enclosure, Enclosure: "enclosure"}
		if a != nil && a.Image != nil {
			e.Alt, e.Width, e.Height = a.ImageAlt, strconv.Itoa(a.Image.Width), strconv.Itoa(a.Image.Height)
			e.Enclosure += fmt.Sprintf(", %s, %.1f KB", a.Image.Type, float64(a.Image.Size)/1024)
		}
		out = append(out, e)
	}
	return append(out, images(clean)...)
}

// images lists the img elements of an HTML fragment.
func images(fragment string) []entryImage {
	var out []entryImage
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		if t.Data != "img" {
			continue
		}
		var img entryImage
		for _, a := range t.Attr {
			switch a.Key {
			case "src":
				img.URL = strings.TrimSpace(a.Val)
			case "width":
				img.Width = a.Val
			case "height":
				img.Height = a.Val
			case "alt":
				img.Alt = a.Val
			}
		}
		out = append(out, img)
	}
}

// markupCount counts the elements and attributes of an HTML fragment,
// besides those a sanitiser adds (rel and target on links).
func markupCount(fragment string) int {
	n := 0
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return n
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			n++
			for _, a := range t.Attr {
				if a.Key != "rel" && a.Key != "target" {
					n++
				}
			}
		}
	}
}
