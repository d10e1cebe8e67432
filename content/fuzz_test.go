package content

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io/fs"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"
)

// FuzzLoad loads a content root whose site file, issue.md and one article
// are any bytes. Load must not panic; it either returns content whose
// every text is valid UTF-8 made of characters XML allows, or Problems,
// each naming a file of the root, a line inside it and a readable message.
// An empty site argument stands for a valid site file, so that most
// inputs reach the issue and the article. Invalid UTF-8 and control
// characters are cleaned, never the reason a file is refused.
func FuzzLoad(f *testing.F) {
	sampleFile := func(name string) []byte {
		b, err := fs.ReadFile(Sample(), name)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	issue := sampleFile("issues/87/issue.md")
	for _, a := range []string{"lead", "deep-dive", "editor", "guest"} {
		f.Add([]byte(nil), issue, sampleFile("issues/87/"+a+".md"), uint8(0))
	}
	f.Add(sampleFile(SiteFile), issue, sampleFile("issues/87/lead.md"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: T\n---\nBody"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---"), []byte("---\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("\xef\xbb\xbf---\r\ndate: 2026-01-01\r\n---\r\nnote\r\n"), []byte("---\ntitle: \"a\\x00b\\u0007c\\uFFFE\"\nauthor: \"\\x01\"\n---\n\x00\x1b\xff"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: [1, 2]\nmetrics: {rows: [{label: a}]}\n---\n"), []byte("---\ntitle: x\ntags: [a, \"\\x02\"]\nrating: 9/3\nslug: A--B\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\ntools: {items: [{name: n, description: d, link: \"http://h\\x7f/\"}]}\n---\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\ntools: {items: [{name: n, description: d, link: \"http://h/\\xff\"}]}\n---\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\nauthor: {name: n, email: \"\\x03\", url: \"\\uFFFF\"}\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\ntools: {items: [{name: n, description: d, link: \"http://h/\\uFFFF\\x85\"}]}\n---\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte("title: T\nbase_url: https://p.example/\nauthority: \"a\\x01\\uFFFE@p.example,2025\"\nauthor: {name: D, email: \"\\x02\"}\nsources: [{name: s, url: \"https://u.example/\\uFFFF\"}]\n"), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte("title: [\n"), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\n&a [*a]\n---\n"), []byte("---\n- not a mapping\n---\n"), uint8(0))
	f.Add([]byte("title: T\xff\x01\nbase_url: https://p.example/\nauthority: p.example,2025\nauthor: {name: D\x85\x7f}\n"), []byte("---\ndate: 2026-01-01\nplace: \xc3\x28\x1b\n---\n"), []byte("---\ntitle: \xed\xa0\x80\xef\xbf\xbf\xc2\x80\n---\n\xff"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n| a | b |\n|:-|-:|\n| <script> | \u2028 |\n\n<!-- c --><img src=x onerror=y>\n"), uint8(0))

	// Character references that name characters XML forbids: Markdown
	// turns them into the characters, in bodies, notes and summaries.
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\nNote &#1; &#xFFFE;\n"), []byte("---\ntitle: x\n---\nBody &#2; &#xFFFF; [a](http://e/&#4;)\n"), uint8(0))

	// Markdown nested deep, or intricate enough for goldmark to take
	// quadratic time: a problem at its line, found before rendering.
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"+strings.Repeat(">", 5000)+"\n"), []byte("---\ntitle: x\n---\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"+strings.Repeat("- ", 40)+"x\n"+strings.Repeat("a\n", 100)), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"+strings.Repeat("[a](", 3000)), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"+strings.Repeat("> 1. ", 7)+"x\n\n```\n"+strings.Repeat("[*_<", 2000)+"\n```\n"), uint8(0))
	f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n|"+strings.Repeat("a|", 300)+"\n|"+strings.Repeat("-|", 300)+"\n"+strings.Repeat("b\n", 50)), uint8(0))
	// A named pipe where an article, issue.md or a picture would be.
	for special := range uint8(4) {
		f.Add([]byte(nil), []byte("---\ndate: 2026-01-01\n---\n"), []byte("---\ntitle: x\n---\n"), special)
	}
	f.Fuzz(func(t *testing.T, site, issue, article []byte, special uint8) {
		files := map[string][]byte{
			SiteFile:             site,
			"issues/1/issue.md":  issue,
			"issues/1/column.md": article,
		}
		if len(site) == 0 {
			files[SiteFile] = []byte(siteYAML)
		}
		// special names a file that is a named pipe: none, the article,
		// issue.md or a picture.
		pipe := [4]string{"", "issues/1/column.md", "issues/1/issue.md", "issues/1/p.png"}[special%4]
		if pipe != "" && files[pipe] == nil {
			files[pipe] = []byte{}
		}
		fsys := fstest.MapFS{}
		for name, b := range files {
			fsys[name] = &fstest.MapFile{Data: b}
		}
		if pipe != "" {
			fsys[pipe].Mode = fs.ModeNamedPipe
		}
		c, err := Load(fsys)
		if err != nil {
			if c != nil {
				t.Fatal("Load returned content and an error")
			}
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Load error %T %v is not Problems", err, err)
			}
			named := pipe == ""
			for _, p := range ps {
				named = named || p.Path == pipe && strings.Contains(p.Msg, "named pipe")
				checkProblem(t, p, files)
				if refusedForCharacters(p.Msg) {
					t.Errorf("refused for its characters, which are to be cleaned: %v", p)
				}
			}
			if !named && len(site) == 0 {
				t.Errorf("the named pipe %s is not a problem: %v", pipe, ps)
			}
			return
		}
		if pipe != "" {
			t.Fatalf("loaded with a named pipe as %s", pipe)
		}
		checkTexts(t, "Content", reflect.ValueOf(c), map[uintptr]bool{})
		// Article bodies were rendered at load.
		for _, iss := range c.Issues {
			for _, a := range iss.Articles {
				checkText(t, a.Path+" body", string(a.Body()))
				checkText(t, a.Path+" summary", a.Summary())
			}
		}
	})
}

// refusedForCharacters reports whether msg is the YAML reader refusing
// a file's bytes (go.yaml.in/yaml/v3 readerc.go), which cleanYAML makes
// impossible. (A %-escape in a tag that decodes to invalid UTF-8 is
// another matter: "found an incorrect leading UTF-8 octet".)
func refusedForCharacters(msg string) bool {
	for _, s := range []string{"invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence", "invalid trailing UTF-8 octet",
		"invalid length of a UTF-8 sequence", "invalid Unicode character", "UTF-16", "surrogate area", "control characters are not allowed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// checkProblem checks that p names a file of the root (or the issue
// folder), a line within it, and a message fit to show.
func checkProblem(t *testing.T, p Problem, files map[string][]byte) {
	t.Helper()
	b, ok := files[p.Path]
	if !ok && p.Path != "issues/1" {
		t.Errorf("problem %q names no file of the root", p)
	}
	if lines := bytes.Count(b, []byte("\n")) + 1; p.Line < 0 || p.Line > lines {
		t.Errorf("problem %q: line %d outside the file's %d lines", p, p.Line, lines)
	}
	if p.Msg == "" || !utf8.ValidString(p.Msg) || Clean(p.Msg) != p.Msg {
		t.Errorf("problem message %q is empty, not UTF-8, or holds characters XML forbids", p.Msg)
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	locType  = reflect.TypeFor[*time.Location]()
	urlType  = reflect.TypeFor[*url.URL]()
)

// checkTexts walks v and fails on any string that is not valid UTF-8 or
// holds a character XML forbids. Times and time zones hold no text from
// files; seen breaks the cycles between issues, articles and the site.
func checkTexts(t *testing.T, where string, v reflect.Value, seen map[uintptr]bool) {
	t.Helper()
	switch v.Type() {
	case timeType, locType:
		return
	case urlType:
		if !v.IsNil() {
			checkText(t, where, v.Interface().(*url.URL).String())
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		checkText(t, where, v.String())
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		checkTexts(t, where, v.Elem(), seen)
	case reflect.Struct:
		for i := range v.NumField() {
			checkTexts(t, where+"."+v.Type().Field(i).Name, v.Field(i), seen)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkTexts(t, where, v.Index(i), seen)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			checkTexts(t, where, it.Key(), seen)
			checkTexts(t, where, it.Value(), seen)
		}
	}
}

func checkText(t *testing.T, where, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s = %q is not valid UTF-8", where, s)
		return
	}
	for _, r := range s {
		if !xmlChar(r) {
			t.Errorf("%s = %q holds %U, which XML forbids", where, s, r)
			return
		}
	}
}

// FuzzClean checks Clean on any string: the result is valid UTF-8 of
// characters XML allows, Clean leaves it as it is, text that was already
// clean is untouched, and encoding/xml reads it back exactly.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "plain", "tab\tnl\ncr\r", "bell\a nul\x00", "bad \xff byte", "nonchar \uFFFE \uFFFF end",
		"emoji 🚀", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond U+10FFFF", "\uFFFD already",
		"\xc0\xaf overlong", "\x7f\u0085\u2028", "]]>&<\"'", "\xe2\x82", "日本語\x1f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		checkText(t, "Clean(s)", c)
		if b := CleanBytes([]byte(s)); string(b) != c {
			t.Errorf("CleanBytes(%q) = %q, Clean = %q", s, b, c)
		}
		if Clean(c) != c {
			t.Errorf("Clean is not idempotent: %q -> %q -> %q", s, c, Clean(c))
		}
		clean := utf8.ValidString(s)
		for _, r := range s {
			clean = clean && xmlChar(r)
		}
		if clean && c != s {
			t.Errorf("Clean changed clean text %q to %q", s, c)
		}
		if utf8.RuneCountInString(c) > len(s) {
			t.Errorf("Clean(%q) = %q has more characters than s has bytes", s, c)
		}
		var doc strings.Builder
		doc.WriteString("<t>")
		if err := xml.EscapeText(&doc, []byte(c)); err != nil {
			t.Fatal(err)
		}
		doc.WriteString("</t>")
		var back struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(doc.String()), &back); err != nil {
			t.Fatalf("encoding/xml rejects %q: %v", c, err)
		}
		if back.Text != c {
			t.Errorf("encoding/xml reads %q back as %q", c, back.Text)
		}
	})
}

// FuzzTruncate checks Truncate, which reads only the first n+1
// characters, against the plain definition it must keep (output bytes of
// feeds and stored items depend on it), which reads the whole text.
func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"", "short", "two words here and more words", "ends in punctuation, here!) yes",
		"ééééééééééééé", "no-spaces-at-all-in-this-long-text", "tab\tand\nnewline and more text", "\xff bad \xfe bytes and more"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 400 {
			n = 1 + (n%400+400)%400
		}
		if got, want := Truncate(s, n), truncateReference(s, n); got != want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", s, n, got, want)
		}
	})
}

// truncateReference is Truncate as it was: the whole text as runes.
// (truncateRunes reads only the first n of them.)
func truncateReference(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return truncateRunes([]rune(s), n)
}
