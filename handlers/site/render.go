package site

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

func htmlHeader() http.Header {
	return http.Header{
		"Content-Security-Policy": page.HVCSP,
		"Referrer-Policy":         page.HVReferrer,
	}
}

// cachedPage returns the page (or OPML, or sitemap) named key for the
// snapshot from the render cache, building it on a miss, once however
// many ask. Only pages that exist are kept: an error is not cached. The
// key names the route and its parameters, all a page depends on besides
// the snapshot, whose key changes with every publication or content
// change; the page's previous version leaves the cache when the new one
// is made.
func (s *Site) cachedPage(snap *content.Snapshot, key string, build func() (*feed.Response, error)) (*feed.Response, error) {
	return s.cachedPageIn(snap.Key, key, build)
}

// cachedPageIn is cachedPage for a page whose bytes depend on what scope
// names of the content (see pageIn).
func (s *Site) cachedPageIn(scope, key string, build func() (*feed.Response, error)) (*feed.Response, error) {
	return s.feeds.Response("page\x00"+scope+"\x00"+key, "page\x00"+key, build)
}

// preparePage compresses a page (or OPML, or a sitemap) as feeds are and
// prepares its headers: contentType, and header besides. It varies by
// encoding only, not by Cookie, even when an editor with the preview
// cookie is answered otherwise (desk.PreviewModePage): that answer is
// private, no-store, so no cache keeps it, and it shows only what is
// public. A shared cache may answer an editor with the public page (no
// live reload); it never answers a reader with an editor's. Why this is
// worth it is in ARCHITECTURE.md, "Previewing public URLs".
func (s *Site) preparePage(contentType string, body []byte, header http.Header) (*feed.Response, error) {
	return s.feeds.NewPage(contentType, body, header)
}

// writePage writes a cached page, which caches may keep until the next
// publication at most.
func (s *Site) writePage(c echo.Context, snap *content.Snapshot, now time.Time, p *feed.Response) error {
	maxAge, stale, _ := freshness(snap, now)
	return httpx.Write(c, p, httpx.Answer{CacheControl: []string{feed.CacheControl(snap.Site, maxAge, stale)}})
}

// page serves the HTML page built by fill for the request's snapshot,
// compressed for clients that accept it. fill returns httpx.ErrNotFound when
// the URL names nothing public.
func (s *Site) page(c echo.Context, name string, fill func(snap *content.Snapshot) (any, error)) error {
	return s.pageIn(c, name, nil, fill)
}

// pageIn is page for a page whose bytes depend on no more of the content
// than scope names (feed.PageKey of the issues it shows); nil or "" for a
// page that may show anything of the snapshot (feed.SnapshotKey). The
// page is rendered again only when that changes.
func (s *Site) pageIn(c echo.Context, name string, scope func(snap *content.Snapshot) string, fill func(snap *content.Snapshot) (any, error)) error {
	now := s.now()
	snap := s.content.At(now)
	if s.editor(c.Request()) {
		return s.preview(c, name, snap, fill)
	}
	key := c.Path() + "\x00" + strings.Join(c.ParamValues(), "\x00")
	sk := ""
	if scope != nil {
		sk = scope(snap)
	}
	if sk == "" {
		sk = feed.SnapshotKey(snap)
	}
	p, err := s.cachedPageIn(sk, key, func() (*feed.Response, error) {
		body, err := s.pageBody(sk, key, c.Request().URL.Path, func() ([]byte, error) {
			data, err := fill(snap)
			if err != nil {
				return nil, err
			}
			body, err := s.tmpl.Render(name, data)
			return page.UnderBase(snap.Site, body), err
		})
		if err != nil {
			return nil, err
		}
		return s.preparePage(page.HVHTML[0], body, htmlHeader())
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}

// WriteNotFound writes the 404 page in the site's layout.
func (s *Site) WriteNotFound(c echo.Context) error {
	snap := s.content.At(s.now())
	data := notFoundPage{Page: s.NewPage(snap, "Page not found", "/", "")}
	data.Description = "There is no page at this address."
	body, err := s.tmpl.Render("notfound", data)
	if err != nil {
		return err
	}
	body = page.UnderBase(snap.Site, body)
	h := c.Response().Header()
	for k, v := range htmlHeader() {
		h[k] = v
	}
	h["Content-Type"] = page.HVHTML
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusNotFound)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
	return nil
}
