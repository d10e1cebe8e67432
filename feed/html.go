package feed

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose values absolute() rewrites.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// absolute rewrites the relative URLs in an HTML fragment so that feed
// readers, which have no base URL, can follow them: "/issues/86" is
// resolved against the site's base URL (keeping its path), anything else
// relative ("86", "#notes") against page, the URL of the page the fragment
// belongs to. Everything else is copied as it is.
func (b *builder) absolute(fragment, page string) string {
	if !strings.Contains(fragment, "=") { // no attributes at all
		return fragment
	}
	pageURL, err := url.Parse(page)
	if err != nil {
		return fragment
	}
	var out strings.Builder
	out.Grow(len(fragment) + len(fragment)/8)
	z := html.NewTokenizer(strings.NewReader(fragment))
	var raw []byte
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.String()
		}
		raw = append(raw[:0], z.Raw()...)
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		t := z.Token()
		changed := false
		for i, a := range t.Attr {
			if a.Namespace != "" || !urlAttrs[a.Key] {
				continue
			}
			if abs := b.resolve(a.Val, pageURL); abs != a.Val {
				t.Attr[i].Val = abs
				changed = true
			}
		}
		if changed {
			out.WriteString(t.String())
		} else {
			out.Write(raw)
		}
	}
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
