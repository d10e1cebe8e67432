package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// observe is the outermost middleware: it lets the error handler answer
// a failed request, then counts the response in the metrics, records the
// subscribers a feed aggregator reports, and writes the access log line.
//
// The log line holds the method, the path without its query string (a
// preview token may travel there), the route, status, bytes and
// duration: no query, no headers, no cookies, no client address.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		w, req := c.Response(), c.Request()
		rm := s.metrics.route(c.Path())
		rm.observe(w.Status, w.Size, d)
		if rm.feed {
			rm.observeSubscribers(req.Header.Get("User-Agent"))
		}
		if h := s.log.Handler(); s.accessLog && h.Enabled(req.Context(), slog.LevelInfo) {
			// A record made here, without the caller's program counter,
			// which no line of this log needs and which costs a stack walk.
			r := slog.NewRecord(start.Add(d), slog.LevelInfo, "request", 0)
			r.AddAttrs(
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", rm.route),
				slog.Int("status", w.Status),
				slog.Int64("bytes", w.Size),
				slog.Duration("duration", d),
			)
			_ = h.Handle(req.Context(), r)
		}
		return nil
	}
}

// maxRequestBody is the largest request body accepted. Every route is a
// GET or HEAD, which has no use for a body; a small one is tolerated (and
// discarded), a large or unbounded (chunked) one is refused with 413 and
// the connection closed, so nobody can make the server read megabytes.
const maxRequestBody = 4 << 10

func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > maxRequestBody || req.ContentLength < 0 {
			c.Response().Header().Set("Connection", "close")
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return next(c)
	}
}

// metricsHandler serves /metrics.
func (s *server) metricsHandler(c echo.Context) error {
	var w http.ResponseWriter = c.Response()
	if c.Request().Method == http.MethodHead {
		w = headWriter{w}
	}
	s.metrics.Handler().ServeHTTP(w, c.Request())
	return nil
}

// headWriter drops the body of a response to HEAD.
type headWriter struct{ http.ResponseWriter }

func (headWriter) Write(b []byte) (int, error) { return len(b), nil }
