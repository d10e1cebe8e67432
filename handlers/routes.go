package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/desk"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/site"
)

// The route table: every URL the site answers, in one list. These paths
// are a public contract: feed readers and search engines remember them
// forever. Everything else about a route is derived from its line here:
//
//   - Echo registers it for GET and HEAD (Echo adds no HEAD by itself),
//     or for the methods the line names (register);
//   - a private route is the editor's desk's (handlers/desk), behind the
//     preview token (s.desk.Require, desk/preview_auth.go): 404 without
//     it, and for everyone when no token is configured; a line may name a
//     guard of its own instead;
//   - the fast path (fastpath.go) answers the lines made by subscription,
//     and no other (fastRoutes);
//   - the export (handlers/export, run by cmd/morningpost) starts its
//     crawl at the roots and never writes a private or machine route,
//     even when a page links to one (ExportRoots, NotExported).
//
// So "which URLs exist, which are public, which the export writes" is
// answered here.
//
// How a route answers, one hop from here:
//
//   - A public line's handler is a method of s.site, the public site
//     (handlers/site, made by newSite below); a private line's is one of
//     s.desk, the editor's desk (handlers/desk, newDesk). Neither package
//     imports the other: what each needs of the other, newSite and
//     newDesk hand over as functions.
//   - What it shows is s.content.At(now), the snapshot of what is public
//     now (content.Content.At, content/publish.go): drafts and scheduled
//     issues are not in it (Snapshot.add), and its entries are dated by
//     the record of when each first went public (Content.date,
//     content/record.go), which is where an article added to an issue
//     already out gets its own date.
//   - Every cached response (feed, page, OPML, sitemap, picture, static
//     file) is one feed.Response, whose ETag is feed.ETag of its bytes
//     (feed/cache.go), and is written by httpx.Write
//     (handlers/httpx/write.go): 304 when httpx.NotModified says so, 429
//     when httpx.Limiter.Over decides it. The fast path writes the same
//     header block (httpx.Block).
//   - An error a handler returns is answered by handleError (errors.go),
//     with the status httpx.Status decides.
//   - The editor's live reload is s.desk.Events (handlers/desk/events.go),
//     fed by content.Live.Subscribe; upstream items were sanitised by
//     upstream's cleanItem before the store kept them (site/sources.go says
//     so).
//   - A fediverse delivery goes out from activitypub.Service.Publish
//     (feed/activitypub/publish.go), which queues each activity in the
//     store for its followers' inboxes (queue.go); cmd/morningpost's
//     startActivityPub runs it. The /ap/ lines below only answer.
//   - A search is answered by content/search's Index.Search
//     (content/search/index.go), which the line /search's s.site.SearchPage
//     asks through the site's runSearch (site/search.go), and the desk's
//     search too.
//
// The export derives its URL set from a table made with a server of no
// dependencies (exportSet): a route's handler may use the server only
// when it answers a request, never when it is made.
func (s *server) routes() []route {
	t := []route{
		// Pages.
		{path: "/", kind: kindPage, h: s.site.Home, root: true},
		{path: "/issues", kind: kindPage, h: s.site.Archive, root: true},
		{path: site.PageRoute("/issues"), kind: kindPage, h: s.site.Archive}, // /issues/page/2, …
		{path: "/issues/:number", kind: kindPage, h: s.site.Issue},
		{path: "/issues/:number/:slug", kind: kindPage, h: s.site.Negotiated(s.site.Article)}, // or its ActivityPub object (site/activitypub.go)
		{path: "/issues/:number/images/:hash/:name", kind: kindAsset, h: s.site.Image},        // pictures: /issues/88/images/3f2a…/chart.png
	}
	for _, sec := range content.Sections {
		t = append(t,
			route{path: "/sections/" + string(sec), kind: kindPage, h: s.site.Section(sec)},
			route{path: site.PageRoute("/sections/" + string(sec)), kind: kindPage, h: s.site.Section(sec)})
	}
	t = append(t,
		route{path: "/feeds", kind: kindPage, h: s.site.FeedList, root: true},
		route{path: "/tags", kind: kindPage, h: s.site.Tags},
		route{path: "/tags/:tag", kind: kindPage, h: s.site.Tag},
		route{path: site.PageRoute("/tags/:tag"), kind: kindPage, h: s.site.Tag})
	for _, f := range feed.Formats {
		t = append(t, route{path: tagFeedRoute(f), kind: kindFeed, h: s.site.TagFeed(f)}) // /tags/open-source/feed.atom, …
	}

	// Feeds: /feed.rss, /issues/feed.atom, /sections/lead/feed.json, …
	// Every path comes from feed.Specs, so pages, OPML and routes agree.
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			t = append(t,
				s.subscription(spec, f),
				// Archives (RFC 5005): /archive/2026/04/feed.atom, /issues/archive/2026/04/feed.rss, …
				route{path: archiveRoute(spec, f), kind: kindArchive, h: s.site.ArchiveFeed(spec, f)})
		}
	}
	t = append(t, route{path: "/feeds.opml", kind: kindAsset, h: s.site.OPML, root: true})

	// Search (site/search.go): the page, its feeds, and its description for
	// browsers. A static copy searches in the browser: /search with
	// /search/index.json and /static/search.js.
	t = append(t, route{path: "/search", kind: kindPage, h: s.site.SearchPage, root: true})
	for _, f := range feed.Formats {
		t = append(t, route{path: "/search/feed." + string(f), kind: kindQuery, h: s.site.SearchFeed(f)})
	}
	t = append(t,
		route{path: "/opensearch.xml", kind: kindAsset, h: s.site.OpenSearch},
		route{path: "/search/index.json", kind: kindAsset, h: s.site.SearchIndex},
		route{path: "/static/search.js", kind: kindAsset, h: s.site.StaticFile("search.js")})

	// A readable page per feed: /feeds/view/feed.atom, …
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			t = append(t, route{path: site.FeedViewPath(spec, f), kind: kindPage, h: s.site.FeedView(spec, f)})
		}
	}

	// The editor's desk (handlers/desk), behind s.desk.Require. s.desk
	// is nil without a token: these method values are never called then.
	t = append(t,
		route{path: "/preview", kind: kindPrivate, h: s.desk.Index},
		route{path: "/preview/issues/:number", kind: kindPrivate, h: s.desk.Issue},
		route{path: "/preview/issues/:number/:slug", kind: kindPrivate, h: s.desk.Article},
		route{path: "/preview/entries/:number", kind: kindPrivate, h: s.desk.Entries},
		route{path: "/preview/events", kind: kindPrivate, h: s.desk.Events},
		route{path: "/preview/audience", kind: kindPrivate, h: s.desk.Audience},
		route{path: "/preview/audience.json", kind: kindPrivate, h: s.desk.AudienceJSON},
		route{path: "/preview/search", kind: kindPrivate, h: s.desk.Search}, // drafts too
		route{path: "/sources", kind: kindPrivate, h: s.desk.Sources})
	for _, f := range feed.Formats {
		// Public when the site says so, else the editor's (site/sources.go).
		t = append(t, route{path: feed.SourcesPath(f), kind: kindFeed, h: s.site.PlanetFeed(f), guard: s.site.RequireSourcesFeed, root: true})
	}

	// Machines and browsers.
	t = append(t,
		route{path: "/healthz", kind: kindMachine, h: s.healthz},
		route{path: "/metrics", kind: kindMachine, h: s.metricsHandler},
		route{path: "/icon.png", kind: kindAsset, h: s.site.StaticFile("icon.png"), root: true},
		route{path: "/favicon.ico", kind: kindAsset, h: s.site.StaticFile("icon.png"), root: true},
		route{path: "/static/site.css", kind: kindAsset, h: s.site.StaticFile("site.css")},
		route{path: "/static/icon.png", kind: kindAsset, h: s.site.StaticFile("icon.png")},
		route{path: "/static/live.js", kind: kindAsset, h: s.site.StaticFile("live.js")},
		route{path: "/robots.txt", kind: kindAsset, h: s.site.Robots, root: true},
		route{path: "/sitemap.xml", kind: kindAsset, h: s.site.Sitemap, root: true},
		route{path: "/sitemaps/:year", kind: kindAsset, h: s.site.Sitemap}) // /sitemaps/2026.xml, when /sitemap.xml is an index

	// The fediverse account (site/activitypub.go, feed/activitypub): 404
	// without activitypub: in morningpost.yaml. Article pages answer
	// their ActivityPub object (s.site.Negotiated, above). Machine lines, so
	// never crawled; the export writes the static forms of all but the
	// inboxes and followers instead, as activitypub.Service.Static lists
	// them (export.Options.Extra).
	t = append(t,
		route{path: "/.well-known/webfinger", kind: kindMachine, h: s.site.FediPlain(s.site.FediWebFinger)},
		route{path: "/.well-known/host-meta", kind: kindMachine, h: s.site.FediPlain(s.site.FediHostMeta)},
		route{path: "/.well-known/nodeinfo", kind: kindMachine, h: s.site.FediPlain(s.site.FediNodeInfoLinks)},
		route{path: "/nodeinfo/2.1", kind: kindMachine, h: s.site.FediPlain(s.site.FediNodeInfo)},
		route{path: "/ap/:name", kind: kindMachine, h: s.site.FediNamed(s.site.FediActor)},
		route{path: "/ap/:name/outbox", kind: kindMachine, h: s.site.FediNamed(s.site.FediOutbox)},
		route{path: "/ap/:name/followers", kind: kindMachine, h: s.site.FediNamed(s.site.FediFollowers)},
		route{path: "/ap/:name/following", kind: kindMachine, h: s.site.FediNamed(s.site.FediFollowing)},
		route{path: "/ap/:name/inbox", kind: kindMachine, h: s.site.FediInbox, methods: post},
		route{path: "/ap/inbox", kind: kindMachine, h: s.site.FediInbox, methods: post}) // the shared inbox
	return t
}

