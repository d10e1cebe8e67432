package upstream

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeHTML(t *testing.T) {
	base, _ := url.Parse("https://example.com/blog/2026/item.html")
	in := `<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>` +
		`<img src="../img/cat.png" onerror="alert(2)" alt="cat">` +
		`<a href="/about" rel="me" target="_top">about</a> <a href="javascript:alert(3)">js</a>` +
		`<iframe src="https://evil.example/"></iframe><style>p{color:red}</style>` +
		`<form action="/x"><input name="q"></form><a href="#top">top</a>` +
		`<img srcset="small.png 1x, big.png 2x" src="p.png"></p>`
	out := newSanitizer().HTML(in, base)
	for _, bad := range []string{"script", "alert", "onclick", "onerror", "iframe", "style", "javascript", "form", "input", "target=", `rel="me"`} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		`src="https://example.com/blog/img/cat.png"`,
		`href="https://example.com/about"`,
		`rel="nofollow noopener"`,
		`<b>there</b>`,
		`alt="cat"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without a base, a relative link has nowhere to point and is dropped.
	if out := newSanitizer().HTML(`<a href="/x">x</a>`, nil); strings.Contains(out, "href") {
		t.Errorf("relative href kept without base: %s", out)
	}
}

func TestSummarize(t *testing.T) {
	s := newSanitizer()
	text := s.Text("<p>Hello&nbsp;<b>world</b></p><p>Second &amp; last.</p><script>evil()</script>")
	if text != "Hello world Second & last." {
		t.Errorf("Text = %q", text)
	}
	long := strings.Repeat("word ", 100) + "end"
	sum := summarize(long, SummaryLen)
	if n := utf8.RuneCountInString(sum); n > SummaryLen {
		t.Errorf("summary is %d runes", n)
	}
	if !strings.HasSuffix(sum, "word…") {
		t.Errorf("summary not cut at a word: %q", sum[len(sum)-20:])
	}
	if got := summarize(strings.Repeat("é", 400), 10); got != strings.Repeat("é", 9)+"…" {
		t.Errorf("no-space cut = %q", got)
	}
	if got := summarize("short", 300); got != "short" {
		t.Errorf("short = %q", got)
	}
}

func TestWebURL(t *testing.T) {
	base, _ := url.Parse("https://example.com/feed/")
	for in, want := range map[string]string{
		"https://a.example/x":    "https://a.example/x",
		"/x":                     "https://example.com/x",
		"x":                      "https://example.com/feed/x",
		"javascript:alert(1)":    "",
		"data:text/html,hi":      "",
		"ftp://a.example/":       "",
		"https://u:p@a.example/": "",
		"":                       "",
	} {
		if got := webURL(in, base); got != want {
			t.Errorf("webURL(%q) = %q, want %q", in, got, want)
		}
	}
}
