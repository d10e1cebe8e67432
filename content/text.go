package content

import (
	"bytes"
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
// U+FFFF are dropped. It is the one XML-character cleaner of morningpost:
// every text read from files passes through it (see the package doc), so
// nothing an editor types can make a feed unparsable, and so does every
// text feed/upstream keeps of an upstream item.
func Clean(s string) string { return clean(s) }

// CleanBytes is Clean for bytes, such as a whole upstream document before
// it is parsed (encoding/xml refuses a document for one forbidden
// character). It returns b itself when b is clean.
func CleanBytes(b []byte) []byte { return clean(b) }

func clean[T string | []byte](s T) T {
	if isClean(s) {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := decodeRune(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		case xmlChar(r):
			out = append(out, s[i:i+n]...) // UTF-8 is canonical: the same bytes as utf8.AppendRune(r)
		}
		i += n
	}
	return T(out)
}

// decodeRune is utf8.DecodeRune for strings and bytes alike.
func decodeRune[T string | []byte](s T) (rune, int) {
	if len(s) > 0 && s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	var buf [utf8.UTFMax]byte
	return utf8.DecodeRune(buf[:copy(buf[:], s[:min(len(s), utf8.UTFMax)])])
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
func isClean[T string | []byte](s T) bool {
	const (
		spaces = 0x2020202020202020
		high   = 0x8080808080808080
	)
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
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
		r, n := decodeRune(s[i:])
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
	// Clean again: goldmark turns character references such as &#1; into
	// the characters, which XML forbids.
	return template.HTML(Clean(buf.String())), nil //nolint:gosec // goldmark escapes text and drops raw HTML
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
// boundary and marking the cut with an ellipsis. It is the one truncator
// of morningpost: summaries, titles and descriptions of the newsletter
// and of upstream items, drafted lists, poll errors. Only the first n+1
// characters of s are looked at, however long s is.
func Truncate(s string, n int) string {
	count := 0
	for i := range s {
		if count == n { // a character beyond the n-th: cut
			return truncateRunes([]rune(s[:i]), n)
		}
		count++
	}
	return s
}

// truncateRunes cuts the first n characters of a longer text.
func truncateRunes(runes []rune, n int) string {
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

// Line collapses the white space of s to single spaces, with none at
// either end: titles, names, categories and summaries are one line. It is
// the one line-maker of morningpost (feed and feed/upstream use it); it
// does not clean, since text that leaves content is clean already.
func Line(s string) string {
	if !needsCollapse(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// needsCollapse reports whether Line would change s: it holds white space
// other than single spaces between words, or any non-ASCII byte (which
// may be Unicode white space).
func needsCollapse(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		if c >= 0x80 || space && prevSpace || c != ' ' && space {
			return true
		}
		prevSpace = space
	}
	return prevSpace && len(s) > 0
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

// PlainTitle makes a title plain text. A title is text everywhere: pages
// escape it, and a feed reader that takes an RSS title for HTML would
// run any markup left in it, however escaped the feed writes it. A title
// holding markup (a tag, a comment, or a tag left open at its end) is
// replaced by its text, the markup dropped, on one line; any other title
// is returned as it is. It is the one rule for titles of the newsletter
// and of upstream items.
func PlainTitle(s string) string {
	t, _ := plainTitle(s)
	return t
}

// plainTitle is PlainTitle, reporting whether s held markup.
func plainTitle(s string) (string, bool) {
	if !strings.ContainsRune(s, '<') {
		return s, false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	markup, raw := false, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !markup && raw == len(s) {
				return s, false
			}
			return Clean(Line(b.String())), true
		case html.TextToken:
			raw += len(z.Raw())
			b.Write(z.Text())
		default:
			markup = true
			b.WriteByte(' ') // a tag may part two words
		}
	}
}
