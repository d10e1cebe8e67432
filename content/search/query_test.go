package search_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/content/search"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		q, want string // want: the normalised text
	}{
		{"Models", "model"},
		{"  small   MODELS ", "small model"},
		{`"Small Models" run`, `"small model" run`},
		{`models -phones`, "model -phone"},
		{`models -"small phones"`, `model -"small phone"`},
		{"Café Zürich naïve", "cafe zurich naiv"},
		{"state-of-the-art", `"state of the art"`},
		{"models - phones", "model phone"}, // a dash alone is not an operator
		{`models ""`, "model"},             // nor an empty phrase
		{"C++ !!", "c"},
	} {
		q, err := search.Parse(c.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.q, err)
			continue
		}
		if q.Text != c.want {
			t.Errorf("Parse(%q) = %q, want %q", c.q, q.Text, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		q    string
		want error
	}{
		{"", search.ErrEmpty},
		{"   ", search.ErrEmpty},
		{strings.Repeat("a", search.MaxQueryBytes+1), search.ErrTooLong},
		{"a b c d e f g h i", search.ErrTooMany},
		{`"small models`, search.ErrQuote},
		{`models "a" "b`, search.ErrQuote},
		{"-models", search.ErrOnlyNot},
		{`-"small models" -phone`, search.ErrOnlyNot},
		{"-", search.ErrNoWords},
		{`""`, search.ErrNoWords},
		{"!!! ???", search.ErrNoWords},
		{"models\x00", search.ErrControl},
		{"models\x1b[31m", search.ErrControl},
		{"models\u0085", search.ErrControl},
		{"models\xff", search.ErrEncoding},
	} {
		_, err := search.Parse(c.q)
		if !errors.Is(err, c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.q, err, c.want)
		}
		var e *search.Error
		if !errors.As(err, &e) || e.Msg == "" {
			t.Errorf("Parse(%q): %v is not a *search.Error with a message", c.q, err)
		}
	}
}

// FuzzParse: no query panics, and what parses has terms of words that
// are letters and digits only (the engines' query languages quote them
// without escaping).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"models", `"a b" -c`, `-"`, "Zürich", "\x00", strings.Repeat("x ", 100), `a"b"c`, "--a", `"-a"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := search.Parse(s)
		if err != nil {
			var e *search.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): %v is not a *search.Error", s, err)
			}
			return
		}
		if len(q.Terms) == 0 || len(q.Terms) > search.MaxTerms {
			t.Fatalf("Parse(%q): %d terms", s, len(q.Terms))
		}
		for _, term := range q.Terms {
			for _, w := range term.Words {
				if w == "" || strings.ContainsAny(w, ` "'!&|()<>:*^-`) {
					t.Fatalf("Parse(%q): word %q", s, w)
				}
			}
		}
	})
}
