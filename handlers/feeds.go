package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
)

// feed serves one feed document. On a cache hit it does no rendering,
// compression or hashing: it looks the feed up, writes prepared headers
// and writes the bytes once.
func (s *server) feed(spec feed.Spec, f feed.Format) echo.HandlerFunc {
	path := spec.Path(f)
	return func(c echo.Context) error {
		r, cc, err := s.subscriptionFeed(spec, f)
		if err != nil {
			return fmt.Errorf("feed %s: %w", path, err)
		}
		return s.writeFeed(c, r, cc, path, true)
	}
}

// subscriptionFeed is a subscription feed as it is served now: its
// cached response and its Cache-Control, whose max-age and
// stale-while-revalidate never run past the next publication. The feed handler and the fast path both serve
// this.
func (s *server) subscriptionFeed(spec feed.Spec, f feed.Format) (r *feed.Response, cc []string, err error) {
	now := s.now()
	snap := s.content.At(now)
	r, err = s.feeds.Get(snap, spec, f)
	if err != nil {
		return nil, nil, err
	}
	cc = r.Header.CacheControl
	if capped := cappedCacheControl(snap, now); capped != nil {
		cc = capped
	}
	return r, cc, nil
}

// writeFeed writes a cached response (a feed, or a page) in the encoding
// the client accepts, or a 304 when the client already has it, with the
// header block feedHeader makes. Only a full download of a public feed
// counts against abuse control (limit names the feed; "" for none): a
// 304 is answered first, and a HEAD sends no body. A response that is
// not public (an editor's) sends no CORS header, and its Vary adds to
// the guard's.
func (s *server) writeFeed(c echo.Context, r *feed.Response, cacheControl []string, limit string, public bool) error {
	req := c.Request()
	b := bodyFor(r, acceptEncoding(req.Header.Get("Accept-Encoding")))
	w := c.Response()
	h := w.Header()
	vary := hvVaryAcceptEncoding
	if !public && r.Header.Fields == nil {
		v := h["Vary"] // the guard's: Cookie, Authorization
		vary = append(v[:len(v):len(v)], "Accept-Encoding")
	}
	var block [maxHeaderFields]field
	if notModified(req, b.ETag, r.LastModified) {
		setFields(h, feedHeader(block[:0], r, b, http.StatusNotModified, cacheControl, vary, public))
		return notModifiedResponse(c)
	}
	if over, wait := s.overLimit(clientAddr(c), limit, req.Method == http.MethodHead); over {
		setFields(h, feedHeader(block[:0], r, b, http.StatusNotModified, cacheControl, vary, public))
		return tooManyRequests(c, wait)
	}
	setFields(h, feedHeader(block[:0], r, b, http.StatusOK, cacheControl, vary, public))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return nil
	}
	if len(b.Bytes) >= corkThreshold {
		uncork := cork(req.Context())
		_, _ = w.Write(b.Bytes)
		_ = http.NewResponseController(w).Flush()
		uncork()
		return nil
	}
	_, _ = w.Write(b.Bytes)
	return nil
}

// bodyFor returns r's bytes for enc, falling back to gzip, then to
// identity, when the response holds no such form.
func bodyFor(r *feed.Response, enc encoding) *feed.Body {
	switch {
	case enc == encBrotli && r.Brotli.Bytes != nil:
		return &r.Brotli
	case enc != encIdentity && r.Gzip.Bytes != nil:
		return &r.Gzip
	}
	return &r.Identity
}
