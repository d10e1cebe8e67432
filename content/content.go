package content

import (
	"crypto/sha256"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Section is where an article or list belongs in an issue. Its string is
// the URL segment of the section's pages and feeds.
type Section string

// The sections of an issue, in the order the issue prints them.
const (
	Lead     Section = "lead"
	DeepDive Section = "deep-dive"
	Opinion  Section = "opinion"
	Tools    Section = "tools"
	Reading  Section = "reading"
)

// Sections lists every section in print order.
var Sections = []Section{Lead, DeepDive, Opinion, Tools, Reading}

// Title is the section's heading as printed.
func (s Section) Title() string {
	switch s {
	case Lead:
		return "Lead Story"
	case DeepDive:
		return "Deep Dive"
	case Opinion:
		return "Opinion & Analysis"
	case Tools:
		return "Tools of the Week"
	case Reading:
		return "Weekend Reading"
	}
	return string(s)
}

// IsArticle reports whether the section is made of articles (as opposed to
// an issue's numbered list).
func (s Section) IsArticle() bool { return s == Lead || s == DeepDive || s == Opinion }

// Valid reports whether s is one of Sections.
func (s Section) Valid() bool {
	for _, v := range Sections {
		if s == v {
			return true
		}
	}
	return false
}

// Person is an author.
type Person struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	URL   string `yaml:"url"`
}

// Site is morningpost.yaml: how the newsletter presents itself and publishes.
type Site struct {
	Title       string // masthead and feed title
	Tagline     string // masthead tagline
	Topics      string // line under the masthead
	Established int    // year, shown as "Est. 2025"; 0 if unknown
	Description string // feed subtitle, page description
	BaseURL     *url.URL
	Language    string // BCP 47 tag
	TimeZone    string // IANA name
	Location    *time.Location
	PublishTime time.Duration // time of day issues go public, from midnight
	Authority   string        // tag: URI authority, "domain,date"
	// authorityLine is authority:'s line in morningpost.yaml, for warnings.
	authorityLine int
	Author        Person // default author
	FeedLength    int    // entries per subscription feed

	CacheMaxAge          time.Duration
	StaleWhileRevalidate time.Duration
	// StaleIfError is how long a cache may keep serving a response while
	// the origin fails (RFC 5861): a fleet's CDN rides out an outage.
	StaleIfError time.Duration

	Sources       []Source // upstream feeds
	SourcesPublic bool     // serve the combined sources feed without a token
	// WebSubHubs are the URLs of the WebSub hubs subscription feeds name
	// and are announced to (websub_hubs:, MORNINGPOST_WEBSUB_HUBS).
	WebSubHubs []string

	// sectionTitles are the sections' names where morningpost.yaml
	// renames them (sections:); see SectionTitle.
	sectionTitles map[Section]string
	// Icon is the site's own icon (icon:), or nil for the built-in one.
	Icon *SiteIcon
	// Fediverse is the site's fediverse account (activitypub:), or nil.
	Fediverse *Fediverse

	// Version is a hash of morningpost.yaml: it changes whenever the
	// file does. With the issues' versions it names everything a feed
	// is made of.
	Version string

	warnings *Problems // of morningpost.yaml (see Content.Warnings), read by the loader; nil: none
}

// SectionTitle is how the site names a section on its pages and in its
// feeds: its name under sections: in morningpost.yaml, else the
// section's own (Section.Title).
func (s *Site) SectionTitle(sec Section) string {
	if t := s.sectionTitles[sec]; t != "" {
		return t
	}
	return sec.Title()
}

// URL returns the absolute URL of a site path such as "/issues/87".
func (s *Site) URL(path string) string {
	u := *s.BaseURL
	base := u.Path
	if len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	u.Path = base + path
	u.RawPath = ""
	return u.String()
}

// TagURI returns the permanent ID of the thing named by specific, e.g.
// "issue-87/lead": tag:authority:issue-87/lead (RFC 4151).
func (s *Site) TagURI(specific string) string {
	return "tag:" + s.Authority + ":" + specific
}

// Rating is a story's rating, such as 7/10.
type Rating struct {
	Score, Scale int
}

func (r Rating) String() string { return strconv.Itoa(r.Score) + "/" + strconv.Itoa(r.Scale) }

// Metric is one row of the metrics box.
type Metric struct {
	Label string `yaml:"label,omitempty"`
	Value string `yaml:"value,omitempty"`
}

// Metrics is the metrics box.
type Metrics struct {
	Title string
	Rows  []Metric
}

// ListItem is one entry in a numbered list (tools of the week, weekend reading).
type ListItem struct {
	Name        string
	Description string
	Link        string // absolute URL or ""
	Source      string // credit, or ""
}

// List is an issue's numbered list.
type List struct {
	Section Section
	Title   string
	Intro   string
	Items   []ListItem
}

