package search

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// Limits of a query, so that no query is slow or costly: its length in
// bytes, its words and phrases, and the longest word kept (a longer one
// is no word of prose; it cannot be indexed either).
const (
	MaxQueryBytes = 200
	MaxTerms      = 8
	MaxWordRunes  = 40
)

// Error is a query that cannot be run. Its text is safe to show the
// reader, and says what to change.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// The ways a query can be wrong.
var (
	ErrEmpty    = &Error{"Type a word to search for."}
	ErrTooLong  = &Error{"That search is too long: keep it under 200 characters."}
	ErrTooMany  = &Error{"That search has too many words: use at most 8 words or phrases."}
	ErrQuote    = &Error{`A quotation mark is not closed: put a phrase between two " marks.`}
	ErrOnlyNot  = &Error{"A search needs at least one word to find, not only words to leave out (-word)."}
	ErrNoWords  = &Error{"That search has no words in it: search for letters or digits."}
	ErrControl  = &Error{"That search holds control characters: type plain text."}
	ErrEncoding = &Error{"That search is not valid UTF-8 text."}
)

// Term is one word or phrase of a query: its words folded and stemmed
// (Words), to be found (or, with Not, to be absent), one after the other
// when there are several.
type Term struct {
	Words []string
	Not   bool
}

// Query is a parsed search: every term not marked Not must be in an
// article, in any order, and no term marked Not.
type Query struct {
	Terms []Term
	// Text is the query as normalised: the terms as written back, one
	// canonical spelling for the same search (used as a cache key).
	Text string
}

// Parse reads a reader's query: words are ANDed, "a phrase" matches its
// words in order, -word and -"a phrase" exclude, case and accents are
// ignored and words are reduced to their English stem ("models" finds
// "model"). A query that cannot be run is an *Error saying why.
func Parse(q string) (*Query, error) {
	if len(q) > MaxQueryBytes {
		return nil, ErrTooLong
	}
	if !utf8.ValidString(q) {
		return nil, ErrEncoding
	}
	for _, r := range q {
		if unicode.IsControl(r) && r != '\t' || r == '\uFFFD' || r == '\uFEFF' {
			return nil, ErrControl
		}
	}
	if strings.TrimSpace(q) == "" {
		return nil, ErrEmpty
	}
	if strings.Count(q, `"`)%2 != 0 {
		return nil, ErrQuote
	}
	var terms []Term
	positive := 0
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		not := false
		if rest[0] == '-' {
			not = true
			rest = rest[1:]
		}
		var raw string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"') // balanced: Count above
			raw, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
			if end < 0 {
				end = len(rest)
			}
			raw, rest = rest[:end], rest[end:]
		}
		words := Words(raw)
		if len(words) == 0 {
			continue // an operator alone, or punctuation: nothing to find
		}
		terms = append(terms, Term{Words: words, Not: not})
		if !not {
			positive++
		}
		if len(terms) > MaxTerms {
			return nil, ErrTooMany
		}
	}
	if len(terms) == 0 {
		return nil, ErrNoWords
	}
	if positive == 0 {
		return nil, ErrOnlyNot
	}
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Not {
			b.WriteByte('-')
		}
		if len(t.Words) > 1 {
			b.WriteByte('"')
		}
		b.WriteString(strings.Join(t.Words, " "))
		if len(t.Words) > 1 {
			b.WriteByte('"')
		}
	}
	return &Query{Terms: terms, Text: b.String()}, nil
}

// Positive is the set of words the query looks for (not the excluded
// ones), for marking them in snippets.
func (q *Query) Positive() map[string]bool {
	out := map[string]bool{}
	for _, t := range q.Terms {
		if !t.Not {
			for _, w := range t.Words {
				out[w] = true
			}
		}
	}
	return out
}

// Words splits text into the words search knows, each folded and
// stemmed (Fold, then Stem): the one analysis of both what is indexed and
// what is asked, whichever engine runs it.
func Words(text string) []string {
	var out []string
	eachWord(text, func(_, _ int, w string) {
		out = append(out, w)
	})
	return out
}

// eachWord calls f with the byte span in text and the folded, stemmed
// form of each word of text. A word is a run of letters and digits;
// marks inside it are dropped with the accents.
func eachWord(text string, f func(start, end int, word string)) {
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || (start >= 0 && unicode.Is(unicode.Mn, r))
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			emit(text, start, i, f)
			start = -1
		}
	}
	if start >= 0 {
		emit(text, start, len(text), f)
	}
}

func emit(text string, start, end int, f func(int, int, string)) {
	w := Fold(text[start:end])
	if w == "" || utf8.RuneCountInString(w) > MaxWordRunes {
		return
	}
	f(start, end, Stem(w))
}

// Fold lowercases a word and strips its accents: "Café" is "cafe".
func Fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(w)
	}
	var b strings.Builder
	for _, r := range norm.NFKD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Stem reduces a folded word to its English stem (Snowball's English
// stemmer, Porter2): "models" and "modelling" are "model".
//
// Stems are remembered, up to maxStems words: the stemmer costs a
// microsecond a word, which was most of the work of indexing an archive
// and of every snippet, and prose has a small vocabulary. Past the
// bound, new words are stemmed every time.
func Stem(w string) string {
	if len(w) < 3 {
		return w
	}
	if s, ok := stems.Load(w); ok {
		return s.(string)
	}
	s := english.Stem(w, true)
	if stemCount.Add(1) <= maxStems {
		stems.Store(w, s)
	}
	return s
}

const maxStems = 1 << 18

var (
	stems     sync.Map // folded word -> stem; a cache of a pure function
	stemCount atomic.Int64
)

// Match reports whether an article of this title and text (its other
// searchable text, as Text gives it) matches q, as the index would find
// it: every term not marked Not is in the title or in the text (a
// phrase within one of them), and no Not term is. It reads the text
// itself, for the few articles the index does not hold (the drafts the
// editor's desk searches).
func (q *Query) Match(title, text string) bool {
	fields := [][]string{Words(title), Words(text)}
	has := func(t Term) bool {
		for _, f := range fields {
			for i := 0; i+len(t.Words) <= len(f); i++ {
				if slices.Equal(f[i:i+len(t.Words)], t.Words) {
					return true
				}
			}
		}
		return false
	}
	for _, t := range q.Terms {
		if has(t) == t.Not {
			return false
		}
	}
	return true
}
