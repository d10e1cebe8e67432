package handlers

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"path"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

//go:generate go run geniconpng.go

//go:embed static
var staticFS embed.FS

// staticFiles are the embedded files under static/, with their headers
// computed once.
type staticFiles struct {
	files map[string]*staticFile
}

type staticFile struct {
	*feed.Response
	version string // first hex digits of the content hash, for ?v=
}

// contentTypes of the static files by extension.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".js":  "text/javascript; charset=utf-8",
}

func loadStatic() (*staticFiles, error) {
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		return nil, err
	}
	s := &staticFiles{files: map[string]*staticFile{}}
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok || e.IsDir() {
			continue
		}
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		s.files[e.Name()] = &staticFile{
			Response: feed.File(ct, b, nil),
			version:  hex.EncodeToString(sum[:])[:12],
		}
	}
	for _, need := range []string{"site.css", "icon.png", "live.js"} {
		if s.files[need] == nil {
			return nil, fmt.Errorf("static/%s is missing", need)
		}
	}
	return s, nil
}

// url is the file's URL with its version, which pages link to: the
// version changes with the bytes, so the URL may be cached for a year.
func (s *staticFiles) url(name string) string { return s.files[name].url(name) }

// url is the URL of f, served as static/name, with its version.
func (f *staticFile) url(name string) string { return "/static/" + name + "?v=" + f.version }

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
		i.f = &staticFile{
			Response: feed.File("image/png", site.Icon.Data, nil),
			version:  hex.EncodeToString(sum[:])[:12],
		}
	}
	return i.f
}

// file is the static file called name: the site's own icon for
// icon.png when it has one, else the embedded file.
func (s *server) file(site *content.Site, name string) *staticFile {
	if name == "icon.png" {
		if f := s.icon.file(site); f != nil {
			return f
		}
	}
	return s.static.files[name]
}

// fileURL is the URL of the static file called name with its version
// (see staticFiles.url).
func (s *server) fileURL(site *content.Site, name string) string {
	return s.file(site, name).url(name)
}

// staticFile serves an embedded file. Asked for with its current version
// it may be cached for a year; without, for a day, revalidated by ETag.
func (s *server) staticFile(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := s.file(s.content.Content().Site, name)
		cc := hvShortCache
		if c.QueryParam("v") == f.version {
			cc = hvLongCache
		}
		return httpx.Write(c, f.Response, httpx.Answer{CacheControl: cc})
	}
}

func (s *server) robots(c echo.Context) error {
	snap := s.content.At(s.now())
	body := "User-agent: *\nAllow: /\n\nSitemap: " + snap.Site.URL("/sitemap.xml") + "\n# Feeds: " + snap.Site.URL("/feeds") + "\n"
	r := feed.File("text/plain; charset=utf-8", []byte(body), nil)
	return httpx.Write(c, r, httpx.Answer{CacheControl: hvShortCache})
}