// Article is one story of an issue: the lead, a deep dive or a column.
type Article struct {
	Issue      *Issue
	Key        string // file name without .md; part of the permanent ID
	Path       string // file path inside the content root, for messages
	Section    Section
	Slug       string
	Title      string
	Kicker     string
	Standfirst string
	Rating     *Rating
	PullQuote  string
	Author     Person
	Tags       []string
	Order      int
	Draft      bool
	Updated    time.Time // zero unless the front matter says; see Modified
	Image      *Image    // the lead image (image:), one of the issue's Images; nil if none
	ImageAlt   string    // its alt text (image_alt:)
	// Pinned is the front matter's published: time, zero unless given;
	// it overrides every other rule of Published.
	Pinned time.Time

	// published is when the article went public, set on the copies a
	// Snapshot holds (see Content.At); zero on loaded articles.
	published time.Time
	// changed is when what readers see of the article last changed
	// after it went public, as the record says (see Record); zero if
	// it has not, and on loaded articles.
	changed time.Time
	// id is ID as the loader made it, for issue idNumber: the record
	// looks every article up by ID on every snapshot.
	id       string
	idNumber int
	// readerSum is a hash of what readers see of the article: title,
	// summary, body, pictures and the rest of its entry (see readerSums).
	readerSum string
	// slugGiven: Slug is the front matter's slug:, not made from the
	// title. former are the other slugs the article has been public
	// under, set on a snapshot's copies (see Slugs).
	slugGiven bool
	former    []string

	images map[string]bool // names of the issue's images the article shows
	body   *body           // shared by the article's copies in snapshots, and by later loads while its Markdown stays
	// summary is the standfirst as the summary; "" without one (the
	// body's start is then the summary).
	summary string
	// sectionLine is the line of section: in the file; 0 without one.
	sectionLine int
}

// Body is the article's text, Markdown rendered as HTML; links may be
// site-relative. It is rendered in the background as soon as the
// content is served (Content.Prerender); a request that comes first
// renders it, which the limits of checkMarkdown keep short.
func (a *Article) Body() template.HTML {
	if a.body == nil { // an Article made by hand, as in tests
		return ""
	}
	return withImages(a.body.render(), a.Issue)
}

// Summary is the article's plain-text summary, at most SummaryLength
// characters: the standfirst, or else the start of the body.
func (a *Article) Summary() string {
	if a.summary != "" {
		return a.summary
	}
	if a.body == nil {
		return ""
	}
	a.body.render()
	return a.body.derived
}

// SetBody replaces the article's rendered body and summary, for articles
// made or altered by hand (tests, tools); the loader renders Markdown.
// Both are cleaned (Clean): a body leaves content clean, however made.
func (a *Article) SetBody(html template.HTML, summary string) {
	h := template.HTML(Clean(string(html))) //nolint:gosec // html was HTML already; Clean only drops characters
	b := &body{html: h, derived: Clean(summary)}
	b.once.Do(func() {})
	a.body, a.summary = b, ""
}

// body is an article's text: its Markdown, checked at load (limits.go),
// rendered once. Rendering every article at load would add seconds of
// CPU to the start of a ten-year archive (15,000 articles), so bodies
// are rendered in the background once the content is served
// (Content.Prerender), newest issues first, and a reload reuses the
// body of every article whose Markdown did not change (loader.bodies).
type body struct {
	sum  [sha256.Size]byte // of the Markdown, for reuse by later loads and to find copies
	size int               // of the Markdown, less the space around it
	once sync.Once
	src  string // the Markdown, until rendered
	// html and derived (the summary the start of the text gives) are
	// set by render.
	html    template.HTML
	derived string
}

// render renders the body once and returns its HTML.
func (b *body) render() template.HTML {
	b.once.Do(func() {
		b.html, _ = Markdown(b.src) // goldmark fails only when its writer does; ours is memory
		b.derived = Summary(string(b.html))
		b.src = ""
	})
	return b.html
}

// ID is the article's permanent ID.
func (a *Article) ID() string {
	if a.id != "" && a.Issue.Number == a.idNumber {
		return a.id
	}
	return a.Issue.site.TagURI(fmt.Sprintf("issue-%d/%s", a.Issue.Number, a.Key))
}

// Path of the article's page, relative to the site.
func (a *Article) URLPath() string {
	return fmt.Sprintf("/issues/%d/%s", a.Issue.Number, a.Slug)
}

// Published is when the article went public: the published: key when
// the front matter has one; else, for an article that was in its issue
// when the issue went out, the issue's anchor less one second for each
// article before it in reading order (so that readers sorting newest
// first show the lead, the deep dives, then the columns in order); else,
// for an article added to an issue already out, the moment it first
// became public, as the record says (see Record). An article of a loaded
// Content, not of a Snapshot, is dated at its issue's anchor.
func (a *Article) Published() time.Time {
	switch {
	case !a.Pinned.IsZero():
		return a.Pinned
	case !a.published.IsZero():
		return a.published
	}
	return a.Issue.Anchor()
}

// Modified is the latest of publication, the front matter's updated
// time and the moment what readers see of the article last changed
// after it went public (see Record).
func (a *Article) Modified() time.Time {
	p := a.Published()
	if a.Updated.After(p) {
		p = a.Updated
	}
	if a.changed.After(p) {
		p = a.changed
	}
	return p
}

