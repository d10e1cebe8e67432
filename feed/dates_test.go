package feed

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
)

// fakeStamps dates each new etag of a path one hour after the last.
type fakeStamps struct {
	calls int
	last  map[string]string
	at    map[string]time.Time
}

func (f *fakeStamps) Modified(path, etag string, floor time.Time) time.Time {
	f.calls++
	if f.last[path] == etag {
		return f.at[path]
	}
	t := floor
	if prev, ok := f.at[path]; ok {
		t = prev.Add(time.Hour)
	}
	f.last[path], f.at[path] = etag, t
	return t
}

func TestCacheStampsAndUndoneEdits(t *testing.T) {
	files := synth(synthOptions{Issues: 3})
	a, err := content.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	edited := synth(synthOptions{Issues: 3})
	for name, f := range edited {
		if strings.HasSuffix(name, "/lead.md") && strings.Contains(name, "/3/") {
			f.Data = append(bytes.Clone(f.Data), "\nA correction.\n"...)
		}
	}
	b, err := content.Load(edited)
	if err != nil {
		t.Fatal(err)
	}
	st := &fakeStamps{last: map[string]string{}, at: map[string]time.Time{}}
	c := NewCache(64 << 20)
	c.UseStamps(st)
	s := Spec{Kind: Articles}
	r1, _ := c.Get(a.At(now), s, Atom)
	r2, _ := c.Get(b.At(now), s, Atom)
	r3, _ := c.Get(a.At(now), s, Atom) // the edit undone
	if r1.Identity.ETag == r2.Identity.ETag || r3.Identity.ETag != r1.Identity.ETag {
		t.Fatal("the edit did not change the bytes, or undoing it did not restore them")
	}
	if !r2.LastModified.After(r1.LastModified) || !r3.LastModified.After(r2.LastModified) {
		t.Errorf("Last-Modified %v, %v, %v: it must move forward at every change", r1.LastModified, r2.LastModified, r3.LastModified)
	}
	if r := c.Stats().Renders; r != 3 || st.calls != 3 {
		t.Errorf("%d renders, %d stamps; want 3 of each", r, st.calls)
	}
	if r4, _ := c.Get(a.At(now), s, Atom); r4 != r3 {
		t.Error("an unchanged feed was rendered again")
	}
}

// A preview snapshot and a public one hold the same issue folder (the
// same Version) but not the same articles when one is a draft: their
// documents are keyed by the entries they hold, so neither order of
// asking gives one the other's bytes, and no draft reaches a public feed.
func TestPreviewNeverSharesAPublicEntry(t *testing.T) {
	files := synth(synthOptions{Issues: 3})
	draft := ""
	for name, f := range files {
		if strings.HasPrefix(name, "issues/3/") && strings.HasSuffix(name, ".md") && name != "issues/3/issue.md" && !strings.HasSuffix(name, "/lead.md") {
			draft = strings.TrimSuffix(strings.TrimPrefix(name, "issues/3/"), ".md")
			f.Data = bytes.Replace(f.Data, []byte("---\n"), []byte("---\ndraft: true\n"), 1)
			break
		}
	}
	c0, err := content.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	pub, pre := c0.At(now), c0.Preview()
	if pub.Issue(3) == nil || pub.Issue(3).Version != pre.Issue(3).Version || len(pub.Issue(3).Articles) != len(pre.Issue(3).Articles)-1 {
		t.Fatalf("the fixture: issue 3 must be public, with one draft article (%q) and the same folder hash", draft)
	}
	title := "Issue 3 " + draft + ":"
	p := Period{2026, time.April}
	for _, order := range [][]*content.Snapshot{{pub, pre}, {pre, pub}} {
		c := NewCache(64 << 20)
		for _, snap := range order {
			wantDraft := snap == pre
			for _, s := range []Spec{{Kind: Articles}, {Kind: Issues}} {
				for _, f := range Formats {
					r, err := c.Get(snap, s, f)
					if err != nil {
						t.Fatal(err)
					}
					a, _, err := c.GetArchive(snap, s, p, f)
					if err != nil {
						t.Fatal(err)
					}
					for _, b := range [][]byte{r.Identity.Bytes, a.Identity.Bytes} {
						if got := bytes.Contains(b, []byte(title)); got != wantDraft {
							t.Errorf("%s of the %s snapshot, asked after the other: holds the draft %v", s.Path(f), map[bool]string{true: "preview", false: "public"}[wantDraft], got)
						}
					}
				}
			}
		}
	}
}

// TestEveryEntryHasItsOwnInstants: the W3C validator's DuplicateUpdated,
// in every subscription feed and archive, with issues of the same date
// and articles pinned to the same times.
func TestEveryEntryHasItsOwnInstants(t *testing.T) {
	files := synth(synthOptions{Issues: 6})
	files["issues/7/issue.md"] = files["issues/6/issue.md"] // the same date as 6
	for name, f := range files {
		if strings.HasPrefix(name, "issues/6/") && name != "issues/6/issue.md" {
			// The same articles, each saying something of its own: a
			// verbatim copy of an issue never loads.
			files["issues/7/"+strings.TrimPrefix(name, "issues/6/")] = &fstest.MapFile{Data: append(append([]byte(nil), f.Data...), "\nAnd one more sentence, for issue 7.\n"...)}
		}
	}
	snap := load(t, files)
	check := func(what string, d *Doc) {
		created, updated := map[time.Time]string{}, map[time.Time]string{}
		for _, e := range d.Entries {
			if o, dup := created[e.Item.Created]; dup {
				t.Errorf("%s: %s and %s published at %v", what, o, e.Item.Id, e.Item.Created)
			}
			if o, dup := updated[e.Item.Updated]; dup {
				t.Errorf("%s: %s and %s updated at %v", what, o, e.Item.Id, e.Item.Updated)
			}
			if e.Item.Updated.Before(e.Item.Created) {
				t.Errorf("%s: %s updated before published", what, e.Item.Id)
			}
			created[e.Item.Created], updated[e.Item.Updated] = e.Item.Id, e.Item.Id
		}
	}
	for _, s := range Specs() {
		check(s.Path(Atom), Build(snap, s))
		for _, a := range Archives(snap, s) {
			d, err := BuildArchive(snap, s, a.Period)
			if err != nil {
				t.Fatal(err)
			}
			check(s.ArchivePath(a.Period, Atom), d)
			if d.Feed.Image.Title != d.Feed.Title {
				t.Errorf("%s: image title %q, channel title %q", s.ArchivePath(a.Period, RSS), d.Feed.Image.Title, d.Feed.Title)
			}
		}
	}
	// Reading order: newest first is the lead, the deep dive, the columns.
	d := Build(snap, Spec{Kind: Articles})
	iss := snap.Issue(5)
	var got []string
	for _, e := range d.Entries {
		if strings.Contains(e.Item.Id, "issue-5/") {
			got = append(got, e.Item.Id)
		}
	}
	for i, a := range iss.Articles {
		if got[i] != a.ID() {
			t.Errorf("entry %d of issue 5 is %s, want %s (print order)", i, got[i], a.ID())
		}
	}
}