// middleware is what Echo runs, in this order, before every route's
// handler. The fast path answers the subscription feeds without Echo, so
// each says how the fast path does the same; TestFastPathMirrorsEveryMiddleware
// holds the package to registering middleware here only.
func (s *server) middleware() []middleware {
	return []middleware{
		{s.observe, "answer calls s.record: metrics, access log and audience"},
		{httpx.LimitBody(site.IsInbox), "parseFastRequest hands over any request with a body"},
		{httpx.RecoverPanic, "getFeed recovers a panic and hands the request over"},
		{s.desk.Login, "it acts on ?token= only, and the fast path answers no query"},
	}
}

// kind is who a route is for, which decides its guard and whether the
// export writes it.
type kind int

const (
	kindPage    kind = iota // an HTML page for readers; exported
	kindFeed                // a feed to subscribe to (RSS, Atom, JSON Feed); exported
	kindArchive             // an RFC 5005 archive of a feed; exported
	kindAsset               // a picture, a static file, robots.txt, a sitemap, OPML; exported
	kindPrivate             // the editor's desk: behind the preview token, never exported
	kindMachine             // about the running server (health, metrics): public, never exported
	kindQuery               // answers a query string (the search feeds): public, never exported, since a file cannot hold it
)

// exported reports whether the export writes routes of kind k.
func (k kind) exported() bool { return k != kindPrivate && k != kindMachine && k != kindQuery }

