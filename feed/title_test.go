package feed

import (
	"fmt"
	"strings"
	"testing"
)

// Titles reach feeds as plain text: a front-matter title holding markup
// gives an RSS <title> with no markup in it, not even escaped, since
// readers take RSS titles for HTML.
func TestTitlesCarryNoMarkup(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 2, Title: func(n int, key string) string {
		return fmt.Sprintf("<script>alert(%d)</script> Issue %d <b>%s</b>", n, n, key)
	}}))
	for _, s := range Specs() {
		for _, f := range []Format{RSS, Atom} {
			b, err := Render(Build(snap, s), f)
			if err != nil {
				t.Fatal(err)
			}
			if doc := string(b); strings.Contains(doc, "&lt;script") || strings.Contains(doc, "&lt;b&gt;") {
				t.Errorf("%s holds a title's markup", s.Path(f))
			}
		}
	}
	if got := snap.Issue(2).Lead().Title; got != "alert(2) Issue 2 lead" {
		t.Errorf("title %q", got)
	}
}
