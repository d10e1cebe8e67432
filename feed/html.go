package feed

import (
	"net/url"
	"strings"

	"github.com/morningpost/morningpost/content"
)

// absolute rewrites the relative URLs in an HTML fragment so that feed
// readers, which have no base URL, can follow them: "/issues/86" is
// resolved against the site's base URL (keeping its path), anything else
// relative ("86", "#notes") against page, the URL of the page the fragment
// belongs to. Everything else is copied as it is (content.RewriteURLs).
func (b *builder) absolute(fragment, page string) string {
	if !strings.Contains(fragment, "=") { // no attributes at all
		return fragment
	}
	pageURL, err := url.Parse(page)
	if err != nil {
		return fragment
	}
	return content.RewriteURLs(fragment, func(ref string) string { return b.resolve(ref, pageURL) }, nil)
}

// resolve makes ref absolute; it returns ref unchanged if it already is,
// or if it is not a URL.
func (b *builder) resolve(ref string, page *url.URL) string {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil || u.Scheme != "" {
		return ref
	}
	switch {
	case u.Host != "": // //host/path: same scheme as the site
		return b.root.ResolveReference(u).String()
	case strings.HasPrefix(u.Path, "/"): // site-relative: under the base URL's path
		u.Path = strings.TrimLeft(u.Path, "/")
		u.RawPath = ""
		return b.root.ResolveReference(u).String()
	}
	return page.ResolveReference(u).String()
}
