package httpx

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
)

// Answer is how Write serves a cached response to one request.
type Answer struct {
	// CacheControl is the response's Cache-Control; nil: none is
	// written (a guard's stands).
	CacheControl []string
	// Private is an editor's response: it has no CORS header, and its
	// Vary adds Accept-Encoding to the guard's.
	Private bool
	// Limiter counts the full downloads of LimitKey (a feed's path); a
	// nil Limiter or an empty key counts nothing.
	Limiter  *Limiter
	LimitKey string
}

// Write writes a cached response (a feed, a page, a picture, a static
// file) in the encoding the client accepts, or a 304 when the client
// already has it, with the header block Block makes; it is the one
// writer of a cached response through net/http (the fast path writes
// the same block on the wire). Only a full download counts against the
// limiter: a 304 is answered first, and a HEAD sends no body.
func Write(c echo.Context, r *feed.Response, a Answer) error {
	req := c.Request()
	b := BodyFor(r, AcceptEncoding(req.Header.Get("Accept-Encoding")))
	w := c.Response()
	h := w.Header()
	vary := VaryAcceptEncoding
	if a.Private && r.Header.Fields == nil {
		v := h["Vary"] // the guard's: Cookie, Authorization
		vary = append(v[:len(v):len(v)], "Accept-Encoding")
	}
	var block [MaxFields]Field
	if NotModified(req, b.ETag, r.LastModified) {
		SetFields(h, Block(block[:0], r, b, http.StatusNotModified, a.CacheControl, vary, !a.Private))
		return notModified(c)
	}
	if a.Limiter != nil && a.LimitKey != "" {
		if over, wait := a.Limiter.Over(ClientAddr(c), a.LimitKey, req.Method == http.MethodHead); over {
			return tooManyRequests(c, wait, r.Header.Link, vary)
		}
	}
	SetFields(h, Block(block[:0], r, b, http.StatusOK, a.CacheControl, vary, !a.Private))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return nil
	}
	if len(b.Bytes) >= CorkThreshold {
		uncork := Cork(req.Context())
		_, _ = w.Write(b.Bytes)
		_ = http.NewResponseController(w).Flush()
		uncork()
		return nil
	}
	_, _ = w.Write(b.Bytes)
	return nil
}
