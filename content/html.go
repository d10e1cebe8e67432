package content

import (
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the HTML attributes whose value is one URL.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true, "longdesc": true}

// RewriteURLs returns the HTML fragment with every URL it links to (the
// values of href, src, cite, poster and longdesc, each candidate of
// srcset) replaced by what resolve makes of it. tag, when not nil, is
// then given each start tag and may change its attributes, reporting
// whether it did (feed/upstream marks links nofollow). Tags nothing
// changed in, and all between tags, are copied byte for byte. It is the
// one URL rewriter of morningpost: feed makes the newsletter's links
// absolute for feed readers with it, feed/upstream an upstream item's.
func RewriteURLs(fragment string, resolve func(ref string) string, tag func(t *html.Token) bool) string {
	var out strings.Builder
	out.Grow(len(fragment) + len(fragment)/8)
	z := html.NewTokenizer(strings.NewReader(fragment))
	var raw []byte
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.String() // io.EOF: the tokenizer never fails otherwise
		}
		raw = append(raw[:0], z.Raw()...)
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		t := z.Token()
		changed := false
		for i, a := range t.Attr {
			v := a.Val
			switch {
			case a.Namespace != "":
				continue
			case urlAttrs[a.Key]:
				v = resolve(a.Val)
			case a.Key == "srcset":
				v = rewriteSrcset(a.Val, resolve)
			}
			if v != a.Val {
				t.Attr[i].Val = v
				changed = true
			}
		}
		if tag != nil {
			edited := t // only then a Token escapes to the heap
			if tag(&edited) {
				t, changed = edited, true
			}
		}
		if changed {
			out.WriteString(t.String())
		} else {
			out.Write(raw)
		}
	}
}

// rewriteSrcset resolves each URL of a srcset ("a.png 1x, b.png 2x").
func rewriteSrcset(v string, resolve func(string) string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		f[0] = resolve(f[0])
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}
