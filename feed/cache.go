package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"

	"github.com/morningpost/morningpost/content"
)

// Response is the one type of a cached response: a rendered document (a
// feed in one format, a page, an OPML list, a sitemap) or a file (a
// picture, a static file): its bytes in each content coding, made once,
// and the values of its headers, prepared once, so serving it is
// writing bytes (handlers/httpx.Write, and the fast path).
type Response struct {
	ContentType string
	// Link is the Link header of a feed naming WebSub hubs, else "".
	Link string
	// LastModified is the newest change of any entry in the feed (its
	// entries' Modified times), or the Stamps' date; zero for a document
	// with no date.
	LastModified time.Time
	Identity     Body
	Gzip         Body // empty when the response is not compressed
	Brotli       Body
	// Header holds the response's header values, made by Prepare.
	Header Header
}

// Body is a response's bytes in one content coding, with a strong ETag of
// those bytes.
type Body struct {
	Bytes []byte
	ETag  string // ETag of the bytes' SHA-256
	// The values of Etag, Content-Length and Content-Encoding (nil for
	// identity) for these bytes, made by Prepare.
	ETagValue, LengthValue, EncodingValue []string
}

// Header are the header values of a response, made once by Prepare so
// that writing them allocates nothing. They are shared by every request:
// never modify them.
type Header struct {
	ContentType  []string
	LastModified []string // nil when the response has no date
	Link         []string // nil when it names no hub
	// CacheControl is the Cache-Control of a feed whose max-age is the
	// site's cache_max_age; nil when the response has no default.
	CacheControl []string
	// Fields are the headers of a page (HTML, OPML, sitemap) or a file
	// besides the above: its Content-Security-Policy and the like; nil
	// for feeds.
	Fields http.Header
	// File: the response is a file (File), sent as its bytes whatever
	// the client accepts, so it has no Vary.
	File bool
}

var (
	hvGzip   = []string{"gzip"}
	hvBrotli = []string{"br"}
)

// Prepare makes r's header values; fields are a page's further headers
// (nil for a feed), cacheControl its default Cache-Control ("" for none).
// Call it once, before r is shared.
func (r *Response) Prepare(fields http.Header, cacheControl string) {
	r.Header = Header{ContentType: []string{r.ContentType}, Fields: fields}
	if !r.LastModified.IsZero() {
		r.Header.LastModified = []string{r.LastModified.UTC().Format(http.TimeFormat)}
	}
	if r.Link != "" {
		r.Header.Link = []string{r.Link}
	}
	if cacheControl != "" {
		r.Header.CacheControl = []string{cacheControl}
	}
	for _, b := range []*Body{&r.Identity, &r.Gzip, &r.Brotli} {
		if b.Bytes != nil {
			b.ETagValue = []string{b.ETag}
			b.LengthValue = []string{strconv.Itoa(len(b.Bytes))}
		}
	}
	if r.Gzip.Bytes != nil {
		r.Gzip.EncodingValue = hvGzip
	}
	if r.Brotli.Bytes != nil {
		r.Brotli.EncodingValue = hvBrotli
	}
}

// CacheControl is the Cache-Control value of a public response that
// caches may keep for maxAgeSecs seconds, then serve for staleSecs more
// while they revalidate it.
func CacheControl(site *content.Site, maxAgeSecs, staleSecs int) string {
	return "public, max-age=" + strconv.Itoa(maxAgeSecs) +
		", stale-while-revalidate=" + strconv.Itoa(staleSecs) +
		", stale-if-error=" + strconv.Itoa(int(site.StaleIfError/time.Second))
}

// Size is the number of bytes the response holds.
func (r *Response) Size() int64 {
	return int64(len(r.Identity.Bytes) + len(r.Gzip.Bytes) + len(r.Brotli.Bytes))
}

// Compressed is a response of bytes made elsewhere (HTML pages, OPML,
// sitemaps) with their gzip and brotli forms, made as a feed's are, so
// that every document is served by the same code.
func Compressed(contentType string, b []byte) (*Response, error) {
	gz, err := Gzip(b)
	if err != nil {
		return nil, err
	}
	br, err := Brotli(b)
	if err != nil {
		return nil, err
	}
	return &Response{
		ContentType: contentType,
		Identity:    body(b),
		Gzip:        body(gz),
		Brotli:      body(br),
	}, nil
}

