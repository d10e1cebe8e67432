package feed

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/morningpost/morningpost/content"
)

// Generator names the software in every feed. GeneratorVersion is the
// version of the feed output, raised when its shape changes; it is not the
// binary's version, so that rebuilding never changes a feed's bytes.
const (
	Generator        = "morningpost"
	GeneratorURI     = "https://github.com/morningpost/morningpost"
	GeneratorVersion = "1.1"
)

// DefaultFeedLength is the number of entries of a feed when the site does
// not say.
const DefaultFeedLength = 30

// Doc is one feed, ready to render in any format.
//
// Feed holds everything gorilla/feeds can express: Link is the HTML page the
// feed follows, Id the feed's permanent tag: URI, Updated the newest change
// of any entry, Image the icon. Each item has a permanent Id (a tag: URI),
// Title, Link, Author, Description (plain-text summary), Content (HTML with
// absolute URLs), Created (published) and Updated (modified). Entries adds,
// item by item, what gorilla/feeds has no field for.
type Doc struct {
	Spec     Spec
	Feed     *feeds.Feed
	Entries  []Entry // Entries[i].Item == Feed.Items[i]
	Language string  // BCP 47, e.g. en-GB
	Icon     string  // absolute URL of the feed icon

	// AuthorURL is the site author's home page, or "".
	AuthorURL string

	self map[Format]string // absolute URL of the feed in each format
	// hubs are the WebSub hubs a subscription feed names (rel="hub").
	hubs []string

	// Archived feeds (RFC 5005): archive is set in archive documents;
	// links are absolute URLs without the format's extension, "" when
	// there is none.
	archive bool
	links   struct{ current, prev, next string }
}

// Entry is one item of a Doc with what gorilla/feeds has no field for.
type Entry struct {
	Item       *feeds.Item
	AuthorURL  string
	Categories []string // section title first, then tags; no duplicates
}

// Self returns the absolute URL of the feed in format f.
func (d *Doc) Self(f Format) string { return d.self[f] }

