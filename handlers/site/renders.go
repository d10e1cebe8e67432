package site

import (
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/page"
)

// pageBody is the body of the page at path, named by route key: read
// back from the feed cache's Renders (feed.Cache.UseRenders) when it
// holds the page, else made by render and told to it. A page is keyed,
// as in the page cache, by scope (what it shows of the content, see
// pageIn) and its route.
func (s *Site) pageBody(scope, key, path string, render func() ([]byte, error)) ([]byte, error) {
	rs := s.feeds.Renders()
	if rs == nil {
		return render()
	}
	k := "page\x00" + scope + "\x00" + key
	if r, _ := rs.Load(k); r != nil && r.ContentType == page.HVHTML[0] {
		return r.Identity.Bytes, nil
	}
	b, err := render()
	if err != nil {
		return nil, err
	}
	rs.Store(k, path, feed.IdentityResponse(page.HVHTML[0], b))
	return b, nil
}
