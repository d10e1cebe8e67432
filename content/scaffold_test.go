package content

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"
)

func TestScaffoldLoadsAsDraft(t *testing.T) {
	c, err := Load(Sample())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 25, 12, 0, 0, 0, time.UTC)
	d := PlanNext(c, now)
	if d.Number != 88 || d.Date.Format("2006-01-02") != "2026-04-26" {
		t.Fatalf("next draft = #%d %s, want #88 2026-04-26", d.Number, d.Date.Format("2006-01-02"))
	}
	// Long after the newest issue, the next issue is tomorrow, not in the past.
	if d := PlanNext(c, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)); d.Date.Format("2006-01-02") != "2026-11-27" {
		t.Errorf("next date = %s, want tomorrow", d.Date.Format("2006-01-02"))
	}
	d.Tools = []ListItem{{Name: "GrayColor", Description: "A model: with \"quotes\"", Link: "https://huggingface.co/minyan250/GrayColor", Source: "Trending models"}}

	fsys := fstest.MapFS{}
	for _, name := range []string{SiteFile, "issues/87/issue.md", "issues/87/lead.md"} {
		b, _ := fs.ReadFile(Sample(), name)
		fsys[name] = &fstest.MapFile{Data: b}
	}
	for name, body := range Scaffold(d) {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	c2, err := Load(fsys)
	if err != nil {
		t.Fatalf("scaffold does not load:\n%v", err)
	}
	iss := c2.Issue(88)
	if iss == nil || !iss.Draft || len(iss.Articles) != 4 || iss.Tools.Items[0].Source != "Trending models" || len(iss.Reading.Items) != 1 {
		t.Fatalf("scaffolded issue = %+v", iss)
	}
	if s := c2.At(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); s.Issue(88) != nil {
		t.Error("scaffolded draft is public")
	}
}
