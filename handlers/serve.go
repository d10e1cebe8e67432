package handlers

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// Limits are the server's timeouts and sizes. One set, fixed at
// NewServer, governs net/http and the fast path alike, so a connection
// is held to the same rules whichever of them answers it.
type Limits struct {
	// ReadHeaderTimeout: a client that has not sent its headers within
	// it is cut off (a slow-headers attack).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request.
	ReadTimeout time.Duration
	// WriteTimeout bounds the writing of a response: feeds are small, so
	// it is generous for slow readers without letting a connection live
	// for ever.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int
}

// DefaultLimits are the limits of a Server whose Deps.Limits leave them
// zero.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
}

// orDefault is l with its zero fields taken from DefaultLimits.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	return Limits{
		ReadHeaderTimeout: cmp.Or(l.ReadHeaderTimeout, d.ReadHeaderTimeout),
		ReadTimeout:       cmp.Or(l.ReadTimeout, d.ReadTimeout),
		WriteTimeout:      cmp.Or(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout:       cmp.Or(l.IdleTimeout, d.IdleTimeout),
		MaxHeaderBytes:    cmp.Or(l.MaxHeaderBytes, d.MaxHeaderBytes),
	}
}

// HTTPServer is an http.Server for h with the limits l (zero fields:
// the defaults), whose own errors (a failed accept, a malformed request)
// go to log as warnings. A Server makes its own; this is for the other
// addresses a program serves, such as a private /metrics.
func (l Limits) HTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	l = l.orDefault()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Server is the site's HTTP side: every route (an http.Handler), and
// Serve and Shutdown, which run it on a listener with the fast path for
// the subscription feeds in front of net/http.
//
// The Server owns both: the http.Server that answers what the fast path
// hands over (its Handler, timeouts and ConnContext are the Server's),
// and the fast path's listeners. So the fast path always hands over to
// the server serving these routes, with the same limits, and Shutdown
// stops them in the one order that loses no response.
type Server struct {
	e      *echo.Echo
	s      *server
	routes map[string]*fastRoute // by path: the routes the fast path answers (routes.go)
	limits Limits
	http   *http.Server

	stop     chan struct{} // closed at Shutdown: ends long-lived responses
	stopOnce sync.Once

	mu     sync.Mutex
	fast   []*Listener // what Serve listens on
	closed bool        // Shutdown was called
}

// NewServer is New, with what Serve needs. Deps.Done, when set, ends
// long-lived responses as well as Shutdown does.
func NewServer(d Deps) (*Server, error) {
	stop := make(chan struct{})
	if d.Done != nil {
		either := make(chan struct{})
		go func(done <-chan struct{}) {
			select {
			case <-done:
			case <-stop:
			}
			close(either)
		}(d.Done)
		d.Done = either
	} else {
		d.Done = stop
	}
	s, e, err := newServer(d)
	if err != nil {
		close(stop)
		return nil, err
	}
	h := &Server{e: e, s: s, routes: s.fast, limits: d.Limits.orDefault(), stop: stop}
	h.http = h.limits.HTTPServer(e, s.log)
	h.http.ConnContext = httpx.ConnContext
	return h, nil
}

// ServeHTTP answers a request through net/http and Echo, as every
// request the fast path does not answer is.
func (h *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.e.ServeHTTP(w, r) }

// Audience is the counter of the feeds' audience; Run it to write the
// counts to the store.
func (h *Server) Audience() *audience.Counter { return h.s.audience }

// SetSources gives the handlers the store of upstream items, for a site
// that starts reading sources while the server runs.
func (h *Server) SetSources(st *upstream.Store) { h.s.site.SetSources(st) }

// Serve answers the connections ln accepts until Shutdown: plain feed
// requests on the fast path (fastpath.go), everything else through
// net/http with the Server's limits. It closes ln, and returns
// http.ErrServerClosed once Shutdown has been called.
func (h *Server) Serve(ln net.Listener) error {
	l, err := h.listen(ln)
	if err != nil {
		return err
	}
	return h.http.Serve(l)
}

// listen puts the fast path in front of ln.
func (h *Server) listen(ln net.Listener) (*Listener, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		ln.Close()
		return nil, http.ErrServerClosed
	}
	l := newListener(ln, h)
	h.fast = append(h.fast, l)
	return l, nil
}

// Shutdown stops the server gracefully, in this order: long-lived
// responses (the preview's event stream) are ended; net/http closes the
// listeners (the fast path's, which stop accepting and close their idle
// connections) and finishes its requests in flight; then the responses
// the fast path is writing are finished. When ctx ends first, the
// connections left are closed and the error is ctx's.
func (h *Server) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	fast := slices.Clone(h.fast)
	h.mu.Unlock()
	h.stopOnce.Do(func() { close(h.stop) })
	err := h.http.Shutdown(ctx)
	if err != nil {
		_ = h.http.Close()
	}
	for _, l := range fast {
		err = errors.Join(err, l.Shutdown(ctx))
	}
	h.s.refused.flush(context.Background(), h.s.log.Handler()) // the last minute's refusals
	return err
}