// IdentityResponse is a response of bytes b made elsewhere without its
// compressed forms, as a cache made by NewIdentityCache holds them.
func IdentityResponse(contentType string, b []byte) *Response {
	return &Response{ContentType: contentType, Identity: body(b)}
}

// File is the response of a file (a picture, a static file) of bytes b:
// its identity bytes only, which are sent whatever the client accepts,
// and fields, its headers besides Content-Type, the validators and
// Content-Length (nil: none). Cache-Control is the writer's: it depends
// on the request.
func File(contentType string, b []byte, fields http.Header) *Response {
	if fields == nil {
		fields = http.Header{}
	}
	r := &Response{ContentType: contentType, Identity: body(b)}
	r.Prepare(fields, "")
	r.Header.File = true
	return r
}

func body(b []byte) Body {
	return Body{Bytes: b, ETag: ETag(sha256.Sum256(b))}
}

// ETag is the entity tag of bytes whose SHA-256 is sum: the first 20 hex
// digits, quoted. It is the one formula of every ETag the site sends
// (feeds, pages, pictures, static files) and of the export's record of
// them (handlers/export), so a document keeps its ETag wherever it is
// served from.
func ETag(sum [sha256.Size]byte) string {
	return `"` + hex.EncodeToString(sum[:10]) + `"`
}

// Cache is the render cache: every document the server makes from its
// content (feeds, archives, pages, pictures, the sources feed) is made
// once per change of what it is made of, and kept here.
//
// An entry is keyed by what its document is made of (see index), never
// by anything a request sends, so the key space is bounded, and a key
// names one set of entries: a preview snapshot's document never shares
// an entry with a public one. A feed's entry is its document, built
// once, with its rendering in each format made when first asked for,
// compressed and with its headers prepared. Concurrent misses of one
// key are coalesced into one build, and of one format into one render.
//
// go-cache is the store; what it holds is bounded by one policy: the
// bytes of every entry (responses in every coding, documents kept for
// their next format, values) stay under a budget, by CLOCK (second
// chance): a hit sets the entry's reference bit, and an insert over
// budget moves a hand around the entries, clearing bits, until it finds
// one unreferenced since the hand last passed, which it evicts. Hits
// take no lock but go-cache's read lock; an insert costs O(1) amortised.
type Cache struct {
	// identity is set for a cache whose responses hold only their
	// identity bytes (see NewIdentityCache).
	identity bool
	store    *gocache.Cache // key -> *entry
	group    singleflight.Group
	budget   int64   // as given; see limit
	stamps   Stamps  // nil: Last-Modified is the newest change of the entries
	prior    Renders // nil: every document is rendered (see UseRenders)

	mu      sync.Mutex
	ring    []*entry          // the clock: every entry held, in no particular order
	hand    int               // the next entry of ring the clock looks at
	bytes   int64             // bytes of the entries of ring
	floor   int64             // twice the largest entry over budget; see limit
	current map[string]*entry // document path -> the entry of its newest version

	// last is the snapshot last asked for and its index: nearly every
	// request is for the current snapshot, whose index this finds
	// without the lookup of indexOf.
	last atomic.Pointer[snapIndex]

	hits, misses, renders, evictions atomic.Uint64
	renderNanos                      atomic.Int64
}

type snapIndex struct {
	snap *content.Snapshot
	ix   *index
}

// index is indexOf(snap), by way of c.last.
func (c *Cache) index(snap *content.Snapshot) *index {
	if l := c.last.Load(); l != nil && l.snap == snap {
		return l.ix
	}
	ix := indexOf(snap)
	c.last.Store(&snapIndex{snap, ix})
	return ix
}

// entry is one document: a feed with its renderings, or a value made
// elsewhere (a page's response, a picture).
type entry struct {
	key, path string
	ref       atomic.Bool // used since the clock's hand last passed

	// slot is the entry's index in Cache.ring, -1 once it left the
	// cache; size is the bytes it holds. Both are guarded by Cache.mu.
	slot int
	size int64

	// A feed: its document, kept until every format is rendered, and
	// its renderings, by format slot. mu serialises the renderings.
	mu    sync.Mutex
	doc   *Doc
	site  *content.Site
	stamp bool // date renderings by the Stamps
	out   [3]atomic.Pointer[Response]

	val any // a value entry's
}

