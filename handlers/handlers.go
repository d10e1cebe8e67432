// Package handlers is the HTTP face of morningpost: every public URL, its
// pages, feeds and headers.
//
// New builds the handler of every route from its dependencies; NewServer
// builds the same with Serve and Shutdown, which run it on a listener
// with the fast path for the subscription feeds in front (serve.go).
// routes.go lists every URL in one place and mounts the public site
// (handlers/site) and the editor's desk (handlers/desk) on it; this
// package keeps the route table, the server, the fast path, metrics and
// the middleware. Handlers return errors; httpx.Status (handlers/httpx)
// decides their status and handleError writes them, logging only 5xx.
// The responses that are not errors and not a 200 are written by
// handlers/httpx.
//
// Everything readers see is built from a content.Snapshot taken per request
// from Deps.Now, so drafts never leak and a scheduled issue appears at its
// publication time without a restart.
package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/desk"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/site"
)

// The feed icon, page/static/icon.png, is drawn by geniconpng.go.
//go:generate go run geniconpng.go

// Deps is what the handlers need from the rest of the program.
type Deps struct {
	Content *content.Live // what is published
	Feeds   *feed.Cache   // the render cache: feeds, pages, pictures
	// Now is the clock every snapshot is taken at; time.Now when nil.
	// Tests pass a fake to publish scheduled issues on demand.
	Now func() time.Time
	// Logger receives server errors (5xx) only; discarded when nil.
	Logger *slog.Logger
	// Version is the program's version, shown by /healthz ("build");
	// may be empty. Pages do not carry it: their bytes, and so their
	// ETags, stay the same across builds, and the same as an export's.
	Version string
	// Sources is the store of upstream items behind /sources; nil when
	// the site reads no sources (Server.SetSources gives one later).
	Sources *upstream.Store
	// PreviewToken, when set, opens the editor's desk (/preview and its
	// pages) to requests that present it. Empty: those pages answer 404.
	PreviewToken string
	// Done, when closed, ends long-lived responses (the preview's event
	// stream), which a graceful shutdown would otherwise wait for. A
	// Server's Shutdown ends them itself; Done is for New's handler.
	Done <-chan struct{}
	// RateLimit is how many full (200) responses of one feed a client
	// may fetch per hour (httpx.Limiter); 0 switches abuse control off.
	// Conditional requests answered 304 are never limited.
	RateLimit int
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client; empty: the client is the connection's peer, whatever
	// X-Forwarded-For says.
	TrustedProxies []netip.Prefix
	// Metrics are served at /metrics; NewMetrics() when nil.
	Metrics *Metrics
	// MetricsPrivate: /metrics is served on an address of its own
	// (Metrics.Handler), and the public route answers 404.
	MetricsPrivate bool
	// AccessLog writes one line per request to Logger (observe.go).
	AccessLog bool
	// Audience keeps the audience's counts (audience.go); nil: they are
	// kept in memory only, and lost at exit.
	Audience *audience.Store
	// Search is the full-text index behind /search and the search
	// feeds (site/search.go); nil: they answer that search is unavailable.
	Search *search.Index
	// Store, when set, is reported by /healthz.
	Store *StoreStatus
	// Limits are a Server's timeouts and sizes; zero fields take
	// DefaultLimits.
	Limits Limits
	// ActivityPub is the site's fediverse account (site/activitypub.go); nil:
	// its routes answer 404.
	ActivityPub *activitypub.Service

	// sitemapMax is the most URLs in one sitemap; 0: sitemaps.org's
	// 50,000. Tests set it lower to see /sitemap.xml become an index.
	sitemapMax int
}

// DefaultRateLimit is the number of full feed responses a client may
// fetch per feed per hour unless configured otherwise (Deps.RateLimit;
// the limiter is httpx.Limiter).
const DefaultRateLimit = 60

// server holds the dependencies and everything prepared once at New.
type server struct {
	content *content.Live
	feeds   *feed.Cache
	now     func() time.Time
	log     *slog.Logger
	version string

	site *site.Site // the public site (handlers/site), mounted by routes.go
	desk *desk.Desk // the editor's desk (routes.go); nil when no preview token is configured

	metricsPrivate bool
	limiter        *httpx.Limiter // nil when abuse control is off
	trustsProxies  bool           // X-Forwarded-For names the client
	metrics        *Metrics
	accessLog      bool
	refused        refusals // 429s for the access log, a count per client per minute
	audience       *audience.Counter
	realClock      bool         // now is time.Now
	store          *StoreStatus // nil: /healthz says nothing of the store

	fast map[string]*fastRoute // the routes the fast path answers, by path (routes.go)

	search *search.Index // nil: no search on this server (site/search.go)

	fedi *activitypub.Service // nil: no fediverse account (site/activitypub.go)
}

// New returns the server with every route registered. It fails when a
// template does not parse, so a broken template stops start-up rather than
// the first request.
func New(d Deps) (*echo.Echo, error) {
	_, e, err := newServer(d)
	return e, err
}

func newServer(d Deps) (*server, *echo.Echo, error) {
	if d.Content == nil || d.Feeds == nil {
		return nil, nil, errors.New("handlers: Deps.Content and Deps.Feeds are required")
	}
	s := &server{
		content:   d.Content,
		feeds:     d.Feeds,
		now:       d.Now,
		log:       d.Logger,
		version:   d.Version,
		metrics:   d.Metrics,
		accessLog: d.AccessLog,
		store:     d.Store,
		search:    d.Search,
		fedi:      d.ActivityPub,

		trustsProxies:  len(d.TrustedProxies) > 0,
		metricsPrivate: d.MetricsPrivate,
	}
	if s.now == nil {
		s.now, s.realClock = time.Now, true
	}
	s.limiter = httpx.NewLimiter(d.RateLimit, s.now)
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if err := s.metrics.register(s.content, s.feeds); err != nil {
		return nil, nil, fmt.Errorf("handlers: metrics: %w", err)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.site, err = s.newSite(d); err != nil {
		return nil, nil, err
	}
	if s.desk, err = s.newDesk(d); err != nil {
		return nil, nil, err
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// e.Server is never started: a Server serves e with an http.Server of
	// its own (serve.go), with the timeouts of Limits.
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = httpx.IPExtractor(d.TrustedProxies)
	// Every middleware is one the fast path mirrors (routes.go).
	for _, m := range s.middleware() {
		e.Use(m.fn)
	}
	table := s.routes()
	if err := checkTable(table); err != nil {
		return nil, nil, err
	}
	s.register(e, table)
	s.fast = fastRoutes(table)
	s.metrics.bindRoutes(e)
	s.audience = s.newAudience(d.Audience)
	return s, e, nil
}
