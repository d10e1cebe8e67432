package site

import (
	"errors"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// Pictures of an issue are served at /issues/{number}/images/{hash}/{name}:
// the hash is of the bytes, so the URL changes whenever the file does and
// the response may be cached for a year, immutable. A picture is served
// only when a public article or note of a public issue shows it; with
// the preview token (cookie or bearer), any picture of any issue is, as
// the editor's preview shows drafts.

// hvImageCSP is the Content-Security-Policy of an SVG picture opened by
// itself: no script runs, nothing is fetched, it is sandboxed.
var hvImageCSP = []string{"default-src 'none'; style-src 'unsafe-inline'; sandbox"}

func (s *Site) Image(c echo.Context) error {
	preview := s.editor(c.Request())
	pub := findIssue(s.content.At(s.now()), c.Param("number")) // nil unless public
	iss := pub
	if preview {
		iss = findIssue(s.content.Content().Preview(), c.Param("number"))
	}
	if iss == nil {
		return httpx.ErrNotFound
	}
	img := iss.Image(c.Param("name"))
	if img == nil || img.Hash != c.Param("hash") {
		return httpx.ErrNotFound
	}
	// The public copy of an issue holds only its public articles.
	public := pub != nil && pub.PublicImage(img)
	if !public && !preview {
		return httpx.ErrNotFound
	}
	r, err := s.picture(img)
	if errors.Is(err, content.ErrImageChanged) || errors.Is(err, fs.ErrNotExist) {
		return httpx.ErrNotFound // changed or gone since the load: the reload brings the new URL
	}
	if err != nil {
		return err
	}
	cc := longCache
	if !public {
		cc = "private, no-store" // a draft's picture, for the editor only
	}
	return httpx.Write(c, r, httpx.Answer{CacheControl: []string{cc}})
}

// picture returns the response of img from the render cache, reading
// it on a miss. Its key is the hash of its bytes: a picture changed on
// disk has a new URL.
func (s *Site) picture(img *content.Image) (*feed.Response, error) {
	v, err := s.feeds.Value("img\x00"+img.Hash+"/"+img.Type, "", func() (any, int64, error) {
		b, err := img.Read()
		if err != nil {
			return nil, 0, err
		}
		var h http.Header
		if img.Type == "image/svg+xml" {
			h = http.Header{"Content-Security-Policy": hvImageCSP}
		}
		return feed.File(img.Type, b, h), int64(len(b)), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*feed.Response), nil
}