// CacheStats are counters for metrics.
type CacheStats struct {
	Hits      uint64 // Gets answered from the cache
	Misses    uint64 // Gets that waited for a render (their own or a concurrent one)
	Renders   uint64 // documents rendered: feeds per format, pages, pictures
	Evictions uint64 // entries dropped to stay within the byte budget
	// RenderTime is the time spent building, rendering and compressing.
	RenderTime time.Duration
	Bytes      int64 // bytes held now
	Entries    int   // entries held now: documents, pages, pictures
}

// Stamps records when the bytes of each document last changed, so that
// a document's Last-Modified moves forward whenever its bytes change,
// and never back, on every server sharing the record (store.Ledger).
type Stamps interface {
	// Modified returns the Last-Modified of the document at path whose
	// bytes have the ETag etag; floor is the newest change of its
	// entries, the time for a document never seen before.
	Modified(path, etag string, floor time.Time) time.Time
}

// UseStamps makes the cache date every feed rendering by st. Call it
// before the cache is used.
func (c *Cache) UseStamps(st Stamps) { c.stamps = st }

// NewCache returns a cache holding at most maxBytes (every coding of
// every response counted), or room for two of its largest document when
// that is more: a document larger than the whole budget is kept too, so
// that no document is rendered again on every request. Content limits
// bound the largest document (feed_length entries, each of them from at
// most content.MaxIssueMarkdown of Markdown), and so the cache.
func NewCache(maxBytes int64) *Cache {
	return &Cache{
		store:   gocache.New(gocache.NoExpiration, 0), // no janitor: the clock evicts
		budget:  maxBytes,
		current: map[string]*entry{},
	}
}

// NewIdentityCache returns a cache like NewCache whose responses hold
// only their identity bytes: Gzip and Brotli are empty, and a handler
// serving them sends identity to every client. It is for a caller that
// asks each document once and compresses it itself with Gzip and Brotli,
// which give the bytes a NewCache response holds, such as the static
// export: it then compresses a document once, in parallel, and not at
// all when the document is unchanged since the last export.
func NewIdentityCache(maxBytes int64) *Cache {
	c := NewCache(maxBytes)
	c.identity = true
	return c
}

// Identity reports whether the cache holds identity bytes only (see
// NewIdentityCache).
func (c *Cache) Identity() bool { return c.identity }

// NewPage is the response of a page's bytes b (HTML, OPML, a sitemap),
// compressed unless the cache holds identity bytes only, with its
// headers prepared: fields besides those of every response.
func (c *Cache) NewPage(contentType string, b []byte, fields http.Header) (*Response, error) {
	r, err := c.respond(contentType, b)
	if err != nil {
		return nil, err
	}
	r.Prepare(fields, "")
	return r, nil
}

// respond is the response of bytes b, compressed unless the cache holds
// identity bytes only.
func (c *Cache) respond(contentType string, b []byte) (*Response, error) {
	if c.identity {
		return IdentityResponse(contentType, b), nil
	}
	return Compressed(contentType, b)
}

// Get returns feed s of snap in format f, rendering it if it is not cached.
func (c *Cache) Get(snap *content.Snapshot, s Spec, f Format) (*Response, error) {
	if !s.Valid() || !f.Valid() {
		return nil, fmt.Errorf("feed: no feed %v in format %q", s, f)
	}
	var key, path string
	if s.Kind == TagFeed {
		key, path = tagDoc(snap, s)
	} else {
		fi := c.index(snap).feeds[specSlot(s)]
		key, path = fi.subKey, fi.path
	}
	r, err := c.document(key, path, true, snap.Site, f, func() *Doc { return Build(snap, s) })
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", s.Path(f), err)
	}
	return r, nil
}

