package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// Header values shared by every response. They are never modified:
// net/http only reads header slices, and a one-element literal has no
// spare capacity for an append to write into.
var (
	hvVaryAcceptEncoding = []string{"Accept-Encoding"}
	hvNosniff            = []string{"nosniff"}
	hvAnyOrigin          = []string{"*"}
	hvGzip               = []string{"gzip"}
	hvBrotli             = []string{"br"}
)

// feed serves one feed document. On a cache hit it does no rendering,
// compression or hashing: it looks the feed up, writes prepared headers
// and writes the bytes once.
func (s *server) feed(spec feed.Spec, f feed.Format) echo.HandlerFunc {
	path := spec.Path(f)
	return func(c echo.Context) error {
		p, modified, cc, err := s.subscriptionFeed(spec, f)
		if err != nil {
			return fmt.Errorf("feed %s: %w", path, err)
		}
		return s.writeFeed(c, p, modified, cc, path, true)
	}
}

// subscriptionFeed is a subscription feed as it is served now: its
// prepared response, the time it last changed, and its Cache-Control,
// whose max-age never runs past the next publication. The feed handler
// and the fast path both serve this.
func (s *server) subscriptionFeed(spec feed.Spec, f feed.Format) (p *preparedFeed, modified time.Time, cc []string, err error) {
	now := s.now()
	snap := s.content.At(now)
	resp, err := s.feeds.Get(snap, spec, f)
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	p = s.headers.get(resp, snap.Site)
	cc = p.cacheControl
	if secs, capped := maxAge(snap, now); capped {
		cc = []string{cacheControl(snap.Site, secs)}
	}
	return p, resp.LastModified, cc, nil
}

// writeFeed writes a prepared feed in the encoding the client accepts, or
// a 304 when the client already has it. Only a full download of a public
// feed counts against abuse control (limit names the feed; "" for none):
// a 304 is answered first, and a HEAD sends no body.
func (s *server) writeFeed(c echo.Context, p *preparedFeed, modified time.Time, cacheControl []string, limit string, public bool) error {
	req := c.Request()
	b := p.body(acceptEncoding(req.Header.Get("Accept-Encoding")))
	w := c.Response()
	h := w.Header()
	switch {
	case p.header != nil: // a page: its own headers, no CORS unless they say
		h["Vary"] = hvVaryAcceptEncoding
		for k, v := range p.header {
			h[k] = v
		}
	case public:
		h["Vary"] = hvVaryAcceptEncoding
		h["Access-Control-Allow-Origin"] = hvAnyOrigin
	default:
		h.Add("Vary", "Accept-Encoding") // beside the guard's Vary: Cookie, Authorization
	}
	h["X-Content-Type-Options"] = hvNosniff
	h["Etag"] = b.etag
	if p.lastModified != nil {
		h["Last-Modified"] = p.lastModified
	}
	if p.link != nil {
		h["Link"] = p.link // WebSub discovery, on 304s too
	}
	if cacheControl != nil {
		h["Cache-Control"] = cacheControl
	}
	if notModified(req, b.etag[0], modified) {
		return notModifiedResponse(c)
	}
	if over, wait := s.overLimit(clientAddr(c), limit, req.Method == http.MethodHead); over {
		return tooManyRequests(c, wait)
	}
	h["Content-Type"] = p.contentType
	h["Content-Length"] = b.length
	if b.encoding != nil {
		h["Content-Encoding"] = b.encoding
	}
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		if len(b.bytes) >= corkThreshold {
			uncork := cork(req.Context())
			_, _ = w.Write(b.bytes)
			_ = http.NewResponseController(w).Flush()
			uncork()
			return nil
		}
		_, _ = w.Write(b.bytes)
	}
	return nil
}

// preparedFeed is a feed response with its header values computed once.
type preparedFeed struct {
	contentType  []string
	lastModified []string // nil when the feed has no date
	link         []string // WebSub hubs and self; nil when no hub is configured
	cacheControl []string // when max-age is not capped by a publication
	bodies       [3]preparedBody
	// header holds the headers of a page (HTML, OPML, sitemap) besides
	// those above; nil for feeds.
	header http.Header
	size   int64 // bytes of every encoding
}

type preparedBody struct {
	bytes    []byte
	etag     []string
	length   []string
	encoding []string // nil for identity
}

// body returns the bytes for enc, falling back to identity when the
// cache holds no compressed form.
func (p *preparedFeed) body(enc encoding) *preparedBody {
	if b := &p.bodies[enc]; b.bytes != nil {
		return b
	}
	if b := &p.bodies[encGzip]; enc == encBrotli && b.bytes != nil {
		return b
	}
	return &p.bodies[encIdentity]
}

func prepareFeed(r *feed.Response, site *content.Site) *preparedFeed {
	p := &preparedFeed{
		contentType:  []string{r.ContentType},
		cacheControl: []string{cacheControl(site, int(site.CacheMaxAge/time.Second))},
		size:         r.Size(),
	}
	if !r.LastModified.IsZero() {
		p.lastModified = []string{r.LastModified.UTC().Format(http.TimeFormat)}
	}
	if r.Link != "" {
		p.link = []string{r.Link}
	}
	for enc, b := range map[encoding]feed.Body{encIdentity: r.Identity, encGzip: r.Gzip, encBrotli: r.Brotli} {
		if b.Bytes == nil && enc != encIdentity {
			continue
		}
		pb := preparedBody{
			bytes:  b.Bytes,
			etag:   []string{b.ETag},
			length: []string{strconv.Itoa(len(b.Bytes))},
		}
		switch enc {
		case encGzip:
			pb.encoding = hvGzip
		case encBrotli:
			pb.encoding = hvBrotli
		}
		p.bodies[enc] = pb
	}
	return p
}

// headerCache keeps the prepared headers of the feed responses being
// served, keyed by the response the feed cache returned, which stays the
// same pointer for as long as the feed cache keeps it.
type headerCache struct {
	m sync.Map     // *feed.Response -> *preparedFeed
	n atomic.Int64 // bytes of the responses held (roughly: concurrent misses may count twice)
}

// maxPreparedBytes bounds the header cache by the bytes of the responses
// it refers to, which it keeps alive even once the feed cache has
// dropped them: when full, it is emptied, and the responses in use are
// prepared again on their next request.
const maxPreparedBytes = 16 << 20

func newHeaderCache() *headerCache { return &headerCache{} }

func (c *headerCache) get(r *feed.Response, site *content.Site) *preparedFeed {
	if p, ok := c.m.Load(r); ok {
		return p.(*preparedFeed)
	}
	if size := r.Size(); c.n.Add(size) > maxPreparedBytes {
		c.m.Clear()
		c.n.Store(size)
	}
	p, _ := c.m.LoadOrStore(r, prepareFeed(r, site))
	return p.(*preparedFeed)
}
