// Package page is what the public site (handlers/site) and the editor's desk
// (handlers/desk) both show: the page templates and their functions,
// the layout's Page and the page types both fill, the issue and article
// pages' fill (FillIssue, FillArticle: the public pages and the desk's
// previews of them), the static files, and the rewriting of links under
// a site's base path. It knows nothing of routes or requests, and
// imports neither side.
package page

import (
	"html/template"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
)

// Page is what the layout needs on every page.
type Page struct {
	Site        *content.Site
	Title       string // <title> and og:title
	Description string // meta description and og:description
	Canonical   string // absolute URL of the page
	OGType      string // "website" or "article"
	Image       string // absolute URL of og:image: the icon, or the article's picture
	// ImageWidth, ImageHeight and ImageAlt describe og:image when it is
	// an article's picture; zero for the icon.
	ImageWidth, ImageHeight int
	ImageAlt                string
	Feeds                   []FeedLink
	CSS                     string // fingerprinted URL of the style sheet
	Icon                    string // fingerprinted URL of the icon
	Generator               string
	// Issue is the issue the masthead's edition line and dateline are
	// about; nil on pages that are not about one issue.
	Issue *content.Issue
	// Nameplate says the masthead's title is the page's one h1 (front
	// page and issue pages); elsewhere the page's own title is.
	Nameplate bool
	Sections  []content.Section // the masthead's navigation
	// Preview is the banner of an editor's preview page; nil on public
	// pages (which show a plain banner when seen in preview mode).
	Preview *PreviewBar
	// Pager places a list page among its pages (rel="prev", "next");
	// zero on pages that are not lists.
	Pager Pager
}

// SetImage makes an article's picture, if it has one, the page's og:image.
func (p *Page) SetImage(site *content.Site, a *content.Article) {
	if img := a.Image; img != nil {
		p.Image, p.ImageWidth, p.ImageHeight, p.ImageAlt = site.URL(img.URLPath()), img.Width, img.Height, a.ImageAlt
	}
}

// FediverseHandle is the site's handle on the fediverse (@news@HOST),
// for the pages' hints; "" when the site has no account.
func (p Page) FediverseHandle() string {
	if p.Site == nil || p.Site.Fediverse == nil || p.Preview != nil {
		return ""
	}
	return p.Site.Handle(p.Site.Fediverse.Username)
}

// TypeAttr is the link's type attribute, written out literally: html/template
// would escape the "+" of application/rss+xml as &#43;, which is correct HTML
// but defeats the feed autodiscovery of tools that match the raw text. The
// media type comes from feed.Format, never from content.
func (l FeedLink) TypeAttr() template.HTMLAttr {
	return template.HTMLAttr(`type="` + template.HTMLEscapeString(l.Type) + `"`)
}

// FeedLink is one autodiscovery link.
type FeedLink struct {
	Type   string // media type, e.g. application/atom+xml
	Title  string
	Href   string // absolute URL
	Format string // RSS, Atom, JSON Feed
	View   string // path of the feed's readable page
}

// Pager is a list page's place among its pages, for the "pager" template
// and the rel="prev"/"next" links.
type Pager struct {
	// Number is the page's number, counted from the oldest; 0 for the
	// list's own page, which holds the newest items.
	Number     int
	Prev, Next string // paths of the newer and older page; "" at the ends
	First      string // path of the list's own page, the newest
	Last       string // path of page 1, the oldest; "" when there is none
}

// PreviewBar is the banner of an editor's preview page.
type PreviewBar struct {
	Status content.Status
	Note   string // when it goes out
	Links  []PreviewLink
	// Held lists the draft articles of an issue that goes out (or is
	// out) without them.
	Held []PreviewLink
}

// PreviewLink is a link in the preview banner.
type PreviewLink struct {
	Text, Href string
}

// LiveState is what a preview response's layout needs for the live
// reload: the script, the content version the page was rendered from (the
// script reloads when the served version differs) and the content's
// problems of the moment, shown instead of a reload.
type LiveState struct {
	Script   string
	Version  string
	Problems content.Problems
}

// Story is one article as the "story" template prints it.
type Story struct {
	Article *content.Article
	Level   int  // heading level of the title: 1, 2 or 3
	Link    bool // the title links to the article's own page
	ID      string
}

// ListView is a tools or reading list as the "list" template prints it.
type ListView struct {
	List *content.List
	ID   string // anchor of the list, unique in the page
}

// Issue is /issues/{number}: the whole issue; the desk's preview of an
// issue is the same page.
type Issue struct {
	Page
	Shown *content.Issue
	Prev  *content.Issue // the issue before, or nil
	Next  *content.Issue // the issue after, or nil
}

// Article is /issues/{number}/{slug}: one article and the rest of its
// issue; the desk's preview of an article is the same page.
type Article struct {
	Page
	Article *content.Article
	Others  []*content.Article // the issue's other articles, in print order
	Lists   []*content.List    // the issue's tools and reading lists
}

// HitsPerPage is the number of hits on a search page.
const HitsPerPage = 10

// Search is /search, and the desk's /preview/search.
type Search struct {
	Page
	Query   string // as the reader typed it
	Problem string // why the query was not run, safe to show; "" when it was
	Warming bool   // the index is not ready yet
	Ran     bool   // the query was run: Hits, Total and the pager mean something
	Hits    []SearchHit
	Total   int
	More    bool // there are more than search.MaxHits
	From    int  // the number of the first hit on the page, from 1
	To      int  // and of the last
	Number  int  // this page's number
	Count   int  // the number of pages
	Prev    string
	Next    string
	Formats []FeedLink // the search's feeds
	Script  string     // versioned URL of search.js, which searches a static copy of the site
	Action  string     // where the form goes: /search, or the desk's /preview/search
}

// SearchHit is one article a search found.
type SearchHit struct {
	search.Hit
	Section string         // its title
	URL     string         // of its page
	Status  content.Status // on the editor's desk: draft or scheduled; "" when public
}