// Issue is one issue of the newsletter.
type Issue struct {
	site      *Site
	Number    int
	Path      string    // issue.md path inside the content root
	Date      time.Time // midnight of the issue's date, in the site's zone
	PublishAt time.Time // when it goes public
	Draft     bool
	Place     string
	Weather   string
	Tagline   string // effective masthead tagline (issue's or site's)
	Updated   time.Time
	// Pinned is the front matter's published: time, zero unless given:
	// the issue goes public and is dated then, whatever its date and
	// whatever the record says (see Record).
	Pinned time.Time
	Note   template.HTML // editor's note, may be empty
	// Version is a hash of the issue folder's files: it changes whenever
	// one of them does, and only then.
	Version string
	// publicSum is a hash of the files readers see once the issue is
	// public: issue.md and the articles that are not drafts. A save of
	// a draft article leaves it as it was (Snapshot.Version).
	publicSum string

	// readerSum is a hash of what readers see of the issue's entry
	// once public, its public articles included (see readerSums).
	readerSum string
	// dateLine is the line of date: in issue.md, for messages.
	dateLine int

	// anchor is when the issue's entries are dated (see Anchor), set on
	// the copies a Snapshot holds.
	anchor time.Time
	// changed is when what readers see of the issue's entry last
	// changed after it went public, set on the copies a Snapshot holds
	// (see Record); listsChanged the same of its lists' entries.
	changed      time.Time
	listsChanged [2]time.Time // tools, reading
	listSums     [2]string    // readerSum of each list (see readerSums)

	Metrics  *Metrics
	Tools    *List
	Reading  *List
	Articles []*Article // print order: lead, deep dives, opinion
	Images   []*Image   // the image files of the issue folder, by name

	noteImages map[string]bool // names of the images the editor's note shows
}

// Anchor is the instant the issue's entries are dated from: its
// publication time, plus sameTimeStride for every issue of lower number
// published at the same time, so that two issues with the same date
// never share an instant. The issue's entry and its lists are dated at
// the anchor; its articles count down from it (see Article.Published).
func (i *Issue) Anchor() time.Time {
	if !i.anchor.IsZero() {
		return i.anchor
	}
	return i.PublishAt
}

// sameTimeStride separates the anchors of issues published at the same
// time: more than the articles of any real issue, counted in seconds.
const sameTimeStride = time.Minute

// Site returns the site the issue belongs to.
func (i *Issue) Site() *Site { return i.site }

// ID is the issue's permanent ID.
func (i *Issue) ID() string { return i.site.TagURI(fmt.Sprintf("issue-%d", i.Number)) }

// ListID is the permanent ID of the issue's tools or reading list.
func (i *Issue) ListID(s Section) string {
	return i.site.TagURI(fmt.Sprintf("issue-%d/%s", i.Number, s))
}

// URLPath of the issue's page, relative to the site.
func (i *Issue) URLPath() string { return "/issues/" + strconv.Itoa(i.Number) }

// Title is the issue's headline: "The AI Morning Post — Issue #87, Saturday 25 April 2026".
func (i *Issue) Title() string {
	return fmt.Sprintf("%s — Issue #%d, %s", i.site.Title, i.Number, i.Date.Format("Monday 2 January 2006"))
}

// Modified is the latest change of the issue or any of its articles
// (an article added later, too).
func (i *Issue) Modified() time.Time {
	m := i.Anchor()
	if i.Updated.After(m) {
		m = i.Updated
	}
	if i.changed.After(m) {
		m = i.changed
	}
	for _, a := range i.Articles {
		if t := a.Modified(); t.After(m) {
			m = t
		}
	}
	return m
}

// ListModified is the updated time of the entry of the issue's tools
// or reading list: the latest of the issue's anchor, its updated: time
// and the moment the list last changed after it went public (see
// Record).
func (i *Issue) ListModified(s Section) time.Time {
	m := i.Anchor()
	if i.Updated.After(m) {
		m = i.Updated
	}
	if n, ok := listSlot(s); ok && i.listsChanged[n].After(m) {
		m = i.listsChanged[n]
	}
	return m
}

// listSlot is the index of list section s in an issue's list arrays.
func listSlot(s Section) (int, bool) {
	switch s {
	case Tools:
		return 0, true
	case Reading:
		return 1, true
	}
	return 0, false
}

// Article returns the issue's article with the given slug, or nil.
func (i *Issue) Article(slug string) *Article {
	for _, a := range i.Articles {
		if a.Slug == slug {
			return a
		}
	}
	return nil
}

// Lead returns the lead article, or nil.
func (i *Issue) Lead() *Article {
	for _, a := range i.Articles {
		if a.Section == Lead {
			return a
		}
	}
	return nil
}

// InSection returns the issue's articles in section s, in print order.
func (i *Issue) InSection(s Section) []*Article {
	var out []*Article
	for _, a := range i.Articles {
		if a.Section == s {
			out = append(out, a)
		}
	}
	return out
}

// List returns the issue's tools or reading list, or nil.
func (i *Issue) List(s Section) *List {
	switch s {
	case Tools:
		return i.Tools
	case Reading:
		return i.Reading
	}
	return nil
}
