package site

import (
	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The base path (a site under a sub-path) is handlers/page's BasePath
// and UnderBase; these put the server's answers under it.

// sitePath is a root-relative path as the browser must ask for it: under
// the base path of the site now served.
func (s *Site) sitePath(p string) string {
	return page.Prefixed(page.BasePath(s.content.Content().Site), p)
}

// MovedPermanently answers 301 to location, a site path, sent under the
// site's base path.
func (s *Site) MovedPermanently(c echo.Context, location string) error {
	return httpx.MovedPermanently(c, s.sitePath(location))
}

// seeOther answers 303 to location, a site path, sent under the site's
// base path.
func (s *Site) seeOther(c echo.Context, location string) error {
	return httpx.SeeOther(c, s.sitePath(location))
}
