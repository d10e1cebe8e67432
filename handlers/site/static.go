package site

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The embedded files themselves are handlers/page's (page.LoadStatic).
type (
	staticFiles = page.Static
	staticFile  = page.StaticFile
)

const (
	longCache  = "public, max-age=31536000, immutable"
	shortCache = "public, max-age=86400"
)

var (
	hvLongCache  = []string{longCache}
	hvShortCache = []string{shortCache}
)

// siteIcon is the site's own icon as a static file, made when the
// content names a new picture.
type siteIcon struct {
	mu  sync.Mutex
	src *content.SiteIcon
	f   *staticFile
}

// file returns the static file of the icon the site now names, or nil.
func (i *siteIcon) file(site *content.Site) *staticFile {
	if site == nil || site.Icon == nil {
		return nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.src != site.Icon {
		sum := sha256.Sum256(site.Icon.Data)
		i.src = site.Icon
		i.f = &page.StaticFile{
			Response: feed.File("image/png", site.Icon.Data, nil),
			Version:  hex.EncodeToString(sum[:])[:12],
		}
	}
	return i.f
}

// file is the static file called name: the site's own icon for
// icon.png when it has one, else the embedded file.
func (s *Site) file(site *content.Site, name string) *staticFile {
	if name == "icon.png" {
		if f := s.icon.file(site); f != nil {
			return f
		}
	}
	return s.static.Files[name]
}

// fileURL is the URL of the static file called name with its version
// (see page.Static.URL).
func (s *Site) fileURL(site *content.Site, name string) string {
	return s.file(site, name).URL(name)
}

// StaticFile serves an embedded file. Asked for with its current version
// it may be cached for a year; without, for a day, revalidated by ETag.
func (s *Site) StaticFile(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := s.file(s.content.Content().Site, name)
		cc := hvShortCache
		if c.QueryParam("v") == f.Version {
			cc = hvLongCache
		}
		return httpx.Write(c, f.Response, httpx.Answer{CacheControl: cc})
	}
}

func (s *Site) Robots(c echo.Context) error {
	snap := s.content.At(s.now())
	body := "User-agent: *\nAllow: /\n\nSitemap: " + snap.Site.URL("/sitemap.xml") + "\n# Feeds: " + snap.Site.URL("/feeds") + "\n"
	r := feed.File("text/plain; charset=utf-8", []byte(body), nil)
	return httpx.Write(c, r, httpx.Answer{CacheControl: hvShortCache})
}
