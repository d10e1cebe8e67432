package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"

	"github.com/morningpost/morningpost/content"
)

// Response is one rendered feed: its bytes in each content coding, made
// once at render time, so serving a feed is writing bytes.
type Response struct {
	ContentType string
	// Link is the Link header of a feed naming WebSub hubs, else "".
	Link string
	// LastModified is the newest change of any entry in the feed (its
	// entries' Modified times), for Last-Modified; zero for a feed with
	// no entries.
	LastModified time.Time
	Identity     Body
	Gzip         Body
	Brotli       Body
}

// Body is a feed's bytes in one content coding, with a strong ETag of
// those bytes.
type Body struct {
	Bytes []byte
	ETag  string // `"` + 20 hex digits of SHA-256 + `"`
}

// Size is the number of bytes the response holds.
func (r *Response) Size() int64 {
	return int64(len(r.Identity.Bytes) + len(r.Gzip.Bytes) + len(r.Brotli.Bytes))
}

// NewResponse renders d in format f and compresses it.
func NewResponse(d *Doc, f Format) (*Response, error) {
	b, err := Render(d, f)
	if err != nil {
		return nil, err
	}
	r, err := Compressed(f.ContentType(), b)
	if err != nil {
		return nil, err
	}
	r.LastModified = d.Feed.Updated
	r.Link = d.Link(f)
	return r, nil
}

