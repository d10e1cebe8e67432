package site

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The layout's Page and the pages the desk shows too are handlers/page's.
type (
	Page        = page.Page
	FeedLink    = page.FeedLink
	PreviewBar  = page.PreviewBar
	PreviewLink = page.PreviewLink
	pager       = page.Pager
	story       = page.Story
	listView    = page.ListView
	liveState   = page.LiveState
	issuePage   = page.Issue
	articlePage = page.Article
	searchPage  = page.Search
	searchHit   = page.SearchHit
	templates   = page.Templates
)

// homePage is /: the latest issue, whole, the few before it, and a link
// to the archive.
type homePage struct {
	Page
	Latest  *content.Issue   // nil before the first publication
	Archive []*content.Issue // the issues before the latest, newest first
	Total   int              // public issues
}

// archivePage is /issues and its further pages.
type archivePage struct {
	Page
	Issues []*content.Issue // this page's
}

// sectionPage is /sections/{section}: one section across every issue.
type sectionPage struct {
	Page
	Section  content.Section
	Articles []*content.Article // for lead, deep-dive, opinion
	Lists    []issueList        // for tools, reading
}

// issueList is one issue's tools or reading list.
type issueList struct {
	Issue *content.Issue
	List  *content.List
}

// feedsPage is /feeds: every feed and how to subscribe.
type feedsPage struct {
	Page
	Groups []feedGroup
	Tags   []tagFeeds // every tag's feeds
	OPML   string     // absolute URL of /feeds.opml
	Home   string     // absolute URL of the site, for readers that discover feeds
}

// feedGroup is one subscription feed in every format.
type feedGroup struct {
	Title   string
	About   string
	Page    string // path of the HTML page the feed follows
	Formats []FeedLink
}

// notFoundPage is the 404 page. It names no path: the static export
// writes it once as 404.html, which nginx, Netlify and Cloudflare Pages
// send for every missing URL.
type notFoundPage struct {
	Page
}

// NewPage fills the layout's fields for the page at path. section, when
// set, adds the section's feed to the autodiscovery links.
func (s *Site) NewPage(snap *content.Snapshot, title, path string, section content.Section) Page {
	site := snap.Site
	p := Page{
		Site:        site,
		Title:       title,
		Description: site.Description,
		Canonical:   site.URL(path),
		OGType:      "website",
		Image:       site.URL("/icon.png"),
		CSS:         s.static.URL("site.css"),
		Icon:        s.fileURL(site, "icon.png"),
		Generator:   "morningpost",
		Sections:    content.Sections,
	}
	for _, spec := range feed.Specs() {
		if spec.Kind == feed.SectionFeed && (section == "" || spec.Section != section) {
			continue
		}
		for _, f := range feed.Formats {
			p.Feeds = append(p.Feeds, feedLink(site, spec, f))
		}
	}
	return p
}

func feedLink(site *content.Site, spec feed.Spec, f feed.Format) FeedLink {
	t, _, _ := strings.Cut(f.ContentType(), ";")
	return FeedLink{Type: t, Title: spec.Title(site) + " (" + page.FormatName(f) + ")", Href: site.URL(spec.Path(f)), Format: page.FormatName(f), View: FeedViewPath(spec, f)}
}

func (s *Site) Home(c echo.Context) error {
	return s.page(c, "home", func(snap *content.Snapshot) (any, error) {
		p := homePage{Page: s.NewPage(snap, snap.Site.Title, "/", ""), Latest: snap.Latest(), Total: len(snap.Issues)}
		if len(snap.Issues) > 1 {
			p.Archive = snap.Issues[1:min(1+homeRecent, len(snap.Issues))]
		}
		p.Nameplate = true
		p.Issue = p.Latest
		if p.Latest != nil {
			if l := p.Latest.Lead(); l != nil {
				p.Description = l.Title + ". " + l.Summary()
			}
		}
		return p, nil
	})
}

