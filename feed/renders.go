package feed

import "github.com/morningpost/morningpost/content"

// Renders keeps documents rendered by an earlier run of the program,
// such as the last static export, so that a document whose key it
// knows is read back instead of rendered again. The keys are the
// cache's own: they name what a document is made of, so one key means
// one document's bytes, as long as the program is the same; a Renders
// must forget what another program, or another site (base URL, hubs,
// record of dates), rendered.
type Renders interface {
	// Load returns the response rendered under key before and the path
	// of its document, or nil. Its LastModified is the one the render
	// gave, before Stamps.
	Load(key string) (r *Response, path string)
	// Store is told of each response rendered under key for the
	// document at path, its LastModified before Stamps.
	Store(key, path string, r *Response)
}

// UseRenders makes the cache read renders back from r and tell it of
// new ones. Call it before the cache is used.
func (c *Cache) UseRenders(r Renders) { c.prior = r }

// Renders is what UseRenders set, or nil: handlers that render
// documents of their own (pages) keep them there too.
func (c *Cache) Renders() Renders { return c.prior }

// load is the response in format f of the document under key (at path
// base plus the format's extension) that Renders holds, stamped and
// prepared as a render is, compressed unless the cache holds identity
// bytes only; nil when it holds none. It is not cached: a Renders is
// for a caller that asks for each document once.
func (c *Cache) load(key, base string, stamp bool, site *content.Site, f Format) (*Response, error) {
	if c.prior == nil || base == "" {
		return nil, nil
	}
	r, _ := c.prior.Load(key + "." + string(f))
	if r == nil {
		return nil, nil
	}
	if !c.identity {
		full, err := Compressed(r.ContentType, r.Identity.Bytes)
		if err != nil {
			return nil, err
		}
		full.Link, full.LastModified = r.Link, r.LastModified
		r = full
	}
	c.prepareFeed(r, base+"."+string(f), stamp, site)
	return r, nil
}
