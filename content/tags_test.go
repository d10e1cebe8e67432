package content

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTags(t *testing.T) {
	c, err := Load(tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: One\ntags: [Open-Source, models]\n---\nx\n",
		"issues/2/issue.md": "---\ndate: 2026-01-02\n---\n",
		"issues/2/lead.md":  "---\ntitle: Two\ntags: [open source, Open-Source]\n---\nx\n",
		"issues/2/guest.md": "---\ntitle: Three\ntags: [models]\ndraft: true\n---\nx\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	snap := c.At(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	var slugs []string
	for _, tag := range snap.Tags() {
		slugs = append(slugs, tag.Slug)
	}
	if got := strings.Join(slugs, " "); got != "models open-source" {
		t.Errorf("tags %q, want models open-source", got)
	}
	os := snap.Tag("open-source")
	if os == nil || len(os.Articles) != 2 || os.Articles[0].Title != "Two" || os.Name != "open source" || os.URLPath() != "/tags/open-source" {
		t.Fatalf("open-source = %+v", os)
	}
	if m := snap.Tag("models"); len(m.Articles) != 1 { // the draft article is not public
		t.Errorf("models has %d articles, want 1", len(m.Articles))
	}
	if links := os.Articles[0].TagLinks(); len(links) != 1 || links[0].Slug != "open-source" {
		t.Errorf("TagLinks = %v, want one open-source", links)
	}
	if snap.Tag("Open-Source") != nil {
		t.Error("Tag looks up unnormalised names")
	}
}

// A tag that gives no slug cannot have a page: it is an error, with its line.
func TestTagWithoutSlug(t *testing.T) {
	_, err := Load(tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: One\ntags:\n  - models\n  - \"!!!\"\n---\nx\n",
	}))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Path != "issues/1/lead.md" || ps[0].Line != 5 || !strings.Contains(ps[0].Msg, `tag "!!!"`) {
		t.Fatalf("err = %v", err)
	}
}
