package upstream

import (
	"testing"

	"github.com/mmcdole/gofeed"
)

// An upstream title is plain text: markup in it, escaped or not, is
// dropped, so no feed or page carries it on, even escaped.
func TestItemTitleIsPlainText(t *testing.T) {
	s := newSanitizer()
	for in, want := range map[string]string{
		"&lt;script&gt;alert(1)&lt;/script&gt; Models": "alert(1) Models",
		"<b>Bold</b> claims":                           "Bold claims",
		"AT&amp;T &lt; Verizon":                        "AT&T < Verizon",
		"3 &lt; 4":                                     "3 < 4",
	} {
		it := s.cleanItem("s", &gofeed.Item{Title: in, Link: "https://e.example/a"}, nil, testNow)
		if it.Title != want {
			t.Errorf("title %q stored as %q, want %q", in, it.Title, want)
		}
	}
}
