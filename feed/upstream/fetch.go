package upstream

import (
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/morningpost/morningpost/feed/netguard"
)

// Defaults for [Options]. They bound what one upstream can cost us.
const (
	DefaultUserAgent      = "morningpost/1.0 (+https://github.com/morningpost/morningpost)"
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBodySize    = 8 << 20 // decoded bytes
	DefaultMaxRedirects   = 5
	DefaultConcurrency    = 8
	DefaultMaxBackoff     = 24 * time.Hour
	// DefaultMaxUpstreamDelay caps how far an upstream can push its next
	// poll (Cache-Control, Expires, ttl, Retry-After): a misconfigured
	// "max-age=31536000" must not silence a source for a year.
	DefaultMaxUpstreamDelay = 7 * 24 * time.Hour
)

// ErrTooLarge is returned (wrapped) when a feed body exceeds the size cap.
var ErrTooLarge = errors.New("feed body too large")

// StatusError is an unexpected HTTP status from an upstream.
type StatusError struct {
	Code   int
	Status string // e.g. "429 Too Many Requests"
	// RetryAfter is when a 429 or 503 upstream said to come back
	// (zero if it did not say).
	RetryAfter time.Time
}

func (e *StatusError) Error() string {
	if !e.RetryAfter.IsZero() {
		return fmt.Sprintf("http %s (retry after %s)", e.Status, e.RetryAfter.UTC().Format(time.RFC3339))
	}
	return "http " + e.Status
}

// response is a successful fetch: either new bytes or "not modified".
type response struct {
	notModified  bool
	body         []byte
	charset      string // from Content-Type, if any
	etag         string
	lastModified string
	base         *url.URL      // final URL after redirects; nil for file sources
	delay        time.Duration // how long the upstream asked us to wait (cache headers)
}

// fetcher fetches sources over HTTP or from the content root.
type fetcher struct {
	client    *http.Client
	fsys      fs.FS
	userAgent string
	maxBody   int64
	maxDelay  time.Duration
	now       func() time.Time
}

// newHTTPClient builds the client every poll uses: bounded connect time,
// total time (which also covers a body dripping one byte a second),
// redirects; compression handled by us so the size cap applies to decoded
// bytes. Its transport is netguard's: no connection to a loopback,
// private or link-local address unless the source's configured URL names
// that host and port (fetchHTTP allows it) or AllowPrivate is set; a
// redirect elsewhere is checked at every hop.
func newHTTPClient(o Options) *http.Client {
	rt := o.Transport
	var guard *netguard.Transport
	if rt == nil {
		guard = netguard.NewTransport(netguard.Options{ConnectTimeout: o.ConnectTimeout, AllowPrivate: o.AllowPrivate})
		guard.Configure(func(t *http.Transport) {
			t.ResponseHeaderTimeout = o.Timeout
			t.MaxIdleConns = 4 * o.Concurrency
			t.MaxIdleConnsPerHost = o.Concurrency
		})
		rt = guard
	}
	maxRedirects := o.MaxRedirects
	return &http.Client{
		Transport: rt,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
			}
			if guard != nil {
				return guard.CheckRedirect(req)
			}
			return nil
		},
	}
}

// fetch gets src, conditionally on etag/lastModified from the previous poll.
func (f *fetcher) fetch(ctx context.Context, src sourceURL, etag, lastModified string) (response, error) {
	if src.http == nil {
		return f.fetchFile(src.file, etag)
	}
	return f.fetchHTTP(ctx, src.http, etag, lastModified)
}