// Compressed is a response of bytes made elsewhere (HTML pages, OPML,
// sitemaps) with their gzip and brotli forms, made as a feed's are, so
// that every document is served by the same code.
func Compressed(contentType string, b []byte) (*Response, error) {
	gz, err := gzipBytes(b)
	if err != nil {
		return nil, err
	}
	br, err := brotliBytes(b)
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

func body(b []byte) Body {
	sum := sha256.Sum256(b)
	return Body{Bytes: b, ETag: `"` + hex.EncodeToString(sum[:])[:20] + `"`}
}

// Cache holds rendered feeds, keyed by snapshot key, feed and format, so
// that each feed is rendered once per content change.
//
// The key space is bounded: a key is a hash of what a document is made
// of (a valid Spec and Format, an archive period, the versions of its
// issues), never of anything a request sends. Concurrent
// misses of one key are coalesced into one render. Entries expire when
// unused for a while (an old snapshot's entries are never asked for
// again); hot entries are kept alive. The total size of cached responses
// is held under a byte budget by evicting the least recently used.
type Cache struct {
	// identity is set for a cache whose responses hold only their
	// identity bytes (see NewIdentityCache).
	identity bool
	store    *gocache.Cache
	group    singleflight.Group
	budget   int64
	now      func() time.Time
	ix       indexes // document keys and archive periods of recent snapshots
	stamps   Stamps  // nil: Last-Modified is the newest change of the entries

	mu      sync.Mutex
	current map[string]string // document path -> key of its newest rendering

	hits, misses, renders, evictions atomic.Uint64
	renderNanos                      atomic.Int64
}

// CacheStats are counters for metrics.
type CacheStats struct {
	Hits      uint64 // Gets answered from the cache
	Misses    uint64 // Gets that waited for a render (their own or a concurrent one)
	Renders   uint64 // feeds rendered
	Evictions uint64 // responses dropped to stay within the byte budget
	// RenderTime is the time spent rendering and compressing feeds.
	RenderTime time.Duration
	Bytes      int64 // bytes held now
	Entries    int   // responses held now
}

// cacheTTL is how long an unused response stays cached.
const cacheTTL = 10 * time.Minute

type cached struct {
	resp *Response
	used atomic.Int64 // last use, UnixNano, for eviction
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

// UseStamps makes the cache date every rendering by st. Call it before
// the cache is used.
func (c *Cache) UseStamps(st Stamps) { c.stamps = st }

// NewCache returns a cache holding at most maxBytes of responses (all
// encodings counted). A response larger than the whole budget is served
// but not kept.
func NewCache(maxBytes int64) *Cache {
	return &Cache{
		store:   gocache.New(cacheTTL, time.Minute),
		budget:  maxBytes,
		now:     time.Now,
		current: map[string]string{},
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

// IdentityResponse is a response of bytes b made elsewhere without its
// compressed forms, as a cache made by NewIdentityCache holds them.
func IdentityResponse(contentType string, b []byte) *Response {
	return &Response{ContentType: contentType, Identity: body(b)}
}

// Get returns feed s of snap in format f, rendering it if it is not cached.
func (c *Cache) Get(snap *content.Snapshot, s Spec, f Format) (*Response, error) {
	if !s.Valid() || !f.Valid() {
		return nil, fmt.Errorf("feed: no feed %v in format %q", s, f)
	}
	// The key names what the feed is made of (see index), so a feed
	// whose issues did not change keeps its response across reloads.
	var key string
	if s.Kind == TagFeed {
		key = tagKeys(snap, s)[formatSlot(f)]
	} else {
		key = c.ix.get(snap).feeds[specSlot(s)].subKeys[formatSlot(f)]
	}
	r, err := c.get(key, f, func() (*Doc, string) { return Build(snap, s), s.Path(f) })
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", s.Path(f), err)
	}
	return r, nil
}

// get returns the response cached under key, or builds and renders it
// in format f, once however many ask at the same time; build gives the
// document and its path. The only errors are render errors.
//
// A path keeps only its newest rendering: bytes that come back (an edit
// undone) are rendered and stamped again, so their Last-Modified is
// later than that of the bytes they replace, never the older one they
// had before.
func (c *Cache) get(key string, f Format, build func() (*Doc, string)) (*Response, error) {
	if r := c.lookup(key); r != nil {
		c.hits.Add(1)
		return r, nil
	}
	c.misses.Add(1)
	v, err, _ := c.group.Do(key, func() (any, error) {
		if r := c.lookup(key); r != nil { // rendered while we queued
			return r, nil
		}
		start := time.Now()
		d, path := build()
		r, err := c.render(d, f)
		c.renderNanos.Add(int64(time.Since(start)))
		if err != nil {
			return nil, err
		}
		if c.stamps != nil {
			r.LastModified = c.stamps.Modified(path, r.Identity.ETag, r.LastModified)
		}
		c.renders.Add(1)
		c.mu.Lock()
		if old, ok := c.current[path]; ok && old != key {
			c.store.Delete(old)
		}
		c.current[path] = key
		c.mu.Unlock()
		c.insert(key, r)
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Response), nil
}

// render renders d in format f, compressed unless the cache holds
// identity bytes only.
func (c *Cache) render(d *Doc, f Format) (*Response, error) {
	if !c.identity {
		return NewResponse(d, f)
	}
	b, err := Render(d, f)
	if err != nil {
		return nil, err
	}
	r := IdentityResponse(f.ContentType(), b)
	r.LastModified = d.Feed.Updated
	return r, nil
}

func (c *Cache) lookup(key string) *Response {
	v, exp, ok := c.store.GetWithExpiration(key)
	if !ok {
		return nil
	}
	e := v.(*cached)
	now := c.now()
	e.used.Store(now.UnixNano())
	// Keep a response in use alive: renew its expiry once half has passed.
	if !exp.IsZero() && exp.Sub(now) < cacheTTL/2 {
		c.store.SetDefault(key, e)
	}
	return e.resp
}

// insert stores r and evicts the least recently used responses while the
// cache is over budget. Renders are rare (once per feed per content
// change) and the key space small, so scanning every entry is cheap.
func (c *Cache) insert(key string, r *Response) {
	size := r.Size()
	if size > c.budget {
		return
	}
	e := &cached{resp: r}
	e.used.Store(c.now().UnixNano())
	c.store.SetDefault(key, e)
	for {
		items := c.store.Items()
		var total int64
		oldest, oldestUsed := "", int64(0)
		for k, it := range items {
			ce := it.Object.(*cached)
			total += ce.resp.Size()
			if u := ce.used.Load(); k != key && (oldest == "" || u < oldestUsed || u == oldestUsed && k < oldest) {
				oldest, oldestUsed = k, u
			}
		}
		if total <= c.budget || oldest == "" {
			return
		}
		c.store.Delete(oldest)
		c.evictions.Add(1)
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
	for _, it := range c.store.Items() {
		st.Bytes += it.Object.(*cached).resp.Size()
		st.Entries++
	}
	return st
}
