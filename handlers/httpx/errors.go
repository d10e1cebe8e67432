package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// Errors and their statuses. A handler that cannot answer returns an
// error; Status is the only place its status is decided: the one it
// carries (StatusError, which wrapping keeps), Echo's own routing errors
// (404 for no route, 405 with Allow) theirs, and anything else 500,
// whose details go to the log, never to readers. The site's error
// handler (handlers' handleError) writes the answer, with WriteError
// unless it has a page of its own for it (the 404).

// StatusError is an error that answers with its status. Readers see the
// status's own text only; the cause is for the log (of 5xx) and for
// errors.Is.
type StatusError struct {
	status int
	cause  error // nil: the status says it all
}

func (e *StatusError) Error() string {
	if e.cause == nil {
		return http.StatusText(e.status)
	}
	return e.cause.Error()
}

func (e *StatusError) Unwrap() error { return e.cause }

// WithStatus returns err answered with status.
func WithStatus(status int, err error) error { return &StatusError{status: status, cause: err} }

// ErrNotFound is returned by handlers when the URL names nothing public:
// the page-shaped 404.
var ErrNotFound error = &StatusError{status: http.StatusNotFound, cause: errors.New("not found")}

// BadRequest is a 400 for a request the handler cannot read; why is for
// the log and tests, not shown.
func BadRequest(why string) error { return WithStatus(http.StatusBadRequest, errors.New(why)) }

// Status is the status an error answers with: the one it carries,
// or Echo's client error, or 500.
func Status(err error) int {
	var se *StatusError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.As(err, &he) && he.Code >= 400 && he.Code < 500:
		return he.Code
	}
	return http.StatusInternalServerError
}

// RecoverPanic turns a panic in a handler into an error for the error handler,
// so one bad request cannot take the server down.
func RecoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
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

// maxRequestBody is the largest request body accepted. Every route is a
// GET or HEAD, which has no use for a body; a small one is tolerated (and
// discarded), a large or unbounded (chunked) one is refused with 413 and
// the connection closed, so nobody can make the server read megabytes.
const maxRequestBody = 4 << 10

// LimitBody is the middleware that refuses a body over maxRequestBody,
// except for the requests own reports as reading and bounding their
// bodies themselves (the fediverse inboxes, up to 1 MB).
func LimitBody(own func(*http.Request) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return limitBody(next, own)
	}
}

func limitBody(next echo.HandlerFunc, own func(*http.Request) bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if own != nil && own(req) {
			return next(c)
		}
		if req.ContentLength > maxRequestBody || req.ContentLength < 0 {
			c.Response().Header().Set("Connection", "close")
			return WithStatus(http.StatusRequestEntityTooLarge, errors.New("request body too large"))
		}
		return next(c)
	}
}

// ClearForError removes the headers a failed handler may have set, which
// are not about the error's answer, and forbids storing that answer.
func ClearForError(c echo.Context) {
	h := c.Response().Header()
	for _, k := range []string{"Etag", "Last-Modified", "Content-Encoding", "Vary", "Content-Length"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
}

// WriteError writes the plain answer of an error with status code: its
// status text, or "internal error" for a 5xx, which says nothing of the
// cause.
func WriteError(c echo.Context, code int) {
	msg := http.StatusText(code)
	if code >= 500 {
		msg = "internal error"
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(code)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte(msg + "\n"))
	}
}