// route is one line of the table.
type route struct {
	path string // Echo's pattern: /issues/:number
	kind kind
	h    echo.HandlerFunc
	// root: the export's crawl starts here; what it links to is found.
	root bool
	// guard, when set, runs before h instead of the kind's own guard (a
	// private route's is s.desk.Require).
	guard echo.MiddlewareFunc
	// methods are the methods it answers; nil: GET and HEAD.
	methods []string
	// fast: the fast path answers it (set by subscription only).
	fast *fastRoute
}

// middleware is one function Echo runs before every handler, and how the
// fast path does the same for the requests it answers.
type middleware struct {
	fn     echo.MiddlewareFunc
	mirror string
}

// subscription is the route of a subscription feed, which the fast path
// answers as well as Echo (fastpath.go).
func (s *server) subscription(spec feed.Spec, f feed.Format) route {
	p := spec.Path(f)
	return route{path: p, kind: kindFeed, h: s.site.Feed(spec, f), root: true, fast: &fastRoute{path: p, spec: spec, format: f}}
}

var (
	getHead = []string{http.MethodGet, http.MethodHead}
	post    = []string{http.MethodPost}
)

// register adds the table's routes to e, each behind its guard.
func (s *server) register(e *echo.Echo, table []route) {
	for _, r := range table {
		var m []echo.MiddlewareFunc
		switch {
		case r.guard != nil:
			m = append(m, r.guard)
		case r.kind == kindPrivate:
			m = append(m, s.desk.Require)
		}
		methods := r.methods
		if methods == nil {
			methods = getHead
		}
		for _, method := range methods {
			e.Add(method, r.path, r.h, m...)
		}
	}
}

