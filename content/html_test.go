package content

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRewriteURLs(t *testing.T) {
	up := func(ref string) string { return strings.ToUpper(strings.TrimSpace(ref)) }
	for in, want := range map[string]string{
		// Unchanged tags and text are copied as written, quotes and all.
		`<p class='x'>a &amp; b</p><a href='HTTP://A'>x</a>`: `<p class='x'>a &amp; b</p><a href='HTTP://A'>x</a>`,
		`<a href="x" title=t>x</a>`:                          `<a href="X" title="t">x</a>`,
		`<img src=" y " srcset="a.png 1x,b.png  2x">`:        `<img src="Y" srcset="A.PNG 1x, B.PNG 2x">`,
		`<q cite=c>q</q><video poster=p></video>`:            `<q cite="C">q</q><video poster="P"></video>`,
		`<img longdesc=d data-src=keep>`:                     `<img longdesc="D" data-src="keep">`,
	} {
		if got := RewriteURLs(in, up, nil); got != want {
			t.Errorf("RewriteURLs(%s) = %s, want %s", in, got, want)
		}
	}
	mark := func(tok *html.Token) bool {
		if tok.Data != "a" {
			return false
		}
		tok.Attr = append(tok.Attr, html.Attribute{Key: "rel", Val: "nofollow"})
		return true
	}
	if got := RewriteURLs(`<a href="X">x</a><b>y</b>`, up, mark); got != `<a href="X" rel="nofollow">x</a><b>y</b>` {
		t.Errorf("with a tag hook: %s", got)
	}
}
