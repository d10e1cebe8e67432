package httpx

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
// (errors.go). The fast path (handlers/fastpath.go) writes its own 200
// and 304 from the same Block, which its tests hold to Write's byte for
// byte.

// notModified answers 304: the headers set so far (validators,
// Cache-Control, Link), no body.
func notModified(c echo.Context) error {
	c.Response().WriteHeader(http.StatusNotModified)
	return nil
}

// tooManyRequests answers a full download over the limit (Limiter.Over):
// 429 with Retry-After in whole seconds, and a one-line body. Its header
// block is its own: it is about no document, so it has no validators,
// no encoding and no CORS; it keeps the document's Link and Vary.
func tooManyRequests(c echo.Context, retryAfter time.Duration, link, vary []string) error {
	h := c.Response().Header()
	secs := max(1, int(math.Ceil(retryAfter.Seconds())))
	h["Cache-Control"] = hvNoStore
	h["Content-Type"] = hvPlainText
	if link != nil {
		h["Link"] = link
	}
	h["Retry-After"] = []string{strconv.Itoa(secs)}
	h["Vary"] = vary
	h["X-Content-Type-Options"] = Nosniff
	c.Response().WriteHeader(http.StatusTooManyRequests)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write([]byte("too many full downloads of this feed; retry after " + strconv.Itoa(secs) +
			" seconds, or send If-None-Match to be answered 304 at any time\n"))
	}
	return nil
}

var (
	hvNoStore   = []string{"no-store"}
	hvPlainText = []string{"text/plain; charset=utf-8"}
)

// MovedPermanently answers 301 to location, for a URL spelt otherwise
// than its canonical form.
func MovedPermanently(c echo.Context, location string) error {
	return c.Redirect(http.StatusMovedPermanently, location)
}

// SeeOther answers 303 to location, for a request that did its work
// (the preview sign-in) and sends the browser on.
func SeeOther(c echo.Context, location string) error {
	return c.Redirect(http.StatusSeeOther, location)
}

// WithoutTrailingSlash is where a GET or HEAD of a path ending in "/"
// (/issues/87/) that names nothing is sent: the path without it, query
// kept; "" for any other request. The export's nginx configuration
// answers the same.
func WithoutTrailingSlash(r *http.Request) string {
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