// docPath is the path a document of snap is cached and stamped under:
// base, or "" for a preview snapshot's, which is neither the newest
// version of a public document nor ever stamped.
func docPath(snap *content.Snapshot, base string) string {
	if strings.HasPrefix(snap.Key, content.PreviewKeyPrefix) {
		return ""
	}
	return base
}

// document returns the rendering in format f of the document cached
// under key, whose path is base (the document's URL path without the
// format's extension, "" for none); build makes the document on a miss.
// Its renderings are dated by the cache's Stamps when stamp is set and
// base is not "".
//
// A path keeps only its newest version: bytes that come back (an edit
// undone) are rendered and stamped again, so their Last-Modified is
// later than that of the bytes they replace, never the older one they
// had before.
func (c *Cache) document(key, base string, stamp bool, site *content.Site, f Format, build func() *Doc) (*Response, error) {
	slot := formatSlot(f)
	e := c.lookup(key)
	if e != nil {
		if r := e.out[slot].Load(); r != nil {
			c.hits.Add(1)
			return r, nil
		}
	}
	c.misses.Add(1)
	if e == nil {
		if r, err := c.load(key, base, stamp, site, f); r != nil || err != nil {
			return r, err
		}
		v, _, _ := c.group.Do(key, func() (any, error) {
			if e := c.lookup(key); e != nil { // made while we queued
				return e, nil
			}
			start := time.Now()
			d := build()
			c.renderNanos.Add(int64(time.Since(start)))
			e := &entry{key: key, path: base, doc: d, site: site, stamp: stamp && base != ""}
			c.insert(e, d.size())
			return e, nil
		})
		e = v.(*entry)
	}
	return c.render(e, f)
}

// render returns e's rendering in format f, making it if it is not made
// yet, once however many ask at the same time.
func (c *Cache) render(e *entry, f Format) (*Response, error) {
	slot := formatSlot(f)
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.out[slot].Load(); r != nil {
		return r, nil
	}
	start := time.Now()
	r, err := c.renderDoc(e.doc, f)
	c.renderNanos.Add(int64(time.Since(start)))
	if err != nil {
		return nil, err
	}
	if c.prior != nil && e.path != "" {
		c.prior.Store(e.key+"."+string(f), e.path+"."+string(f), r)
	}
	c.prepareFeed(r, e.path+"."+string(f), e.stamp, e.site)
	c.renders.Add(1)
	e.out[slot].Store(r)
	grow := r.Size()
	if e.out[0].Load() != nil && e.out[1].Load() != nil && e.out[2].Load() != nil {
		grow -= e.doc.size() // every format is made: the document is no longer needed
		e.doc = nil
	}
	c.grow(e, grow)
	return r, nil
}

// prepareFeed dates feed rendering r, the document at path, by the
// Stamps when stamp is set, and prepares its headers with the site's
// default Cache-Control: a rendering and one read back from Renders
// (load) are served alike.
func (c *Cache) prepareFeed(r *Response, path string, stamp bool, site *content.Site) {
	if c.stamps != nil && stamp {
		r.LastModified = c.stamps.Modified(path, r.Identity.ETag, r.LastModified)
	}
	r.Prepare(nil, CacheControl(site, int(site.CacheMaxAge/time.Second), int(site.StaleWhileRevalidate/time.Second)))
}

// renderDoc renders d in format f, compressed unless the cache holds
// identity bytes only.
func (c *Cache) renderDoc(d *Doc, f Format) (*Response, error) {
	b, err := Render(d, f)
	if err != nil {
		return nil, err
	}
	r, err := c.respond(f.ContentType(), b)
	if err != nil {
		return nil, err
	}
	r.LastModified = d.Feed.Updated
	r.Link = d.Link(f)
	return r, nil
}

