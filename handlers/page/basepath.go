package page

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/morningpost/morningpost/content"
)

// A site may live under a sub-path (base_url: https://example.com/blog/):
// a GitHub Pages project site, or a reverse proxy that strips the prefix
// before the request reaches morningpost. Routes stay at the root; what
// the pages link to (pages, feeds, pictures, the stylesheet, the editor's
// event stream) and where redirects send the browser carry the prefix.
// Feeds and sitemaps hold absolute URLs made by Site.URL, which has it
// already.

// BasePath is the path of the site's base_url without its trailing slash:
// "" at the root of a host, "/blog" under a sub-path.
func BasePath(site *content.Site) string {
	if site == nil || site.BaseURL == nil {
		return ""
	}
	return strings.TrimRight(site.BaseURL.Path, "/")
}

// UnderBase returns a rendered page with every root-relative link put
// under the site's base path; the page itself when the site is at the
// root of its host, so such sites pay nothing.
func UnderBase(site *content.Site, page []byte) []byte {
	base := BasePath(site)
	if base == "" {
		return page
	}
	resolve := func(ref string) string { return Prefixed(base, ref) }
	return []byte(content.RewriteURLs(string(page), resolve, func(t *html.Token) bool {
		changed := false
		for i, a := range t.Attr {
			if a.Namespace == "" && (a.Key == "action" || a.Key == "data-events") {
				if v := Prefixed(base, a.Val); v != a.Val {
					t.Attr[i].Val, changed = v, true
				}
			}
		}
		return changed
	}))
}

// Prefixed puts a root-relative reference ("/issues/87") under base; any
// other reference (absolute, protocol-relative, relative, a fragment) is
// returned as it is. A root-relative link in an article means the site's
// root, as the feeds read it (feed's resolve), so it is prefixed too.
func Prefixed(base, ref string) string {
	if base == "" || !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
		return ref
	}
	return base + ref
}