// checkTable refuses a table the rest of the server cannot derive its
// facts from: a path listed twice, or a fast route that is not a plain
// public feed (the fast path runs no guard and reads no parameter).
func checkTable(table []route) error {
	seen := map[string]bool{}
	var errs []error
	for _, r := range table {
		if seen[r.path] {
			errs = append(errs, fmt.Errorf("handlers: route %s is listed twice", r.path))
		}
		seen[r.path] = true
		if r.fast != nil && (r.kind != kindFeed || r.guard != nil || r.methods != nil || strings.Contains(r.path, ":")) {
			errs = append(errs, fmt.Errorf("handlers: route %s has a guard, a parameter or methods of its own, which the fast path would not honour", r.path))
		}
		if r.root && (!r.kind.exported() || strings.Contains(r.path, ":")) {
			errs = append(errs, fmt.Errorf("handlers: route %s is an export root but is not exported or has parameters", r.path))
		}
	}
	return errors.Join(errs...)
}

// fastRoutes are the routes the fast path answers, by path.
func fastRoutes(table []route) map[string]*fastRoute {
	m := map[string]*fastRoute{}
	for _, r := range table {
		if r.fast != nil {
			m[r.path] = r.fast
		}
	}
	return m
}

// exportSet is the export's URL set, derived once from the table of a
// server with no dependencies (its handlers are made, never called):
// the roots, the patterns never exported, and the archives' patterns.
var exportSet = sync.OnceValue(func() (set struct{ roots, never, archives []string }) {
	for _, r := range (&server{}).routes() {
		if r.root {
			set.roots = append(set.roots, r.path)
		}
		if r.kind == kindArchive {
			set.archives = append(set.archives, r.path)
		}
		if !r.kind.exported() {
			set.never = append(set.never, r.path)
		}
	}
	return set
})

// ExportRoots are the paths an export's crawl starts from; everything
// else it writes is found by following links from them, so a URL added
// to the site is exported without a change here. A root that answers
// 404 (the sitemap of a site without one, the sources' feed when it is
// private) is left out of the export.
func ExportRoots() []string {
	return slices.Clone(exportSet().roots)
}

// NotExported reports whether the URL path p is never part of an
// export, even when a page links to it: a private route (the editor's
// desk, the sources' page) or a machine's (health, metrics), which
// describe a running server.
func NotExported(p string) bool {
	return slices.ContainsFunc(exportSet().never, func(pattern string) bool { return matchRoute(pattern, p) })
}