// Response returns the response cached under key, or makes it with
// make, once however many ask at the same time. path names the document
// whose newest version it is ("" for none): caching it drops the
// response of path's previous key. Keys are of the caller's making and
// must name what the response is made of; they never meet the keys of
// feeds, which are hashes.
func (c *Cache) Response(key, path string, make func() (*Response, error)) (*Response, error) {
	v, err := c.Value(key, path, func() (any, int64, error) {
		r, err := make()
		if err != nil {
			return nil, 0, err
		}
		return r, r.Size(), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Response), nil
}

// Value is Response for any value: make returns it and the bytes it
// holds.
func (c *Cache) Value(key, path string, make func() (v any, size int64, err error)) (any, error) {
	key = "\x00" + key // never a feed's key
	if e := c.lookup(key); e != nil {
		c.hits.Add(1)
		return e.val, nil
	}
	c.misses.Add(1)
	v, err, _ := c.group.Do(key, func() (any, error) {
		if e := c.lookup(key); e != nil {
			return e, nil
		}
		start := time.Now()
		val, size, err := make()
		c.renderNanos.Add(int64(time.Since(start)))
		if err != nil {
			return nil, err
		}
		c.renders.Add(1)
		e := &entry{key: key, path: path, val: val}
		c.insert(e, size)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*entry).val, nil
}

// lookup returns the entry under key, marking it used.
func (c *Cache) lookup(key string) *entry {
	v, ok := c.store.Get(key)
	if !ok {
		return nil
	}
	e := v.(*entry)
	if !e.ref.Load() { // a store only when it changes: hits share the line
		e.ref.Store(true)
	}
	return e
}

// insert adds e, holding size bytes, and replaces the entry of e's path.
func (c *Cache) insert(e *entry, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.path != "" {
		if old := c.current[e.path]; old != nil {
			c.remove(old)
		}
	}
	c.admit(size)
	e.slot, e.size = len(c.ring), size
	c.ring = append(c.ring, e)
	c.bytes += size
	c.store.Set(e.key, e, gocache.NoExpiration)
	if e.path != "" {
		c.current[e.path] = e
	}
	c.evict(e)
}

// grow counts n more bytes held by e, which a new rendering adds.
func (c *Cache) grow(e *entry, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.slot < 0 {
		return // no longer (or never) held
	}
	e.size += n
	c.bytes += n
	c.admit(e.size)
	c.evict(e)
}

// admit makes room for an entry of size bytes: when it is larger than
// the budget, the cache holds up to twice its size from then on, so that
// it is kept along with another as large (a feed in two formats, two
// readers' feeds), not evicted by the next insert and rendered again.
// Documents are made of content whose size is bounded, so the cache is.
func (c *Cache) admit(size int64) {
	if size > c.budget {
		c.floor = max(c.floor, 2*size)
	}
}

// limit is the most bytes the cache holds: its budget, or room for two
// of the largest entry that did not fit in it.
func (c *Cache) limit() int64 { return max(c.budget, c.floor) }

// evict runs the clock while the cache is over budget, sparing keep.
// Every step either clears a reference bit, which a hit set, or evicts:
// the work is O(1) amortised per insert.
func (c *Cache) evict(keep *entry) {
	for c.bytes > c.limit() && len(c.ring) > 1 {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		e := c.ring[c.hand]
		if e == keep || e.ref.Swap(false) {
			c.hand++
			continue
		}
		c.remove(e) // moves the last entry into the hand's slot
		c.evictions.Add(1)
	}
}

// remove takes e out of the ring and the store.
func (c *Cache) remove(e *entry) {
	if e.slot < 0 {
		return
	}
	last := len(c.ring) - 1
	moved := c.ring[last]
	c.ring[e.slot], moved.slot = moved, e.slot
	c.ring[last] = nil
	c.ring = c.ring[:last]
	c.bytes -= e.size
	e.slot = -1
	c.store.Delete(e.key)
	if e.path != "" && c.current[e.path] == e {
		delete(c.current, e.path)
	}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	st := CacheStats{
		Hits:       c.hits.Load(),
		Misses:     c.misses.Load(),
		Renders:    c.renders.Load(),
		Evictions:  c.evictions.Load(),
		RenderTime: time.Duration(c.renderNanos.Load()),
	}
	c.mu.Lock()
	st.Bytes, st.Entries = c.bytes, len(c.ring)
	c.mu.Unlock()
	return st
}

// size estimates the bytes a document holds beyond what its content
// shares: its entries' texts and what holds them.
func (d *Doc) size() int64 {
	n := 1024
	for _, it := range d.Feed.Items {
		n += 512 + len(it.Title) + len(it.Description) + len(it.Content) + 2*len(it.Id)
	}
	return int64(n)
}
