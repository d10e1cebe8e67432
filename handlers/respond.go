package handlers

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The responses that are not errors and not a handler's 200: each is
// written here, and only here, so what statuses a route answers is its
// handler's 200, these, and the statuses of the errors it returns
// (errors.go). The fast path (fastpath.go) writes its own 200 and 304,
// which fastpath_test.go holds to the feed handler's byte for byte.

// notModifiedResponse answers 304: the headers set so far (validators,
// Cache-Control, Link), no body.
func notModifiedResponse(c echo.Context) error {
	c.Response().WriteHeader(http.StatusNotModified)
	return nil
}

// tooManyRequests answers a full feed request over the limit
// (server.overLimit): 429 with Retry-After in whole seconds, and a
// one-line body. Headers the feed handler set for a 200 are removed:
// this response is about no feed.
func tooManyRequests(c echo.Context, retryAfter time.Duration) error {
	h := c.Response().Header()
	for _, k := range []string{"Etag", "Last-Modified", "Content-Encoding", "Content-Length", "Access-Control-Allow-Origin"} {
		delete(h, k)
	}
	secs := max(1, int(math.Ceil(retryAfter.Seconds())))
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h["X-Content-Type-Options"] = hvNosniff
	c.Response().WriteHeader(http.StatusTooManyRequests)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte("too many full downloads of this feed; retry after " + strconv.Itoa(secs) +
			" seconds, or send If-None-Match to be answered 304 at any time\n"))
	}
	return nil
}

// movedPermanently answers 301 to location, a site path, for a URL
// spelt otherwise than its canonical form. The browser is sent under the
// site's base path (basepath.go).
func (s *server) movedPermanently(c echo.Context, location string) error {
	return c.Redirect(http.StatusMovedPermanently, s.sitePath(location))
}

// withoutTrailingSlash is where a GET or HEAD of a path ending in "/"
// (/issues/87/) that names nothing is sent: the path without it, query
// kept; "" for any other request. The export's nginx configuration
// answers the same.
func withoutTrailingSlash(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.Method != http.MethodGet && r.Method != http.MethodHead || len(p) < 2 || !strings.HasSuffix(p, "/") {
		return ""
	}
	// One leading slash: //host/ must not become the URL of another site.
	to := "/" + strings.Trim(p, "/")
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	return to
}

// seeOther answers 303 to location, a site path, for a request that did
// its work (the preview sign-in) and sends the browser on.
func (s *server) seeOther(c echo.Context, location string) error {
	return c.Redirect(http.StatusSeeOther, s.sitePath(location))
}