func (f *fetcher) fetchHTTP(ctx context.Context, u *url.URL, etag, lastModified string) (response, error) {
	// The configured URL is the editor's choice, wherever it points.
	req, err := http.NewRequestWithContext(netguard.Allow(ctx, u.String()), http.MethodGet, u.String(), nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	req.Header.Set("Accept-Encoding", "gzip, br")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()

	now := f.now()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		r := response{
			notModified:  true,
			etag:         cmp.Or(resp.Header.Get("ETag"), etag),
			lastModified: cmp.Or(resp.Header.Get("Last-Modified"), lastModified),
			base:         resp.Request.URL,
			delay:        cacheDelay(resp.Header, now, f.maxDelay),
		}
		return r, nil
	default:
		se := &StatusError{Code: resp.StatusCode, Status: resp.Status}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now, f.maxDelay)
		}
		return response{}, se
	}

	body, err := f.readBody(resp)
	if err != nil {
		return response{}, fmt.Errorf("read body: %w", err)
	}
	r := response{
		body:         body,
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		base:         resp.Request.URL,
		delay:        cacheDelay(resp.Header, now, f.maxDelay),
	}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		r.charset = params["charset"]
	}
	return r, nil
}

// readBody decodes the body and reads at most maxBody decoded bytes, so
// neither an endless body nor a compression bomb can bloat us.
func (f *fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	return readCapped(r, f.maxBody, resp.ContentLength)
}

// readCapped reads all of r unless it has more than limit bytes. The
// buffer never grows past limit+1 bytes, so a hostile body costs at most
// about twice the limit in memory (the last buffer and the one before).
func readCapped(r io.Reader, limit, sizeHint int64) ([]byte, error) {
	size := int64(64 << 10)
	if sizeHint > 0 {
		size = sizeHint + 1 // +1: room to see EOF without growing
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
			}
			next := make([]byte, len(buf), min(int64(2*cap(buf)), limit+1))
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if int64(len(buf)) > limit {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// fetchFile reads a file: source from the content root. The ETag is a hash
// of the content so an unchanged file is "not modified", like a 304.
func (f *fetcher) fetchFile(name, etag string) (response, error) {
	if f.fsys == nil {
		return response{}, errors.New("file sources need a content root, and none was given")
	}
	// content.Source.Validate already checked this; check again because this is the
	// line that touches the file system.
	if !fs.ValidPath(name) {
		return response{}, fmt.Errorf("file %q is outside the content root", name)
	}
	file, err := f.fsys.Open(name)
	if err != nil {
		return response{}, err
	}
	defer file.Close()
	var hint int64
	if st, err := file.Stat(); err == nil {
		if st.IsDir() {
			return response{}, fmt.Errorf("file %q is a directory", name)
		}
		hint = st.Size()
	}
	body, err := readCapped(file, f.maxBody, hint)
	if err != nil {
		return response{}, fmt.Errorf("read %s: %w", name, err)
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	if tag == etag {
		return response{notModified: true, etag: tag}, nil
	}
	return response{body: body, etag: tag}, nil
}

// cacheDelay is how long the upstream says its response stays fresh:
// Cache-Control max-age (minus Age), else Expires (relative to the
// upstream's Date, to be immune to clock skew). Zero when it says nothing
// or says "don't cache"; never more than max.
func cacheDelay(h http.Header, now time.Time, limit time.Duration) time.Duration {
	var d time.Duration
	maxAge, hasMaxAge := -1, false
	for _, dir := range strings.Split(strings.Join(h.Values("Cache-Control"), ","), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(k) {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n >= 0 {
				maxAge, hasMaxAge = n, true
			}
		}
	}
	switch {
	case hasMaxAge:
		d = time.Duration(maxAge) * time.Second
		if age, err := strconv.Atoi(h.Get("Age")); err == nil && age > 0 {
			d -= time.Duration(age) * time.Second
		}
	case h.Get("Expires") != "":
		exp, err := http.ParseTime(h.Get("Expires"))
		if err != nil {
			return 0 // "Expires: 0" and other junk mean "already expired"
		}
		base := now
		if date, err := http.ParseTime(h.Get("Date")); err == nil {
			base = date
		}
		d = exp.Sub(base)
	}
	return clampDuration(d, 0, limit)
}

// retryAfter parses a Retry-After value (delay in seconds or an HTTP date)
// into an absolute time, capped at now+max. Zero if absent or unparseable.
func retryAfter(v string, now time.Time, limit time.Duration) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return time.Time{}
		}
		secs = min(secs, int64(limit/time.Second))
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return time.Time{}
	}
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(min(d, limit))
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}
