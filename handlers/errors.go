package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/httpx"
)

// Errors and their statuses.
//
// A handler that cannot answer returns an error; handleError, Echo's
// HTTPErrorHandler, is the only place an error becomes a response, and
// httpx.Status (handlers/httpx/errors.go) the only place its status is
// decided. Responses that are not errors (304, 429, 301, 303) are
// written by handlers/httpx too.

// handleError is the only place errors become responses. Not found is
// the page-shaped 404; method errors keep Echo's status and Allow header;
// 5xx are logged, and readers see "internal error".
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.log.Error("error after response was written", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		return
	}
	code := httpx.Status(err)
	// /issues/87/ names nothing, but the page without the slash.
	if code == http.StatusNotFound {
		if to := httpx.WithoutTrailingSlash(c.Request()); to != "" {
			_ = s.site.MovedPermanently(c, to)
			return
		}
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	}
	httpx.ClearForError(c)
	if code == http.StatusNotFound {
		err := s.site.WriteNotFound(c)
		if err == nil {
			return
		}
		s.log.Error("rendering the not-found page", "error", err)
	}
	httpx.WriteError(c, code)
}
