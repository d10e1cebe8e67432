package content

import (
	"strings"
	"testing"
)

func TestFediverseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       *Fediverse
		problem    string // a line of the error, "" for none
	}{
		{name: "absent: off", yaml: ""},
		{name: "username", yaml: "activitypub:\n  username: news\n", want: &Fediverse{Username: "news"}},
		{name: "every key", yaml: "activitypub:\n  username: news\n  allow_private_addresses: true\n",
			want: &Fediverse{Username: "news", AllowPrivateAddresses: true}},
		{name: "sections", yaml: "activitypub:\n  username: news\n  sections: true\n", want: &Fediverse{Username: "news", Sections: true}},
		{name: "a section's name", yaml: "activitypub:\n  username: opinion\n  sections: true\n", problem: "morningpost.yaml:7: activitypub: username \"opinion\" is also a section's account"},
		{name: "no username", yaml: "activitypub:\n  allow_private_addresses: true\n", problem: "morningpost.yaml:7: activitypub: username is required"},
		{name: "bad username", yaml: "activitypub:\n  username: News Desk\n", problem: "morningpost.yaml:7: activitypub: username \"News Desk\" must be"},
		{name: "unknown key", yaml: "activitypub:\n  username: news\n  usernme: x\n", problem: "morningpost.yaml:8: unknown key \"usernme\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tree(map[string]string{SiteFile: siteYAML + tc.yaml, "issues/1/issue.md": "---\ndate: 2026-01-01\n---\n"}))
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("error = %v, want one with %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.Site.Fediverse
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("Fediverse = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestHandle(t *testing.T) {
	c, err := Load(tree(map[string]string{SiteFile: strings.Replace(siteYAML, "https://post.example/", "http://127.0.0.1:8080/blog/", 1) + "activitypub:\n  username: news\n", "issues/1/issue.md": "---\ndate: 2026-01-01\n---\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Site.Handle("news"); h != "@news@127.0.0.1:8080" {
		t.Errorf("Handle = %q", h)
	}
}
