package search

import (
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SnippetBytes is about the length of a snippet's text.
const SnippetBytes = 220

// Snippet is the passage of text that holds the most of the words in
// want (folded and stemmed, as Words makes them), about SnippetBytes
// long, HTML-escaped, each word found in a <mark>. Without any of them
// it is the start of the text.
func Snippet(text string, want map[string]bool) template.HTML {
	type span struct {
		start, end int
		word       string
	}
	var found []span
	eachWord(text, func(start, end int, w string) {
		if want[w] {
			found = append(found, span{start, end, w})
		}
	})
	// The window starting at the found word whose next SnippetBytes hold
	// the most distinct words wanted.
	from, best := 0, 0
	for i, s := range found {
		seen := map[string]bool{}
		for _, t := range found[i:] {
			if t.end-s.start > SnippetBytes {
				break
			}
			seen[t.word] = true
		}
		if len(seen) > best {
			from, best = s.start, len(seen)
		}
	}
	// Start a little before the first word, at a word's start.
	if from > SnippetBytes/4 {
		from = wordStart(text, from-SnippetBytes/4)
	} else {
		from = 0
	}
	to := len(text)
	if to-from > SnippetBytes {
		to = wordEnd(text, from+SnippetBytes)
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, s := range found {
		if s.start < from || s.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[at:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		at = s.end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return template.HTML(b.String()) //nolint:gosec // escaped above; only <mark> is added
}

// wordStart moves i forward to the start of a word (after a space),
// unless none comes soon.
func wordStart(text string, i int) int {
	for !utf8.RuneStart(text[i]) {
		i++
	}
	if j := strings.IndexFunc(text[i:], unicode.IsSpace); j >= 0 && j < 30 {
		return i + j + 1
	}
	return i
}

// wordEnd moves i back to the end of a word (before a space), unless
// none is near.
func wordEnd(text string, i int) int {
	if i >= len(text) {
		return len(text)
	}
	for i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	if j := strings.LastIndexFunc(text[:i], unicode.IsSpace); j >= 0 && i-j < 30 {
		return j
	}
	return i
}