func (s *Site) Archive(c echo.Context) error {
	scope := func(snap *content.Snapshot) string {
		return listScope(snap, snap.Issues, pageNumber(c), issuesPerPage, func(iss *content.Issue) *content.Issue { return iss }, "")
	}
	return s.pageIn(c, "archive", scope, func(snap *content.Snapshot) (any, error) {
		issues, pg, ok := paginate(snap.Issues, pageNumber(c), issuesPerPage, "/issues")
		if !ok {
			return nil, httpx.ErrNotFound
		}
		p := archivePage{Page: s.newListPage(snap, "Archive — "+snap.Site.Title, "", pg), Issues: issues}
		p.Description = "Every issue of " + snap.Site.Title + ", newest first."
		return p, nil
	})
}

// newListPage is newPage for page pg of a list: its title says which
// page it is, for a numbered page (which never says how many there are,
// so that it does not change when a page is added).
func (s *Site) newListPage(snap *content.Snapshot, title string, section content.Section, pg pager) Page {
	if pg.Number > 0 {
		title = "Page " + strconv.Itoa(pg.Number) + " — " + title
	}
	p := s.NewPage(snap, title, pagePath(pg.First, pg.Number), section)
	p.Pager = pg
	return p
}

func (s *Site) Issue(c echo.Context) error {
	return s.pageIn(c, "issue", s.issueScope(c), s.fillIssue(c))
}

// issueScope is the key of what an issue's page shows: the issue and the
// issues beside it (see pageIn).
func (s *Site) issueScope(c echo.Context) func(*content.Snapshot) string {
	return func(snap *content.Snapshot) string {
		iss := findIssue(snap, c.Param("number"))
		for i, other := range snap.Issues {
			if other == iss {
				var newer, older *content.Issue
				if i > 0 {
					newer = snap.Issues[i-1]
				}
				if i+1 < len(snap.Issues) {
					older = snap.Issues[i+1]
				}
				return feed.PageKey(snap, iss, newer, older)
			}
		}
		return ""
	}
}

// articleScope is the key of what an article's page shows: its issue.
func (s *Site) articleScope(c echo.Context) func(*content.Snapshot) string {
	return func(snap *content.Snapshot) string {
		if iss := findIssue(snap, c.Param("number")); iss != nil {
			return feed.PageKey(snap, iss)
		}
		return ""
	}
}

// fillIssue fills the issue page the request names from a snapshot: the
// public one, or the editors' preview, which shows the same page.
// fillIssue fills the issue page the request names (page.FillIssue).
func (s *Site) fillIssue(c echo.Context) func(*content.Snapshot) (any, error) {
	return func(snap *content.Snapshot) (any, error) {
		return page.FillIssue(snap, c.Param("number"), s.NewPage)
	}
}

func (s *Site) Article(c echo.Context) error {
	if to := s.movedArticle(c); to != "" {
		return s.MovedPermanently(c, to)
	}
	return s.pageIn(c, "article", s.articleScope(c), s.fillArticle(c))
}

// movedArticle is where the article the request names under a slug it
// had before (content.Slugs) is now, or "".
func (s *Site) movedArticle(c echo.Context) string {
	snap := s.content.At(s.now())
	iss := findIssue(snap, c.Param("number"))
	if iss == nil || iss.Article(c.Param("slug")) != nil {
		return ""
	}
	if a := iss.Moved(c.Param("slug")); a != nil {
		return a.URLPath()
	}
	return ""
}

// fillArticle fills the article page the request names, like fillIssue.
// fillArticle fills the article page the request names (page.FillArticle).
func (s *Site) fillArticle(c echo.Context) func(*content.Snapshot) (any, error) {
	return func(snap *content.Snapshot) (any, error) {
		return page.FillArticle(snap, c.Param("number"), c.Param("slug"), s.NewPage)
	}
}

