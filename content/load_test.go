package content

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

const siteYAML = `title: The Test Post
base_url: https://post.example/
authority: post.example,2025
author:
  name: Desk
`

// tree builds a content root from a site file and issue files.
func tree(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	if _, ok := files[SiteFile]; !ok {
		m[SiteFile] = &fstest.MapFile{Data: []byte(siteYAML)}
	}
	for name, body := range files {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func TestLoadSample(t *testing.T) {
	c, err := Load(Sample())
	if err != nil {
		t.Fatalf("sample does not load:\n%v", err)
	}
	if len(c.Issues) != 1 {
		t.Fatalf("issues = %d, want 1", len(c.Issues))
	}
	iss := c.Issues[0]
	if iss.Number != 87 || iss.Place != "Manchester, United Kingdom" || iss.Weather != "6°C Cloudy" {
		t.Errorf("issue = #%d %q %q", iss.Number, iss.Place, iss.Weather)
	}
	want := time.Date(2026, 4, 25, 6, 0, 0, 0, c.Site.Location)
	if !iss.PublishAt.Equal(want) || iss.PublishAt.Format(time.RFC3339) != "2026-04-25T06:00:00+01:00" {
		t.Errorf("PublishAt = %v, want %v (BST)", iss.PublishAt, want)
	}
	var keys []string
	for _, a := range iss.Articles {
		keys = append(keys, a.Key+":"+string(a.Section))
	}
	if got := strings.Join(keys, " "); got != "lead:lead deep-dive:deep-dive editor:opinion guest:opinion" {
		t.Errorf("articles in print order = %s", got)
	}
	lead := iss.Lead()
	if lead.Rating == nil || lead.Rating.String() != "7/10" || lead.Kicker != "Lead Story" {
		t.Errorf("lead rating/kicker = %v %q", lead.Rating, lead.Kicker)
	}
	if !strings.HasPrefix(lead.Standfirst, "While corporate AI labs pause for the weekend") {
		t.Errorf("standfirst = %q", lead.Standfirst)
	}
	if dd := iss.InSection(DeepDive)[0]; !strings.Contains(dd.PullQuote, "maturation of the open-source AI ecosystem") || dd.Kicker != "Analysis" {
		t.Errorf("deep dive = %q %q", dd.Kicker, dd.PullQuote)
	}
	if iss.Metrics == nil || len(iss.Metrics.Rows) != 3 || iss.Metrics.Rows[2].Value != "60% of top models" {
		t.Errorf("metrics = %+v", iss.Metrics)
	}
	if iss.Tools == nil || len(iss.Tools.Items) != 4 || iss.Tools.Items[0].Name != "GrayColor Model" {
		t.Errorf("tools = %+v", iss.Tools)
	}
	if iss.Reading == nil || len(iss.Reading.Items) != 3 {
		t.Errorf("reading = %+v", iss.Reading)
	}
	if got := lead.ID(); got != "tag:morningpost.example,2025:issue-87/lead" {
		t.Errorf("lead ID = %s", got)
	}
	if c.Site.Tagline != "Your Daily AI Intelligence Briefing" || c.Site.Established != 2025 {
		t.Errorf("site = %+v", c.Site)
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // each must appear in the error, in order
	}{
		{
			name: "unknown key and bad date in one issue, both reported",
			files: map[string]string{
				"issues/1/issue.md": "---\ndate: 2026-02-30\ncolour: red\n---\n",
			},
			want: []string{"issues/1/issue.md:2: date \"2026-02-30\" is not a date", "issues/1/issue.md:3: unknown key \"colour\""},
		},
		{
			name:  "missing date",
			files: map[string]string{"issues/1/issue.md": "---\nplace: Leeds\n---\n"},
			want:  []string{"issues/1/issue.md:2: date is required"},
		},
		{
			name:  "missing issue.md",
			files: map[string]string{"issues/2/lead.md": "---\ntitle: A\n---\n"},
			want:  []string{"issues/2/issue.md: missing"},
		},
		{
			name: "article without title, bad rating, problems across files",
			files: map[string]string{
				"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
				"issues/1/lead.md":  "---\nrating: 11/10\n---\nBody\n",
				"issues/2/issue.md": "---\ndate: 2026-01-02\ndraft: maybe\n---\n",
			},
			want: []string{"issues/1/lead.md:2: title is required", "issues/1/lead.md:2: rating \"11/10\"", "issues/2/issue.md:3: \"maybe\" should be true or false"},
		},
		{
			name: "duplicate issue numbers",
			files: map[string]string{
				"issues/7/issue.md":   "---\ndate: 2026-01-01\n---\n",
				"issues/007/issue.md": "---\ndate: 2026-01-02\n---\n",
			},
			want: []string{"duplicate issue number 7"},
		},
		{
			name: "two leads and a duplicate slug",
			files: map[string]string{
				"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
				"issues/1/lead.md":  "---\ntitle: Same\n---\n",
				"issues/1/other.md": "---\nsection: lead\ntitle: Same\n---\n",
			},
			want: []string{"slug \"same\" is already used", "issues/1/other.md:2: an issue has one lead, and issues/1/lead.md is this issue's lead"},
		},
		{
			name:  "no front matter",
			files: map[string]string{"issues/1/issue.md": "date: 2026-01-01\n"},
			want:  []string{"issues/1/issue.md:1: issue.md must start with front matter"},
		},
		{
			name:  "YAML syntax error has its line",
			files: map[string]string{"issues/1/issue.md": "---\ndate: 2026-01-01\nplace: [unclosed\n---\n"},
			want:  []string{"issues/1/issue.md:"},
		},
		{
			name: "site problems",
			files: map[string]string{
				SiteFile: "title: T\nbase_url: ftp://x\nauthority: nope\nauthor: {name: A}\ntime_zone: Mars/Olympus\npublish_time: '25:00'\nfeed_length: 0\nsources:\n  - name: a\n    url: file:../etc/passwd\n",
			},
			want: []string{
				"morningpost.yaml:2: base_url", "morningpost.yaml:3: authority", "morningpost.yaml:5: time_zone",
				"morningpost.yaml:6: publish_time", "morningpost.yaml:7: feed_length", "morningpost.yaml:10: sources: url",
			},
		},
		{
			name: "list items need name and description; links must be absolute",
			files: map[string]string{
				"issues/1/issue.md": "---\ndate: 2026-01-01\ntools:\n  items:\n    - name: X\n      link: /relative\n",
			},
			want: []string{"issues/1/issue.md:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tree(tt.files))
			if err == nil {
				t.Fatalf("loaded %d issues, want an error", len(c.Issues))
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %T is not Problems", err)
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error lacks %q (in order):\n%s", w, msg)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestLoadListProblemsAllReported(t *testing.T) {
	_, err := Load(tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-01-01\ntools:\n  items:\n    - name: X\n      link: /relative\n---\n",
	}))
	msg := err.Error()
	for _, w := range []string{"issues/1/issue.md:5: tools: item 1 needs a description", "issues/1/issue.md:6: tools: link \"/relative\""} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
}

func TestPublication(t *testing.T) {
	c, err := Load(tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-03-28\n---\n",
		"issues/1/lead.md":  "---\ntitle: One\n---\nText\n",
		"issues/1/wip.md":   "---\ntitle: Not yet\ndraft: true\n---\n",
		"issues/2/issue.md": "---\ndate: 2026-03-29\n---\n", // the day BST starts
		"issues/2/lead.md":  "---\ntitle: Two\n---\n",
		"issues/3/issue.md": "---\ndate: 2026-03-27\ndraft: true\n---\n",
		"issues/3/lead.md":  "---\ntitle: Draft\n---\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Issue 2 goes out at 06:00 BST on 29 March, which is 05:00 UTC.
	out := time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC)
	before, at := c.At(out.Add(-time.Second)), c.At(out)
	if n := len(before.Issues); n != 1 || before.Issues[0].Number != 1 {
		t.Fatalf("before: %d issues", n)
	}
	if n := len(at.Issues); n != 2 || at.Issues[0].Number != 2 {
		t.Fatalf("at publication: %d issues", n)
	}
	if before.Key == at.Key {
		t.Error("snapshot key did not change at publication")
	}
	if !before.Next.Equal(out) || !at.Next.IsZero() {
		t.Errorf("Next = %v / %v", before.Next, at.Next)
	}
	if at.Issue(3) != nil {
		t.Error("draft issue is public")
	}
	for _, a := range at.Articles() {
		if a.Draft || a.Title == "Not yet" {
			t.Error("draft article is public")
		}
		if len(a.Issue.Articles) != 1 {
			t.Errorf("article's issue holds %d articles, want only the public one", len(a.Issue.Articles))
		}
	}
	if c.At(out) != at {
		t.Error("snapshots are not shared within a step")
	}
	if p := c.Pending(out); len(p) != 2 {
		t.Errorf("pending = %d issues, want the draft issue and the issue with a draft article", len(p))
	}
}

func TestVersionDeterministic(t *testing.T) {
	a, _ := Load(Sample())
	b, _ := Load(Sample())
	if a.Version != b.Version || a.Version == "" {
		t.Errorf("versions %q %q", a.Version, b.Version)
	}
	files := map[string]string{"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n"}
	c1, _ := Load(tree(files))
	files["issues/1/issue.md"] = "---\ndate: 2026-01-02\n---\n"
	c2, _ := Load(tree(files))
	if c1.Version == c2.Version {
		t.Error("version did not change with the content")
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"plain":              "plain",
		"tab\tnl\ncr\r":      "tab\tnl\ncr\r",
		"bell\a nul\x00":     "bell nul",
		"bad \xff byte":      "bad \uFFFD byte",
		"nonchar \uFFFE end": "nonchar  end",
		"emoji 🚀":            "emoji 🚀",
	}
	for in, want := range tests {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlugifyAndTruncate(t *testing.T) {
	for in, want := range map[string]string{
		"The Weekend Warriors: Individual Developers Drive AI's Silent Revolution": "the-weekend-warriors-individual-developers-drive-ais-silent-revolution",
		"Café & Crème":  "cafe-creme",
		"  --  ":        "",
		"Qwen2.5 Math!": "qwen2-5-math",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Truncate("one two three four", 10); got != "one two…" {
		t.Errorf("Truncate = %q", got)
	}
}

func TestMarkdownTablesNeedNoStyleAttributes(t *testing.T) {
	html, err := Markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "style=") || !strings.Contains(string(html), `align="right"`) {
		t.Errorf("table HTML = %s", html)
	}
}

func TestSourcesValidatedLikeThePoller(t *testing.T) {
	_, err := Load(tree(map[string]string{
		SiteFile: siteYAML + "sources:\n  - name: a\n    url: https://example.org/feed\n    interval: 1m\n    keep: 20000\n    max_age: 1h\n    section: news\n  - name: a\n    url: file:sources/x.xml\n",
	}))
	msg := fmt.Sprint(err)
	for _, want := range []string{
		"morningpost.yaml:9: sources: interval must be at least 5m", "morningpost.yaml:10: sources: keep", "morningpost.yaml:11: sources: max_age",
		"morningpost.yaml:12: sources: section must be tools or reading", "morningpost.yaml:13: sources: duplicate name",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestSnapshotsBounded(t *testing.T) {
	files := map[string]string{}
	for i := 1; i <= 10; i++ {
		files[fmt.Sprintf("issues/%d/issue.md", i)] = fmt.Sprintf("---\ndate: 2026-01-%02d\n---\n", i)
	}
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	first := c.At(day(1))
	for d := 1; d <= 10; d++ {
		if n := len(c.At(day(d)).Issues); n != d {
			t.Fatalf("day %d: %d issues public", d, n)
		}
	}
	if len(c.snaps) > maxSnapshots {
		t.Errorf("%d snapshots kept, want at most %d", len(c.snaps), maxSnapshots)
	}
	if again := c.At(day(1)); len(again.Issues) != 1 || again.Key != first.Key {
		t.Errorf("a rebuilt snapshot differs: %d issues, key %s", len(again.Issues), again.Key)
	}
}

// TestLoadKeepsNoFileBytes checks that every article's text is its own:
// the loader reads the files of one folder after another into the same
// buffer, so anything that kept a slice of it would change.
func TestLoadKeepsNoFileBytes(t *testing.T) {
	fsys := archive(t, 200, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, iss := range c.Issues {
		for _, a := range iss.Articles {
			_, body, _ := frontMatter(fsys[a.Path].Data)
			if want, _ := Markdown(Clean(string(body))); a.body.render() != want {
				t.Fatalf("%s: the body loaded is not the file's", a.Path)
			}
		}
	}
}

// Invalid UTF-8 and characters XML forbids in front matter (and in
// morningpost.yaml) are cleaned, as doc.go says, like every other text:
// the file loads, its lines still right.
func TestFrontMatterTextIsCleaned(t *testing.T) {
	c, err := Load(tree(map[string]string{
		SiteFile:            "title: The \xffPost\x01\nbase_url: https://post.example/\nauthority: post.example,2025\nauthor:\n  name: Desk\x7f\n",
		"issues/1/issue.md": "---\ndate: 2026-01-01\nplace: Caf\xe9\x1b\n---\n",
		"issues/1/lead.md":  "---\ntitle: \"Bad \xc3\x28 byte\"\nstandfirst: bell\x07 and \xed\xa0\x80surrogate \xef\xbf\xbe\nkicker: C1\xc2\x80 and NEL\xc2\x85\n---\nBody \xff.\n",
	}))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got := c.Site.Title; got != "The \uFFFDPost" {
		t.Errorf("site title %q", got)
	}
	if got := c.Site.Author.Name; got != "Desk" {
		t.Errorf("author %q", got)
	}
	iss := c.Issue(1)
	if iss.Place != "Caf\uFFFD" {
		t.Errorf("place %q", iss.Place)
	}
	a := iss.Lead()
	for got, want := range map[string]string{
		a.Title:      "Bad \uFFFD( byte",
		a.Standfirst: "bell and \uFFFD\uFFFD\uFFFDsurrogate",
		a.Kicker:     "C1 and NEL", // U+0085 is a line break to YAML
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	// The lines problems name are the file's lines.
	_, err = Load(tree(map[string]string{
		"issues/1/issue.md": "---\ndate: 2026-01-01\n---\n",
		"issues/1/lead.md":  "---\ntitle: \xff\x01\nrating: lots\n---\n",
	}))
	if err == nil || !strings.Contains(err.Error(), "issues/1/lead.md:3: rating") {
		t.Errorf("problem lines: %v", err)
	}
}