// Link is the value of the Link header of the feed in format f: its
// WebSub hubs and its self URL (WebSub §4), or "" when it names no hub.
func (d *Doc) Link(f Format) string {
	if len(d.hubs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, h := range d.hubs {
		b.WriteString("<" + h + `>; rel="hub", `)
	}
	b.WriteString("<" + d.Self(f) + `>; rel="self"`)
	return b.String()
}

// Entry returns the entry whose permanent ID is id, or nil.
func (d *Doc) Entry(id string) *Entry {
	for i := range d.Entries {
		if d.Entries[i].Item.Id == id {
			return &d.Entries[i]
		}
	}
	return nil
}

// Build maps the public content of snap to the feed s: its newest
// entries by the instant each was published, at most the site's feed
// length of them, newest first. An article added to an old issue is as
// new as the moment it went public. It is the only place content becomes
// a feed. Every string is cleaned, so no text can make a feed unparsable.
func Build(snap *content.Snapshot, s Spec) *Doc {
	n := snap.Site.FeedLength
	if n <= 0 {
		n = DefaultFeedLength
	}
	return build(snap, s, n)
}

// build is Build with a limit on entries; limit < 0 means all of them.
// Entries are refsOf's, the order of every feed and the one newIndex
// keys it by.
func build(snap *content.Snapshot, s Spec, limit int) *Doc {
	site := snap.Site
	b := builder{site: site, root: mustParse(site.URL("/"))}
	d := newDoc(snap, s)
	refs := refsOf(snap, s)
	if limit >= 0 && len(refs) > limit {
		refs = refs[:limit]
	}
	for _, r := range refs {
		d.add(b.entry(r, s))
	}
	if limit >= 0 {
		d.hubs = site.WebSubHubs
	}
	if len(refs) > 0 && limit >= 0 && s.Kind != TagFeed { // tag feeds have no archives
		// The newest archive holds the newest entry (RFC 5005 §4):
		// archives file each entry by the month it was published.
		d.links.prev = site.URL(s.archiveBase(periodOf(refs[0].at, site.Location)))
	}
	d.finish()
	return d
}

// newDoc is a feed document of s with no entries.
func newDoc(snap *content.Snapshot, s Spec) *Doc {
	site := snap.Site
	title := s.Title(site)
	desc := content.Line(site.Description)
	if desc == "" {
		desc = title
	}
	d := emptyDoc(site, title, desc, site.URL(s.HomePath()), s.id(site), s.Path)
	d.Spec = s
	return d
}

// emptyDoc is a feed document of the site with no entries: its title and
// description, the HTML page it follows (home), its permanent ID, and the
// URL path of each of its formats.
func emptyDoc(site *content.Site, title, desc, home, id string, path func(Format) string) *Doc {
	b := builder{site: site, root: mustParse(site.URL("/"))}
	d := &Doc{
		Language:  content.Line(site.Language),
		Icon:      site.URL("/icon.png"),
		AuthorURL: authorURL(site.Author),
		self:      map[Format]string{},
		Feed: &feeds.Feed{
			Title:       title,
			Link:        &feeds.Link{Href: home, Rel: "alternate", Type: "text/html"},
			Description: desc,
			Author:      b.author(site.Author),
			Id:          id,
		},
	}
	if d.Language == "" {
		d.Language = "en-GB"
	}
	d.Feed.Image = &feeds.Image{Url: d.Icon, Title: title, Link: home}
	for _, f := range Formats {
		d.self[f] = site.URL(path(f))
	}
	return d
}

// finish gives every entry its own published and updated instants,
// orders the entries newest first by them and sets the feed's updated
// time: the newest change of any entry.
//
// Entries are dated apart already (content.Article.Published counts
// down an issue's articles, and issues of one time have anchors apart);
// what may still coincide is what the files pin, such as two articles
// given one updated: time. Such an entry, the later in feed order, is
// moved back by whole seconds until its instants are its own, so that
// readers can sort the feed and validators find no duplicate.
func (d *Doc) finish() {
	created := make(map[int64]bool, len(d.Entries))
	updated := make(map[int64]bool, len(d.Entries))
	for _, e := range d.Entries {
		it := e.Item
		for created[it.Created.Unix()] {
			it.Created = it.Created.Add(-time.Second)
		}
		created[it.Created.Unix()] = true
		if it.Updated.Before(it.Created) {
			it.Updated = it.Created
		}
		for updated[it.Updated.Unix()] {
			it.Updated = it.Updated.Add(-time.Second)
		}
		updated[it.Updated.Unix()] = true
		if it.Updated.Before(it.Created) {
			it.Created = it.Updated // still its own: every earlier one was taken from created
		}
	}
	// Newest first, also where an instant was moved back past another's.
	slices.SortStableFunc(d.Entries, func(x, y Entry) int { return y.Item.Created.Compare(x.Item.Created) })
	for i, e := range d.Entries {
		d.Feed.Items[i] = e.Item
	}
	for _, e := range d.Entries {
		if e.Item.Updated.After(d.Feed.Updated) {
			d.Feed.Updated = e.Item.Updated
		}
	}
}

func (d *Doc) add(e Entry) {
	// Every entry has a summary: readers show it, and RSS and JSON Feed
	// validators want one.
	if e.Item.Description == "" {
		e.Item.Description = content.Summary(e.Item.Content)
	}
	if e.Item.Description == "" {
		e.Item.Description = e.Item.Title
	}
	d.Entries = append(d.Entries, e)
	d.Feed.Items = append(d.Feed.Items, e.Item)
}

func sortedIssues(snap *content.Snapshot) []*content.Issue {
	out := slices.Clone(snap.Issues)
	slices.SortStableFunc(out, func(x, y *content.Issue) int {
		if c := y.PublishAt.Compare(x.PublishAt); c != 0 {
			return c
		}
		return y.Number - x.Number
	})
	return out
}

// builder writes entries of one site.
type builder struct {
	site *content.Site
	root *url.URL // the site's base URL, ending in "/"
}

func (b *builder) author(p content.Person) *feeds.Author {
	name := content.Line(p.Name)
	if name == "" {
		name = content.Line(b.site.Author.Name)
	}
	if name == "" {
		name = content.Line(b.site.Title)
	}
	return &feeds.Author{Name: name, Email: content.Line(p.Email)}
}

func (b *builder) article(a *content.Article) Entry {
	page := b.site.URL(a.URLPath())
	var w strings.Builder
	b.articleBody(&w, a, page)
	cats := []string{b.site.SectionTitle(a.Section)}
	cats = appendCategories(cats, a.Tags...)
	return Entry{
		Item: &feeds.Item{
			Id:          a.ID(),
			IsPermaLink: "false",
			Title:       title(a.Title),
			Link:        &feeds.Link{Href: page, Rel: "alternate", Type: "text/html"},
			Author:      b.author(a.Author),
			Description: content.Line(a.Summary()),
			Content:     w.String(),
			Created:     a.Published(),
			Updated:     a.Modified(),
		},
		AuthorURL:  authorURL(a.Author),
		Categories: cats,
	}
}

func (b *builder) issue(iss *content.Issue) Entry {
	page := b.site.URL(iss.URLPath())
	var w strings.Builder
	w.WriteString("<p>")
	w.WriteString(esc(masthead(iss)))
	w.WriteString("</p>\n")
	if t := content.Line(iss.Tagline); t != "" {
		w.WriteString("<p><em>" + esc(t) + "</em></p>\n")
	}
	if iss.Note != "" {
		w.WriteString(b.absolute(string(iss.Note), page))
		w.WriteString("\n")
	}
	var cats []string
	for _, a := range iss.Articles {
		cats = appendCategories(cats, a.Tags...)
	}
	heading := func(a *content.Article) {
		if k := content.Line(a.Kicker); k != "" {
			w.WriteString("<p><strong>" + esc(k) + "</strong></p>\n")
		}
		w.WriteString(`<h2><a href="` + esc(b.site.URL(a.URLPath())) + `">` + esc(title(a.Title)) + "</a></h2>\n")
	}
	for _, a := range iss.InSection(content.Lead) {
		heading(a)
		b.articleBody(&w, a, b.site.URL(a.URLPath()))
	}
	if m := iss.Metrics; m != nil && len(m.Rows) > 0 {
		t := content.Line(m.Title)
		if t == "" {
			t = "Metrics"
		}
		w.WriteString("<h3>" + esc(t) + "</h3>\n<table>\n")
		for _, r := range m.Rows {
			w.WriteString(`<tr><th scope="row">` + esc(content.Line(r.Label)) + "</th><td>" + esc(content.Line(r.Value)) + "</td></tr>\n")
		}
		w.WriteString("</table>\n")
	}
	for _, s := range []content.Section{content.DeepDive, content.Opinion} {
		for _, a := range iss.InSection(s) {
			heading(a)
			b.articleBody(&w, a, b.site.URL(a.URLPath()))
		}
	}
	for _, s := range []content.Section{content.Tools, content.Reading} {
		if l := iss.List(s); l != nil && len(l.Items) > 0 {
			w.WriteString("<h2>" + esc(listTitle(l)) + "</h2>\n")
			writeList(&w, l)
		}
	}

	summary := content.Line(iss.Tagline)
	if lead := iss.Lead(); lead != nil {
		summary = content.Line(title(lead.Title) + ": " + lead.Summary())
	} else if len(iss.Articles) > 0 {
		summary = content.Line(title(iss.Articles[0].Title) + ": " + iss.Articles[0].Summary())
	}
	if summary == "" {
		summary = masthead(iss)
	}
	return Entry{
		Item: &feeds.Item{
			Id:          iss.ID(),
			IsPermaLink: "false",
			Title:       title(iss.Title()),
			Link:        &feeds.Link{Href: page, Rel: "alternate", Type: "text/html"},
			Author:      b.author(b.site.Author),
			Description: summary,
			Content:     w.String(),
			Created:     iss.Anchor(),
			Updated:     iss.Modified(),
		},
		AuthorURL:  authorURL(b.site.Author),
		Categories: cats,
	}
}

// list is the entry of one issue's tools or reading list. Its page is the
// list's place on the issue page.
func (b *builder) list(iss *content.Issue, l *content.List) Entry {
	var w strings.Builder
	writeList(&w, l)
	summary := content.Line(l.Intro)
	if summary == "" {
		names := make([]string, 0, len(l.Items))
		for _, it := range l.Items {
			names = append(names, content.Line(it.Name))
		}
		summary = content.Line(strings.Join(names, "; "))
	}
	updated := iss.ListModified(l.Section)
	return Entry{
		Item: &feeds.Item{
			Id:          iss.ListID(l.Section),
			IsPermaLink: "false",
			Title:       title(listTitle(l) + " — Issue #" + strconv.Itoa(iss.Number) + ", " + iss.Date.Format("Monday 2 January 2006")),
			Link:        &feeds.Link{Href: b.site.URL(iss.URLPath()) + "#" + string(l.Section), Rel: "alternate", Type: "text/html"},
			Author:      b.author(b.site.Author),
			Description: summary,
			Content:     w.String(),
			Created:     iss.Anchor(),
			Updated:     updated,
		},
		AuthorURL:  authorURL(b.site.Author),
		Categories: []string{b.site.SectionTitle(l.Section)},
	}
}

// articleBody writes an article's standfirst, rating, body and pull quote
// (after the body's first paragraph, as printed).
func (b *builder) articleBody(w *strings.Builder, a *content.Article, page string) {
	if s := content.Line(a.Standfirst); s != "" {
		w.WriteString("<p><em>" + esc(s) + "</em></p>\n")
	}
	if a.Rating != nil {
		w.WriteString("<p>Rating: " + esc(a.Rating.String()) + "</p>\n")
	}
	b.leadImage(w, a)
	body := b.absolute(string(a.Body()), page)
	quote := ""
	if q := content.Line(a.PullQuote); q != "" {
		quote = "<blockquote><p>" + esc(q) + "</p></blockquote>\n"
	}
	if i := strings.Index(body, "</p>"); quote != "" && i >= 0 {
		i += len("</p>")
		if strings.HasPrefix(body[i:], "\n") {
			i++
		}
		body = body[:i] + quote + body[i:]
	} else {
		body += quote
	}
	w.WriteString(body)
	if body != "" && !strings.HasSuffix(body, "\n") {
		w.WriteString("\n")
	}
}

func listTitle(l *content.List) string {
	if t := content.Line(l.Title); t != "" {
		return t
	}
	return l.Section.Title()
}

func writeList(w *strings.Builder, l *content.List) {
	if intro := content.Line(l.Intro); intro != "" {
		w.WriteString("<p>" + esc(intro) + "</p>\n")
	}
	w.WriteString("<ol>\n")
	for _, it := range l.Items {
		name := esc(content.Line(it.Name))
		if link := absoluteHTTP(it.Link); link != "" {
			name = `<a href="` + esc(link) + `">` + name + "</a>"
		} else {
			name = "<strong>" + name + "</strong>"
		}
		w.WriteString("<li>" + name)
		if d := content.Line(it.Description); d != "" {
			w.WriteString(" — " + esc(d))
		}
		if s := content.Line(it.Source); s != "" {
			w.WriteString(" <small>(via " + esc(s) + ")</small>")
		}
		w.WriteString("</li>\n")
	}
	w.WriteString("</ol>\n")
}

// masthead is the issue's dateline: "Saturday, 25 April 2026 · Manchester,
// United Kingdom · 6°C Cloudy · Issue #87".
func masthead(iss *content.Issue) string {
	parts := []string{iss.Date.Format("Monday, 2 January 2006")}
	for _, s := range []string{iss.Place, iss.Weather} {
		if s = content.Line(s); s != "" {
			parts = append(parts, s)
		}
	}
	parts = append(parts, "Issue #"+strconv.Itoa(iss.Number))
	return strings.Join(parts, " · ")
}

func authorURL(p content.Person) string { return absoluteHTTP(p.URL) }

// appendCategories appends the non-empty, not yet present categories.
func appendCategories(cats []string, add ...string) []string {
	for _, c := range add {
		if c = content.Line(c); c != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	return cats
}

// title is a one-line title, never empty.
func title(s string) string {
	if s = content.Line(s); s == "" {
		return "Untitled"
	}
	return s
}

// esc escapes text for HTML element content and double-quoted attributes.
// Unlike html.EscapeString it leaves apostrophes alone: "AI's", not "AI&#39;s".
func esc(s string) string { return htmlEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// absoluteHTTP returns s if it is an absolute http(s) URL, else "".
func absoluteHTTP(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		// Site.URL builds from a parsed URL; this cannot fail.
		panic(err)
	}
	return u
}

// zeroUpdated stands in for the updated time of a feed with no entries,
// where a format requires one: a fixed time, never the clock.
var zeroUpdated = time.Unix(0, 0).UTC()
