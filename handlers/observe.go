package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// observe is the outermost middleware: it lets the error handler answer
// a failed request, then counts the response in the metrics and the
// audience, and writes the access log line.
//
// The log line holds the method, the path without its query string (a
// preview token may travel there), the route, status, bytes and
// duration: no query, no headers, no cookies, no client address.
// Responses 429 have no line each: they are logged as a count per
// client per minute (refused.go).
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		w, req := c.Response(), c.Request()
		s.record(req.Context(), start, time.Since(start), req.Method, req.URL.Path, c.Path(), w.Status, w.Size, req.Header.Get("User-Agent"), httpx.ClientAddr(c))
		return nil
	}
}

// record counts a response in the metrics and the audience, and writes
// its access log line; route is the route pattern that answered, client
// the address as the limiter counts it. Both paths (net/http's and the
// fast path) call it once per response.
func (s *server) record(ctx context.Context, start time.Time, d time.Duration, method, path, route string, status int, size int64, userAgent string, client netip.Addr) {
	rm := s.metrics.route(route)
	rm.observe(status, size, d)
	if rm.audience >= 0 {
		at := start // read from the server's clock, unless a test set its own
		if !s.realClock {
			at = s.now()
		}
		s.audience.Count(&audience.Response{Feed: rm.audience, Time: at, Head: method == http.MethodHead, Status: status, Bytes: size, Client: client, UserAgent: userAgent})
	}
	if h := s.log.Handler(); s.accessLog && h.Enabled(ctx, slog.LevelInfo) {
		at := start.Add(d)
		if !s.realClock {
			at = s.now()
		}
		if status == http.StatusTooManyRequests {
			// Refusals are counted, a line per client per minute.
			s.refused.add(ctx, h, at, client)
			return
		}
		s.refused.due(ctx, h, at)
		// A record made here, without the caller's program counter,
		// which no line of this log needs and which costs a stack walk.
		r := slog.NewRecord(start.Add(d), slog.LevelInfo, "request", 0)
		r.AddAttrs(
			slog.String("method", method),
			slog.String("path", path),
			slog.String("route", rm.route),
			slog.Int("status", status),
			slog.Int64("bytes", size),
			slog.Duration("duration", d),
		)
		_ = h.Handle(ctx, r)
	}
}

// metricsHandler serves /metrics on the public address, when no
// --metrics-addr takes it away: without the names of upstream sources,
// unless an editor (preview token) asks.
func (s *server) metricsHandler(c echo.Context) error {
	if s.metricsPrivate {
		return httpx.ErrNotFound
	}
	var w http.ResponseWriter = c.Response()
	if c.Request().Method == http.MethodHead {
		w = headWriter{w}
	}
	h := s.metrics.public
	if s.desk != nil {
		w.Header()["Vary"] = hvVaryCookieAuthorization
		if s.editor(c.Request()) {
			h = s.metrics.handler
			w.Header().Set("Cache-Control", "private, no-store")
		}
	}
	h.ServeHTTP(w, c.Request())
	return nil
}

// headWriter drops the body of a response to HEAD.
type headWriter struct{ http.ResponseWriter }

func (headWriter) Write(b []byte) (int, error) { return len(b), nil }
