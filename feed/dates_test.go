package feed

import (
	"bytes"
	"strings"
	"testing"
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

func TestPreviewNeverSharesAPublicEntry(t *testing.T) {
	c0, err := content.Load(synth(synthOptions{Issues: 3}))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(64 << 20)
	pub, _ := c.Get(c0.At(now), Spec{Kind: Issues}, RSS)
	pre, _ := c.Get(c0.Preview(), Spec{Kind: Issues}, RSS)
	if pub == pre || c.Stats().Renders != 2 {
		t.Errorf("preview and public share a response (renders %d)", c.Stats().Renders)
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
			files["issues/7/"+strings.TrimPrefix(name, "issues/6/")] = f
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
