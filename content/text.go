package content

import (
	"bytes"
	"encoding/binary"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// Clean returns s as valid UTF-8 holding only characters XML allows
// (XML 1.0 §2.2): invalid bytes become U+FFFD, and control characters
// other than tab, newline and carriage return, surrogates, U+FFFE and
// U+FFFF are dropped. Every text read from files passes through it, so
// nothing an editor types can make a feed unparsable.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune('\uFFFD')
		case xmlChar(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanYAML is Clean for the YAML of a file, before it is parsed: the
// YAML parser refuses a whole file for one invalid byte or control
// character, where every text is cleaned anyway. Invalid bytes become
// U+FFFD; characters YAML forbids (YAML 1.2 §5.1: C0 and C1 controls but
// tab, newline, carriage return and U+0085, U+007F, U+FFFE, U+FFFF) are
// dropped. Lines stay where they were, so problems name the right line.
func cleanYAML(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf && yamlChar(rune(b[i])) {
		i++ // nearly every file is clean ASCII
	}
	if i == len(b) {
		return b
	}
	var out []byte
	for j := i; j < len(b); {
		r, n := utf8.DecodeRune(b[j:])
		ok := yamlChar(r) && (r != utf8.RuneError || n > 1)
		if !ok && out == nil {
			out = append(make([]byte, 0, len(b)+2), b[:j]...)
		}
		switch {
		case ok && out != nil:
			out = append(out, b[j:j+n]...)
		case r == utf8.RuneError && n == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		j += n
	}
	if out == nil {
		return b
	}
	return out
}

// yamlChar reports whether r is a character YAML allows in a file
// (YAML 1.2 §5.1 c-printable).
func yamlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r < 0x7f:
		return true
	}
	return r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= utf8.MaxRune
}

// isClean reports whether Clean would return s as it is. Every text of
// every file is checked, nearly all of it printable ASCII, so that is
// skipped eight bytes at a time; any other byte is looked at alone.
func isClean(s string) bool {
	const (
		spaces = 0x2020202020202020
		high   = 0x8080808080808080
	)
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
			// A byte of w has its high bit set, or sets it when 0x20 is
			// taken from it, unless every byte is in 0x20-0x7F.
			if (w|(w-spaces))&high == 0 {
				i += 8
				continue
			}
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !xmlChar(r) {
			return false
		}
		i += n
	}
	return true
}

func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	case r < 0x10000:
		return false
	}
	return r <= utf8.MaxRune
}

// markdown renders Markdown as HTML: CommonMark with GitHub tables,
// strikethrough and autolinks; raw HTML is left out, so a body can carry
// no script. It is the only Markdown renderer of morningpost.
// Table alignment is written as align attributes, not style attributes,
// which the pages' Content-Security-Policy would block.
var markdown = goldmark.New(goldmark.WithExtensions(
	extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
	extension.Strikethrough,
	extension.Linkify,
	extension.TaskList,
))

// Markdown renders src as HTML.
func Markdown(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil //nolint:gosec // goldmark escapes text and drops raw HTML
}

// SummaryLength is the longest plain-text summary, in characters.
const SummaryLength = 300

// PlainText returns the text of an HTML fragment with tags removed and
// white space collapsed.
func PlainText(fragment string) string { return plainText(fragment, -1) }

// Summary is the plain-text summary of an HTML fragment: PlainText
// truncated to SummaryLength characters. It stops reading the fragment
// once it has enough text, which matters when loading thousands of
// articles.
func Summary(fragment string) string {
	return Truncate(plainText(fragment, SummaryLength+1), SummaryLength)
}

// plainText is PlainText, stopping after limit characters when limit >= 0.
// Truncate(plainText(s, n+1), n) == Truncate(PlainText(s), n): Truncate
// looks only at the first n+1 characters.
func plainText(fragment string, limit int) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	space := false
	runes := 0
	for {
		if limit >= 0 && runes >= limit {
			return b.String()
		}
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "td", "th":
				space = true
			}
		case html.TextToken:
			for _, r := range string(z.Text()) {
				if unicode.IsSpace(r) {
					space = true
					continue
				}
				if limit >= 0 && runes >= limit {
					break
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
					runes++
					if limit >= 0 && runes >= limit {
						break
					}
				}
				space = false
				b.WriteRune(r)
				runes++
			}
		}
	}
}

// Truncate shortens plain text to at most n characters, cutting at a word
// boundary and marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	cut := n - 1
	for i := cut; i > n/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}

// Slugify makes a URL slug from a title: lower-case ASCII letters and
// digits separated by single hyphens, accents dropped, at most 80 bytes.
func Slugify(title string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(title) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			// "AI's" becomes "ais", not "ai-s"
		default:
			hyphen = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// validSlug reports whether s is a slug Slugify could have made.
func validSlug(s string) bool {
	if s == "" || len(s) > 80 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
