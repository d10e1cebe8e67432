package export

import (
	"bytes"
	"mime"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// links returns the site paths (with query) a document at src links to:
// in HTML every href, src and srcset, in CSS every url(), and in any text
// (feeds, OPML, robots.txt, sitemaps, JSON) every absolute URL under the
// site's base URL.
func (x *exporter) links(src, contentType string, body []byte) []string {
	t, _, _ := mime.ParseMediaType(contentType)
	if !compressible(contentType) {
		return nil
	}
	var raw []string
	switch t {
	case "text/html":
		raw = htmlLinks(body)
	case "text/css":
		for _, m := range cssURL.FindAllSubmatch(body, -1) {
			raw = append(raw, string(m[1]))
		}
	}
	raw = append(raw, x.absoluteLinks(body)...)
	var out []string
	for _, l := range raw {
		if p := x.sitePath(src, l); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var cssURL = regexp.MustCompile(`url\(\s*['"]?([^'")\s]+)`)

// htmlLinks are the values of href, src and srcset attributes.
func htmlLinks(body []byte) []string {
	var out []string
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		for {
			k, v, more := z.TagAttr()
			switch string(k) {
			case "href", "src":
				out = append(out, string(v))
			case "srcset":
				for _, c := range strings.Split(string(v), ",") {
					if f := strings.Fields(c); len(f) > 0 {
						out = append(out, f[0])
					}
				}
			}
			if !more {
				break
			}
		}
	}
}

// absoluteLinks finds the URLs under the base URL in any text, as XML,
// JSON and plain text write them.
func (x *exporter) absoluteLinks(body []byte) []string {
	base := strings.TrimSuffix(x.opts.Base.String(), "/")
	prefixes := []string{base, strings.ReplaceAll(base, "/", `\/`)} // JSON may escape slashes
	var out []string
	for _, prefix := range prefixes {
		b := body
		for {
			i := bytes.Index(b, []byte(prefix))
			if i < 0 {
				break
			}
			rest := b[i:]
			end := bytes.IndexAny(rest, "\"'<> \t\r\n)")
			if end < 0 {
				end = len(rest)
			}
			u := string(rest[:end])
			b = rest[end:]
			u = strings.ReplaceAll(u, `\/`, "/")
			u = strings.ReplaceAll(u, `\u0026`, "&")
			// An escaped quote (&quot; in HTML inside XML) ends it too.
			for j := strings.IndexByte(u, '&'); j >= 0; j = next(u, j) {
				if !strings.HasPrefix(u[j:], "&amp;") {
					u = u[:j]
					break
				}
			}
			u = strings.ReplaceAll(u, "&amp;", "&")
			u = strings.TrimRight(u, ".,;:\\")
			if rest := u[len(base):]; rest == "" || rest[0] == '/' || rest[0] == '?' {
				out = append(out, u)
			}
		}
	}
	return out
}

// next is the index of the & after the one at j, or -1.
func next(s string, j int) int {
	k := strings.IndexByte(s[j+1:], '&')
	if k < 0 {
		return -1
	}
	return j + 1 + k
}
