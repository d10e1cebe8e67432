package upstream

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"

	"github.com/morningpost/morningpost/content"
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
	it := s.cleanItem("s", &gofeed.Item{Description: long}, nil, testNow)
	if n := utf8.RuneCountInString(it.Summary); n > content.SummaryLength {
		t.Errorf("summary is %d runes", n)
	}
	if !strings.HasSuffix(it.Summary, "word…") || it.Summary != content.Truncate(long, content.SummaryLength) {
		t.Errorf("summary not cut at a word by content.Truncate: %q", it.Summary[len(it.Summary)-20:])
	}
	if it.Title != content.Truncate(it.Summary, 80) {
		t.Errorf("title from the summary = %q", it.Title)
	}
}

// TestItemTextIsClean: what an upstream item says reaches the store as
// clean text (content.Clean), whether the characters XML forbids came as
// raw bytes (JSON Feed "\u0001") or as character references, so no
// reader of the store cleans again.
func TestItemTextIsClean(t *testing.T) {
	s := newSanitizer()
	it := s.cleanItem("s", &gofeed.Item{
		Title:       "A &#1;title\x02 \uFFFE",
		Description: "<p>Sum&#x1;mary\x03 \uFFFF</p>",
		Content:     "<p>Body &#1; \x04 &#xFFFE;</p>",
		GUID:        "id\x05",
		Authors:     []*gofeed.Person{{Name: " Ann\x06 "}},
		Link:        "https://e.example/a",
	}, nil, testNow)
	for name, got := range map[string]string{"Title": it.Title, "Summary": it.Summary, "ContentHTML": it.ContentHTML, "GUID": it.GUID, "Author": it.Author} {
		if content.Clean(got) != got {
			t.Errorf("%s = %q holds characters XML forbids", name, got)
		}
	}
	if it.Title != "A title" || it.Summary != "Summary" || it.Author != "Ann" || it.ContentHTML != "<p>Body   </p>" {
		t.Errorf("item = %+v", it)
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