func (s *Site) Section(sec content.Section) echo.HandlerFunc {
	base := "/sections/" + string(sec)
	return func(c echo.Context) error {
		scope := func(snap *content.Snapshot) string {
			if sec.IsArticle() {
				return listScope(snap, sectionArticles(snap, sec), pageNumber(c), storiesPerPage, articleIssue, "")
			}
			return listScope(snap, sectionLists(snap, sec), pageNumber(c), listsPerPage, func(l issueList) *content.Issue { return l.Issue }, "")
		}
		return s.pageIn(c, "section", scope, func(snap *content.Snapshot) (any, error) {
			p := sectionPage{Section: sec}
			var pg pager
			ok := false
			if sec.IsArticle() {
				p.Articles, pg, ok = paginate(sectionArticles(snap, sec), pageNumber(c), storiesPerPage, base)
			} else {
				p.Lists, pg, ok = paginate(sectionLists(snap, sec), pageNumber(c), listsPerPage, base)
			}
			if !ok {
				return nil, httpx.ErrNotFound
			}
			p.Page = s.newListPage(snap, snap.Site.SectionTitle(sec)+" — "+snap.Site.Title, sec, pg)
			p.Description = snap.Site.SectionTitle(sec) + " from every issue of " + snap.Site.Title + "."
			return p, nil
		})
	}
}

func articleIssue(a *content.Article) *content.Issue { return a.Issue }

// sectionArticles are the articles of section sec, newest first: made
// once per snapshot (every page of a section asks for them), never to
// be changed by the caller.
func sectionArticles(snap *content.Snapshot, sec content.Section) []*content.Article {
	return snap.Derived(sectionArticlesOf{sec}, func() any {
		var all []*content.Article
		for _, iss := range snap.Issues {
			all = append(all, iss.InSection(sec)...)
		}
		return all
	}).([]*content.Article)
}

// sectionLists are the issues' lists of section sec, newest first, made
// once per snapshot like sectionArticles.
func sectionLists(snap *content.Snapshot, sec content.Section) []issueList {
	return snap.Derived(sectionListsOf{sec}, func() any {
		var all []issueList
		for _, iss := range snap.Issues {
			if l := iss.List(sec); l != nil {
				all = append(all, issueList{Issue: iss, List: l})
			}
		}
		return all
	}).([]issueList)
}

type (
	sectionArticlesOf struct{ content.Section }
	sectionListsOf    struct{ content.Section }
)

func (s *Site) FeedList(c echo.Context) error {
	return s.page(c, "feeds", func(snap *content.Snapshot) (any, error) {
		site := snap.Site
		p := feedsPage{Page: s.NewPage(snap, "Feeds — "+site.Title, "/feeds", ""), OPML: site.URL("/feeds.opml"), Home: site.URL("/")}
		p.Description = "Subscribe to " + site.Title + " in any feed reader: RSS, Atom and JSON Feed."
		for _, spec := range feed.Specs() {
			g := feedGroup{Title: spec.Title(site), About: feedAbout(spec), Page: spec.HomePath()}
			for _, f := range feed.Formats {
				g.Formats = append(g.Formats, feedLink(site, spec, f))
			}
			p.Groups = append(p.Groups, g)
		}
		for _, t := range snap.Tags() {
			p.Tags = append(p.Tags, tagFeeds{Tag: t, Formats: tagFeedLinks(site, t)})
		}
		return p, nil
	})
}

// feedAbout says what a feed holds, for readers choosing one.
func feedAbout(spec feed.Spec) string {
	switch spec.Kind {
	case feed.Articles:
		return "Every story as it is published: the lead, the deep dives and the columns, one entry each. Start here."
	case feed.Issues:
		return "One entry per issue, holding the whole issue as printed, metrics, tools and reading included."
	}
	switch spec.Section {
	case content.Lead:
		return "Only each issue's lead story."
	case content.DeepDive:
		return "Only the deep dives: the longer analysis pieces."
	case content.Opinion:
		return "Only the opinion columns: the editor's column and guest columns."
	case content.Tools:
		return "Each issue's tools of the week, one entry per issue."
	case content.Reading:
		return "Each issue's weekend reading list, one entry per issue."
	}
	return ""
}

// findIssue returns the public issue a URL's number names
// (page.FindIssue, which the desk's pages use too).
func findIssue(snap *content.Snapshot, number string) *content.Issue {
	return page.FindIssue(snap, number)
}
