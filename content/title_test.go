package content

import (
	"strings"
	"testing"
)

func TestPlainTitle(t *testing.T) {
	for in, want := range map[string]string{
		"Plain":                              "Plain",
		"AT&T < Verizon; 3<4":                "AT&T < Verizon; 3<4",
		"<script>alert(1)</script> Breaking": "alert(1) Breaking",
		"A <em>fine</em>  day":               "A fine day",
		"Open <b":                            "Open",
		"<!-- note -->Title":                 "Title",
		"Fish &amp; <i>Chips</i>":            "Fish & Chips",
	} {
		if got := PlainTitle(in); got != want {
			t.Errorf("PlainTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// Markup in a title is loaded as its text and reported as a warning at
// the title's line: the site's, an article's, a list's.
func TestTitleMarkupIsAWarning(t *testing.T) {
	files := recordFiles()
	files["morningpost.yaml"] = strings.Replace(recordSite, "title: T", "title: T <i>Post</i>", 1)
	files["issues/1/lead.md"] = "---\ntitle: \"<script>x()</script>Lead\"\n---\nL.\n"
	files["issues/1/issue.md"] = "---\ndate: 2026-06-01\ntools:\n  title: <b>Tools</b>\n  items:\n    - name: A\n      description: B\n---\n"
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	if c.Site.Title != "T Post" || c.Issue(1).Lead().Title != "x() Lead" || c.Issue(1).Tools.Title != "Tools" {
		t.Errorf("titles %q, %q, %q", c.Site.Title, c.Issue(1).Lead().Title, c.Issue(1).Tools.Title)
	}
	var got []string
	for _, w := range c.Warnings {
		got = append(got, w.Path+":"+strings.SplitN(w.String(), ":", 3)[1])
	}
	want := []string{"issues/1/issue.md:4", "issues/1/lead.md:2", "morningpost.yaml:1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("warnings at %v, want %v:\n%v", got, want, c.Warnings)
	}
}
