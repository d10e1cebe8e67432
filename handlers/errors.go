package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// Errors and their statuses.
//
// A handler that cannot answer returns an error; handleError, Echo's
// HTTPErrorHandler, is the only place an error becomes a response, and
// errorStatus the only place its status is decided. An error answers
// with the status it carries (statusError, which wrapping keeps), Echo's
// own routing errors (404 for no route, 405 with Allow) with theirs, and
// anything else with 500, whose details go to the log, never to readers.
// Responses that are not errors (304, 429, 301, 303) are written by the
// helpers in respond.go.

// statusError is an error that answers with its status. Readers see the
// status's own text only; the cause is for the log (of 5xx) and for
// errors.Is.
type statusError struct {
	status int
	cause  error // nil: the status says it all
}

func (e *statusError) Error() string {
	if e.cause == nil {
		return http.StatusText(e.status)
	}
	return e.cause.Error()
}

func (e *statusError) Unwrap() error { return e.cause }

// withStatus returns err answered with status.
func withStatus(status int, err error) error { return &statusError{status: status, cause: err} }

// errNotFound is returned by handlers when the URL names nothing public:
// the page-shaped 404.
var errNotFound error = &statusError{status: http.StatusNotFound, cause: errors.New("not found")}

// badRequest is a 400 for a request the handler cannot read; why is for
// the log and tests, not shown.
func badRequest(why string) error { return withStatus(http.StatusBadRequest, errors.New(why)) }

// errorStatus is the status an error answers with: the one it carries,
// or Echo's client error, or 500.
func errorStatus(err error) int {
	var se *statusError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.As(err, &he) && he.Code >= 400 && he.Code < 500:
		return he.Code
	}
	return http.StatusInternalServerError
}

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

// handleError is the only place errors become responses. Not found is
// the page-shaped 404; method errors keep Echo's status and Allow header;
// 5xx are logged, and readers see "internal error".
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Error("error after response was written", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		return
	}
	code := errorStatus(err)
	// /issues/87/ names nothing, but the page without the slash.
	if code == http.StatusNotFound {
		if to := withoutTrailingSlash(c.Request()); to != "" {
			_ = s.movedPermanently(c, to)
			return
		}
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
