// Package site is the public site of morningpost: its pages, feeds,
// archives, tags, search, sitemap, OPML, pictures, static files, the
// readable view of a feed, the sources' feed and the fediverse
// account's answers.
//
// It makes handlers and leaves the route table to handlers (routes.go),
// which mounts them: a Site's exported methods are the handlers and the
// handler constructors of the table's public lines. Handlers are thin
// and share one rhythm: take the snapshot of what is public now, look up
// what the URL names, fill a typed page (or fetch the cached feed), and
// write it. They return errors; httpx.Status (handlers/httpx) decides
// their status and the server's error handler writes them.
//
// It imports neither handlers nor the editor's desk (handlers/desk): what
// it needs of the desk (is this request an editor's, the preview form of
// a page) it is given as functions (Deps).
package site

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// Deps is what the public site needs from the server that mounts it.
type Deps struct {
	Content *content.Live    // what is published
	Feeds   *feed.Cache      // the render cache: feeds, pages, pictures
	Now     func() time.Time // the clock every snapshot is taken at
	Log     *slog.Logger     // server errors
	// Sources is the store of upstream items; nil until the site reads
	// sources (Site.SetSources).
	Sources *upstream.Store
	// Limiter is the abuse control of full responses; nil when off.
	Limiter *httpx.Limiter
	// Search is the full-text index; nil: no search.
	Search *search.Index
	// SearchPages is the cache of search pages, apart from Feeds.
	SearchPages *feed.Cache
	// Fedi is the fediverse account; nil: its lines answer 404.
	Fedi *activitypub.Service
	// SitemapMax is how many URLs one sitemap holds; more make
	// /sitemap.xml an index. 0: sitemaps.org's limit, 50,000.
	SitemapMax int
	// Editor reports whether a request is an editor's (the desk's
	// Desk.Editor); nil: no request is.
	Editor func(*http.Request) bool
	// Preview answers a page for an editor, in preview mode (the desk's
	// Desk.PreviewModePage); called only when Editor says so.
	Preview func(c echo.Context, name string, snap *content.Snapshot, fill func(*content.Snapshot) (any, error)) error
	// Require is the editor's guard (the desk's Desk.Require), and
	// TokenOK checks the preview token (Desk.TokenOK): the sources' feed
	// takes them when the site keeps it private.
	Require echo.MiddlewareFunc
	TokenOK func(string) bool
}

// Site holds the public site's dependencies and what is prepared once.
type Site struct {
	content *content.Live
	feeds   *feed.Cache
	now     func() time.Time
	log     *slog.Logger
	sources atomic.Pointer[upstream.Store] // nil until the site reads sources

	tmpl   *templates
	static *staticFiles
	icon   siteIcon // the site's own icon (icon:), made ready once per picture

	isEditor   func(*http.Request) bool
	preview    func(c echo.Context, name string, snap *content.Snapshot, fill func(*content.Snapshot) (any, error)) error
	require    echo.MiddlewareFunc
	tokenOK    func(string) bool
	limiter    *httpx.Limiter
	sitemapMax int

	search      *search.Index
	searchPages *feed.Cache
	fedi        *activitypub.Service
}

// New makes the public site. It fails when a template does not parse or
// a static file cannot be read.
func New(d Deps) (*Site, error) {
	s := &Site{
		content:     d.Content,
		feeds:       d.Feeds,
		now:         d.Now,
		log:         d.Log,
		isEditor:    d.Editor,
		preview:     d.Preview,
		require:     d.Require,
		tokenOK:     d.TokenOK,
		limiter:     d.Limiter,
		sitemapMax:  d.SitemapMax,
		search:      d.Search,
		searchPages: d.SearchPages,
		fedi:        d.Fedi,
	}
	if s.sitemapMax == 0 {
		s.sitemapMax = sitemapMaxURLs
	}
	s.sources.Store(d.Sources)
	var err error
	if s.tmpl, err = page.Parse(nil); err != nil {
		return nil, err
	}
	if s.static, err = page.LoadStatic(); err != nil {
		return nil, err
	}
	return s, nil
}

// Static is the site's embedded static files, which the desk serves too.
func (s *Site) Static() *page.Static { return s.static }

// SetSources gives the site the store of upstream items.
func (s *Site) SetSources(st *upstream.Store) { s.sources.Store(st) }

// Sources is the store of upstream items; nil when the site reads none.
func (s *Site) Sources() *upstream.Store { return s.sources.Load() }

// editor reports whether r comes from an editor (Deps.Editor).
func (s *Site) editor(r *http.Request) bool { return s.isEditor != nil && s.isEditor(r) }
