// Package handlers is the HTTP face of morningpost: every public URL, its
// pages, feeds and headers.
//
// New builds the whole server from its dependencies; routes.go lists every
// URL in one place. Handlers are thin and share one rhythm: take the
// snapshot of what is public now, look up what the URL names, fill a typed
// page (or fetch the cached feed), and write it. They return errors; one
// error handler turns them into status codes, and only 5xx are logged.
//
// Everything readers see is built from a content.Snapshot taken per request
// from Deps.Now, so drafts never leak and a scheduled issue appears at its
// publication time without a restart.
package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/audience"
)

// Deps is what the handlers need from the rest of the program.
type Deps struct {
	Content *content.Live // what is published
	Feeds   *feed.Cache   // rendered feeds
	// Now is the clock every snapshot is taken at; time.Now when nil.
	// Tests pass a fake to publish scheduled issues on demand.
	Now func() time.Time
	// Logger receives server errors (5xx) only; discarded when nil.
	Logger *slog.Logger
	// Version is the program's version, shown by /healthz and in the
	// pages' generator tag; may be empty.
	Version string
	// Sources is the store of upstream items behind /sources; nil when
	// the site reads no sources (Server.SetSources gives one later).
	Sources *upstream.Store
	// PreviewToken, when set, opens the editor's desk (/preview and its
	// pages) to requests that present it. Empty: those pages answer 404.
	PreviewToken string
	// Done, when closed, ends long-lived responses (the preview's event
	// stream), which a graceful shutdown would otherwise wait for.
	Done <-chan struct{}
	// RateLimit is how many full (200) responses of one feed a client
	// may fetch per hour (ratelimit.go); 0 switches abuse control off.
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
	// Store, when set, is reported by /healthz.
	Store *StoreStatus
}

// server holds the dependencies and everything prepared once at New.
type server struct {
	content *content.Live
	feeds   *feed.Cache
	now     func() time.Time
	log     *slog.Logger
	version string
	sources atomic.Pointer[upstream.Store] // nil until the site reads sources
	planet  planetCache

	tmpl    *templates
	static  *staticFiles
	pages   *pageCache
	images  *imageCache
	headers *headerCache

	preview *previewDesk // nil when no preview token is configured

	metricsPrivate bool
	limiter        *limiter // nil when abuse control is off
	trustsProxies  bool     // X-Forwarded-For names the client
	metrics        *Metrics
	accessLog      bool
	sitemapMax     int // URLs in one sitemap; more make /sitemap.xml an index
	audience       *audience.Counter
	realClock      bool         // now is time.Now
	store          *StoreStatus // nil: /healthz says nothing of the store
}

// New returns the server with every route registered. It fails when a
// template does not parse, so a broken template stops start-up rather than
// the first request.
func New(d Deps) (*echo.Echo, error) {
	_, e, err := newServer(d)
	return e, err
}

// Server is the site's HTTP side: the Echo handler for every route, and
// Listen, which adds the fast path for the subscription feeds.
type Server struct {
	*echo.Echo
	s      *server
	routes map[string]*fastRoute // by path: the subscription feeds
}

// NewServer is New, keeping what Listen needs.
func NewServer(d Deps) (*Server, error) {
	s, e, err := newServer(d)
	if err != nil {
		return nil, err
	}
	h := &Server{Echo: e, s: s, routes: map[string]*fastRoute{}}
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			h.routes[spec.Path(f)] = &fastRoute{path: spec.Path(f), spec: spec, format: f}
		}
	}
	return h, nil
}

// Audience is the counter of the feeds' audience; Run it to write the
// counts to the store.
func (h *Server) Audience() *audience.Counter { return h.s.audience }

// SetSources gives the handlers the store of upstream items, for a site
// that starts reading sources while the server runs.
func (h *Server) SetSources(st *upstream.Store) { h.s.sources.Store(st) }

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
		planet:    planetCache{last: map[feed.Format]planetEntry{}},
		pages:     newPageCache(),
		images:    newImageCache(),
		headers:   newHeaderCache(),
		metrics:   d.Metrics,
		accessLog: d.AccessLog,
		store:     d.Store,

		trustsProxies:  len(d.TrustedProxies) > 0,
		metricsPrivate: d.MetricsPrivate,
		sitemapMax:     sitemapMaxURLs,
	}
	s.sources.Store(d.Sources)
	if s.now == nil {
		s.now, s.realClock = time.Now, true
	}
	s.limiter = newLimiter(d.RateLimit, s.now)
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
	if s.tmpl, err = parseTemplates(nil); err != nil {
		return nil, nil, err
	}
	if s.static, err = loadStatic(); err != nil {
		return nil, nil, err
	}
	if s.preview, err = s.newPreviewDesk(d.PreviewToken, d.Done); err != nil {
		return nil, nil, err
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Echo's server has no timeouts by default; a slow client must not
	// hold a connection forever. cmd may serve e with its own http.Server.
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.ReadTimeout = 30 * time.Second
	e.Server.WriteTimeout = 60 * time.Second
	e.Server.IdleTimeout = 120 * time.Second
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(d.TrustedProxies)
	e.Use(s.observe, limitBody, recoverPanic)
	e.Use(s.previewLogin)
	s.routes(e)
	s.metrics.bindRoutes(e)
	s.audience = s.newAudience(d.Audience)
	return s, e, nil
}

// errNotFound is returned by handlers when the URL names nothing public.
var errNotFound = errors.New("not found")

// recoverPanic turns a panic in a handler into an error for handleError,
// so one bad request cannot take the server down.
func recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		return next(c)
	}
}

// handleError is the only place errors become status codes. Not found is
// the page-shaped 404; method errors keep Echo's status and Allow header;
// everything else is a 500 whose details go to the log, never to readers.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Error("error after response was written", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		return
	}
	code := http.StatusInternalServerError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, errNotFound):
		code = http.StatusNotFound
	case errors.As(err, &he) && he.Code >= 400 && he.Code < 500:
		code = he.Code
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	}
	h := c.Response().Header()
	// Headers a failed handler may have set are not about this response.
	for _, k := range []string{"Etag", "Last-Modified", "Content-Encoding", "Vary", "Content-Length"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
	if code == http.StatusNotFound {
		err := s.writeNotFound(c)
		if err == nil {
			return
		}
		s.log.Error("rendering the not-found page", "error", err)
	}
	msg := http.StatusText(code)
	if code >= 500 {
		msg = "internal error"
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(code)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte(msg + "\n"))
	}
}
