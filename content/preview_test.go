package content

import (
	"strings"
	"testing"
	"time"
)

func TestPreview(t *testing.T) {
	c, err := Load(tree(map[string]string{
		"issues/1/issue.md":  "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":   "---\ntitle: Public Lead\n---\nText.\n",
		"issues/1/secret.md": "---\ntitle: Draft Column\ndraft: true\n---\nLater.\n",
		"issues/2/issue.md":  "---\ndate: 2026-01-02\n---\n",
		"issues/2/lead.md":   "---\ntitle: Scheduled Lead\n---\nTomorrow.\n",
		"issues/3/issue.md":  "---\ndate: 2025-12-01\ndraft: true\n---\n",
		"issues/3/lead.md":   "---\ntitle: Draft Issue Lead\n---\nNever.\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	p := c.Preview()
	if !strings.HasPrefix(p.Key, PreviewKeyPrefix) || strings.HasPrefix(c.At(now).Key, PreviewKeyPrefix) {
		t.Errorf("keys: preview %q, public %q", p.Key, c.At(now).Key)
	}
	if p != c.Preview() {
		t.Error("Preview is not built once")
	}
	var titles []string
	for _, a := range p.Articles() {
		titles = append(titles, a.Title)
		if a.Draft || a.Issue.Draft {
			t.Errorf("%s: draft flag kept in the preview copy", a.Title)
		}
	}
	if got, want := strings.Join(titles, ", "), "Scheduled Lead, Public Lead, Draft Column, Draft Issue Lead"; got != want {
		t.Errorf("preview articles = %s, want %s", got, want)
	}
	if iss := c.PreviewIssue(1); iss == nil || len(iss.Articles) != 2 {
		t.Fatalf("PreviewIssue(1) = %+v", iss)
	}
	if c.PreviewIssue(9) != nil {
		t.Error("PreviewIssue(9) is not nil")
	}

	// The originals are untouched: the public snapshot still hides drafts.
	pub := c.At(now)
	if len(pub.Issues) != 1 || len(pub.Issues[0].Articles) != 1 {
		t.Errorf("public snapshot changed: %d issues", len(pub.Issues))
	}
	if !c.Issue(3).Draft || !c.Issue(1).Articles[1].Draft {
		t.Error("Preview cleared the draft flag of the loaded content")
	}

	for _, tc := range []struct {
		n    int
		key  string
		want Status
	}{
		{1, "lead", StatusPublished},
		{1, "secret", StatusDraft},
		{2, "lead", StatusScheduled},
		{3, "lead", StatusDraft},
	} {
		iss := c.Issue(tc.n)
		for _, a := range iss.Articles {
			if a.Key == tc.key && a.Status(now) != tc.want {
				t.Errorf("issue %d %s: status %s, want %s", tc.n, tc.key, a.Status(now), tc.want)
			}
		}
	}
}
