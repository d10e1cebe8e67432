package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// routes registers every URL the site answers. These paths are a public
// contract: feed readers and search engines remember them forever.
//
// What status a route answers: its handler writes the 200; the
// responses that are not errors are written in respond.go (304 when
// notModified in cond.go says so, 429 when server.overLimit in
// ratelimit.go decides it, 301 and 303 for redirects); an error the
// handler returns is answered by handleError, with the status
// errorStatus decides (errors.go). The subscription feeds are also
// answered by the fast path (fastpath.go, served by Server.Serve in
// serve.go), which gives the same answers byte for byte.
func (s *server) routes(e *echo.Echo) {
	// get registers h (behind the route middleware m) for GET and for
	// HEAD, which Echo does not add by itself.
	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.GET(path, h, m...)
		e.HEAD(path, h, m...)
	}

	// Pages.
	get("/", s.home)
	get("/issues", s.archive)
	get(pageRoute("/issues"), s.archive) // /issues/page/2, …
	get("/issues/:number", s.issue)
	get("/issues/:number/:slug", s.negotiated(s.article))
	get("/issues/:number/images/:hash/:name", s.image) // pictures: /issues/88/images/3f2a…/chart.png
	for _, sec := range content.Sections {
		get("/sections/"+string(sec), s.section(sec))
		get(pageRoute("/sections/"+string(sec)), s.section(sec))
	}
	get("/feeds", s.feedList)
	get("/tags", s.tags)
	get("/tags/:tag", s.tag)
	get(pageRoute("/tags/:tag"), s.tag)
	for _, f := range feed.Formats {
		get(tagFeedRoute(f), s.tagFeed(f)) // /tags/open-source/feed.atom, …
	}

	// Feeds: /feed.rss, /issues/feed.atom, /sections/lead/feed.json, …
	// Every path comes from feed.Specs, so pages, OPML and routes agree.
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			get(spec.Path(f), s.feed(spec, f))
			// Archives (RFC 5005): /archive/2026/04/feed.atom, /issues/archive/2026/04/feed.rss, …
			get(archiveRoute(spec, f), s.archiveFeed(spec, f))
		}
	}
	get("/feeds.opml", s.opml)
	// A readable page per feed: /feeds/view/feed.atom, …
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			get(feedViewPath(spec, f), s.feedView(spec, f))
		}
	}

	// The editor's desk, behind the preview token: 404 without it, and
	// 404 for everyone when no token is configured.
	get("/preview", s.previewIndex, s.requirePreview)
	get("/preview/issues/:number", s.previewIssue, s.requirePreview)
	get("/preview/issues/:number/:slug", s.previewArticle, s.requirePreview)
	get("/preview/entries/:number", s.previewEntries, s.requirePreview)
	get("/preview/events", s.previewEvents, s.requirePreview)
	get("/preview/audience", s.previewAudience, s.requirePreview)
	get("/preview/audience.json", s.previewAudienceJSON, s.requirePreview)
	get("/sources", s.sourcesIndex, s.requirePreview)
	for _, f := range feed.Formats {
		get(feed.SourcesPath(f), s.planetFeed(f), s.requireSourcesFeed)
	}

	// Machines and browsers.
	get("/healthz", s.healthz)
	get("/metrics", s.metricsHandler)
	get("/icon.png", s.staticFile("icon.png"))
	get("/favicon.ico", s.staticFile("icon.png"))
	get("/static/site.css", s.staticFile("site.css"))
	get("/static/icon.png", s.staticFile("icon.png"))
	get("/static/live.js", s.staticFile("live.js"))
	get("/robots.txt", s.robots)
	get("/sitemap.xml", s.sitemap)
	get("/sitemaps/:year", s.sitemap) // /sitemaps/2026.xml, when /sitemap.xml is an index

	// The fediverse account: WebFinger, NodeInfo, the actor, its inbox…
	// (article pages answer their ActivityPub object: s.negotiated).
	s.activityPubRoutes(e)
}

// archiveRoute is the route of feed spec's archives in format f, with
// :year and :month parameters: the routing form of spec.ArchivePath.
func archiveRoute(spec feed.Spec, f feed.Format) string {
	return spec.ArchiveDir() + "/archive/:year/:month/feed." + string(f)
}

// tagFeedRoute is the route of every tag feed in format f, with the tag
// as the parameter :tag: the routing form of feed.TagSpec(tag).Path(f).
func tagFeedRoute(f feed.Format) string { return "/tags/:tag/feed." + string(f) }