// GzipOnly reports whether the export gives the document at p a .gz
// and no .br: a feed's monthly archive (RFC 5005, a kindArchive line,
// such as /issues/archive/2026/04/feed.atom). Readers fetch an archive
// rarely (a reader reconstructing a feed's history, once), and brotli
// costs several times gzip's CPU for files 9% smaller: on a 1,000-issue
// archive, 714 archive documents of 148 MB are 24.6 MB in brotli and
// 26.9 MB in gzip, and brotli of them was a quarter of a fresh export's
// CPU. A host that serves .br files then sends those readers gzip;
// serve still sends brotli.
func GzipOnly(p string) bool {
	return slices.ContainsFunc(exportSet().archives, func(pattern string) bool { return matchRoute(pattern, p) })
}

// matchRoute reports whether path p matches Echo's pattern, whose
// :name segments match any one segment.
func matchRoute(pattern, p string) bool {
	for {
		ps, prest, pmore := strings.Cut(pattern, "/")
		s, rest, more := strings.Cut(p, "/")
		if pmore != more || (ps != s && (!strings.HasPrefix(ps, ":") || s == "")) {
			return false
		}
		if !more {
			return true
		}
		pattern, p = prest, rest
	}
}

// archiveRoute is the route of feed spec's archives in format f, with
// :year and :month parameters: the routing form of spec.ArchivePath.
func archiveRoute(spec feed.Spec, f feed.Format) string {
	return spec.ArchiveDir() + "/archive/:year/:month/feed." + string(f)
}

// tagFeedRoute is the route of every tag feed in format f, with the tag
// as the parameter :tag: the routing form of feed.TagSpec(tag).Path(f).
func tagFeedRoute(f feed.Format) string { return "/tags/:tag/feed." + string(f) }

// newDesk makes the editor's desk (handlers/desk), or nil without a
// preview token, with what it shows of the public site.
func (s *server) newDesk(d Deps) (*desk.Desk, error) {
	return desk.New(desk.Deps{
		Token:     d.PreviewToken,
		Content:   s.content,
		Feeds:     s.feeds,
		Now:       s.now,
		Static:    s.site.Static(),
		Done:      d.Done,
		Search:    s.search,
		NewPage:   s.site.NewPage,
		Sources:   s.site.Sources,
		Audience:  func() *audience.Counter { return s.audience },
		Fediverse: s.site.FediverseStats,
	})
}

// editor reports whether r comes from an editor (the preview token or
// its cookie; Desk.Editor): the one check behind every answer that
// differs for editors. The desk's routes answer 404 without it
// (Desk.Require); a public page carries the live reload with it
// (the site's pageIn), a draft's picture is served (s.site.Image), and /healthz and
// /metrics say more.
func (s *server) editor(r *http.Request) bool { return s.desk.Editor(r) }

// hvVaryCookieAuthorization is the Vary of an answer that differs for
// editors (/healthz, /metrics), when the desk is on.
var hvVaryCookieAuthorization = []string{"Cookie, Authorization"}

// newSite makes the public site (handlers/site), with what it needs of
// the desk: the desk is made after it (it shows the site's pages), so
// these ask s.desk when called.
func (s *server) newSite(d Deps) (*site.Site, error) {
	return site.New(site.Deps{
		Content: s.content,
		Feeds:   s.feeds,
		Now:     s.now,
		Log:     s.log,
		Sources: d.Sources,
		Limiter: s.limiter,
		Search:  s.search,
		// Search pages are kept apart, so that searches never push
		// feeds and pages out of the render cache.
		SearchPages: feed.NewCache(site.SearchCacheBytes),
		Fedi:        s.fedi,
		SitemapMax:  d.sitemapMax,
		Editor:      s.editor,
		Preview: func(c echo.Context, name string, snap *content.Snapshot, fill func(*content.Snapshot) (any, error)) error {
			return s.desk.PreviewModePage(c, name, snap, fill)
		},
		Require: func(next echo.HandlerFunc) echo.HandlerFunc { return s.desk.Require(next) },
		TokenOK: func(token string) bool { return s.desk.TokenOK(token) },
	})
}
