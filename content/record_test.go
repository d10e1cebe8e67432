package content

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// memRecord is a Record in memory: the first record of a key wins.
type memRecord struct {
	mu   sync.Mutex
	m    map[string]time.Time
	revs map[string]memRevision
}

type memRevision struct {
	hash    string
	changed time.Time
}

func (r *memRecord) Revise(_ context.Context, hashes map[string]string, at time.Time) (map[string]time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revs == nil {
		r.revs = map[string]memRevision{}
	}
	out := map[string]time.Time{}
	for k, h := range hashes {
		cur, ok := r.revs[k]
		switch {
		case !ok:
			cur = memRevision{hash: h}
		case cur.hash != h:
			cur = memRevision{hash: h, changed: at}
		}
		r.revs[k] = cur
		out[k] = cur.changed
	}
	return out, nil
}

func (r *memRecord) Recall(_ context.Context, keys []string) (map[string]time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]time.Time{}
	for _, k := range keys {
		if t, ok := r.m[k]; ok {
			out[k] = t
		}
	}
	return out, nil
}

func (r *memRecord) Remember(_ context.Context, times map[string]time.Time) (map[string]time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	out := map[string]time.Time{}
	for k, t := range times {
		if _, ok := r.m[k]; !ok {
			r.m[k] = t
		}
		out[k] = r.m[k]
	}
	return out, nil
}

const recordSite = "title: T\nbase_url: https://t.example/\nauthority: t.example,2025\nauthor: {name: Desk}\ntime_zone: UTC\n"

func recordFiles() map[string]string {
	return map[string]string{
		"morningpost.yaml":      recordSite,
		"issues/1/issue.md":     "---\ndate: 2026-06-01\n---\n",
		"issues/1/lead.md":      "---\ntitle: Lead\n---\nL.\n",
		"issues/1/deep-dive.md": "---\ntitle: Deep\n---\nD.\n",
		"issues/1/a-column.md":  "---\ntitle: Column A\n---\nA.\n",
		"issues/1/b-column.md":  "---\ntitle: Column B\n---\nB.\n",
	}
}

func liveWith(t *testing.T, files map[string]string, rec Record, now func() time.Time) *Live {
	t.Helper()
	l, err := NewLive(tree(files), LiveOptions{Record: rec, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func published(s *Snapshot) map[string]time.Time {
	out := map[string]time.Time{}
	for _, a := range s.Articles() {
		out[a.Key] = a.Published()
	}
	return out
}

func TestReadingOrderCountsDown(t *testing.T) {
	c, err := Load(tree(recordFiles()))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	s := c.At(at.Add(time.Hour))
	got := published(s)
	want := map[string]time.Duration{"lead": 0, "deep-dive": -1, "a-column": -2, "b-column": -3}
	for k, d := range want {
		if !got[k].Equal(at.Add(d * time.Second)) {
			t.Errorf("%s published %v, want %v", k, got[k], at.Add(d*time.Second))
		}
	}
	if a := s.Issue(1).Articles; a[0].Key != "lead" || a[1].Key != "deep-dive" || a[2].Key != "a-column" {
		t.Errorf("print order: %v %v %v", a[0].Key, a[1].Key, a[2].Key)
	}
}

func TestLateArticleDatedWhenItWentOut(t *testing.T) {
	rec := &memRecord{}
	out := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	now := out
	clock := func() time.Time { return now }
	files := recordFiles()
	l := liveWith(t, files, rec, clock)
	before := published(l.At(now))
	issueModified := l.At(now).Issue(1).Modified()

	// An hour later a column is dropped into the published issue.
	now = out.Add(time.Hour + 500*time.Millisecond)
	files["issues/1/c-late.md"] = "---\ntitle: Late column\n---\nLate.\n"
	files["issues/1/0-early-name.md"] = "---\ntitle: Also late\n---\nSorted first.\n"
	l.fsys = tree(files)
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	s := l.At(now.Add(time.Minute)) // dated at the reload, not at this later look
	got := published(s)
	for k, t0 := range before {
		if !got[k].Equal(t0) {
			t.Errorf("%s moved from %v to %v", k, t0, got[k])
		}
	}
	second := out.Add(time.Hour)
	// Both new ones: at the moment they went out, apart in reading order.
	if !got["0-early-name"].Equal(second) || !got["c-late"].Equal(second.Add(-time.Second)) {
		t.Errorf("late articles dated %v and %v, want %v and a second before", got["0-early-name"], got["c-late"], second)
	}
	if m := s.Issue(1).Modified(); !m.Equal(second) || !m.After(issueModified) {
		t.Errorf("issue modified %v, want %v", m, second)
	}

	// A restart (a new Live on the same record) dates them alike, later.
	now = out.Add(5 * time.Hour)
	sameDates(t, "after a restart", got, published(liveWith(t, files, rec, clock).At(now)))
}

// sameDates reports the articles of want that got dates otherwise.
func sameDates(t *testing.T, what string, want, got map[string]time.Time) {
	t.Helper()
	for k, t0 := range want {
		if !got[k].Equal(t0) {
			t.Errorf("%s %s is dated %v, want %v", what, k, got[k], t0)
		}
	}
}

func TestFreshRecordIsTheFilesDates(t *testing.T) {
	files := recordFiles()
	files["issues/1/c-late.md"] = "---\ntitle: Late column\n---\nLate.\n"
	now := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	sameDates(t, "with a fresh record", published(c.At(now)),
		published(liveWith(t, files, &memRecord{}, func() time.Time { return now }).At(now)))
}

func TestPublishedKeyPins(t *testing.T) {
	files := recordFiles()
	files["issues/1/b-column.md"] = "---\ntitle: Column B\npublished: 2026-06-01 07:15\n---\nB.\n"
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	got := published(c.At(time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)))
	if want := time.Date(2026, 6, 1, 7, 15, 0, 0, time.UTC); !got["b-column"].Equal(want) {
		t.Errorf("pinned: %v, want %v", got["b-column"], want)
	}
	files["issues/1/b-column.md"] = "---\ntitle: Column B\npublished: yesterday\n---\nB.\n"
	if _, err := Load(tree(files)); err == nil {
		t.Error("published: yesterday accepted")
	} else if ps := err.(Problems); ps[0].Path != "issues/1/b-column.md" || ps[0].Line != 3 {
		t.Errorf("problem %v, want issues/1/b-column.md:3", ps[0])
	}
}

func TestSameDateIssuesApart(t *testing.T) {
	files := recordFiles()
	files["issues/2/issue.md"] = "---\ndate: 2026-06-01\n---\n"
	files["issues/2/lead.md"] = "---\ntitle: Second lead\n---\nS.\n"
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	s := c.At(time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC))
	one, two := s.Issue(1), s.Issue(2)
	if !one.Anchor().Equal(one.PublishAt) || !two.Anchor().After(one.Anchor()) {
		t.Errorf("anchors %v and %v: the higher number later, the first at its time", one.Anchor(), two.Anchor())
	}
	seen := map[time.Time]string{}
	for _, a := range s.Articles() {
		if other, dup := seen[a.Published()]; dup {
			t.Errorf("%s and %s share %v", a.ID(), other, a.Published())
		}
		seen[a.Published()] = a.ID()
	}
}

// reload gives l the files and reloads them.
func reload(t *testing.T, l *Live, files map[string]string) {
	t.Helper()
	l.fsys = tree(files)
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
}

func modified(s *Snapshot) map[string]time.Time {
	out := map[string]time.Time{"issue": s.Issue(1).Modified()}
	for _, a := range s.Articles() {
		out[a.Key] = a.Modified()
	}
	return out
}

func TestEditMovesUpdated(t *testing.T) {
	rec := &memRecord{}
	out := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	now := out
	clock := func() time.Time { return now }
	files := recordFiles()
	l := liveWith(t, files, rec, clock)
	s0 := l.At(now)
	pub0, mod0 := published(s0), modified(s0)

	// A save that changes nothing readers see: a comment in the front
	// matter, a draft added, the same bytes again.
	now = out.Add(time.Hour)
	files["issues/1/b-column.md"] = "---\ntitle: Column B\n# checked by the desk\n---\nB.\n"
	files["issues/1/z-draft.md"] = "---\ntitle: Not yet\ndraft: true\n---\nLater.\n"
	reload(t, l, files)
	s1 := l.At(now)
	sameDates(t, "after a save readers cannot see,", mod0, modified(s1))

	// The lead's title is corrected two hours after the issue went out.
	now = out.Add(2*time.Hour + 300*time.Millisecond)
	edited := out.Add(2 * time.Hour)
	files["issues/1/lead.md"] = "---\ntitle: Lead, corrected\n---\nL.\n"
	reload(t, l, files)
	s2 := l.At(now.Add(time.Minute))
	sameDates(t, "after an edit,", pub0, published(s2))
	mod2 := modified(s2)
	if !mod2["lead"].Equal(edited) || !mod2["issue"].Equal(edited) {
		t.Errorf("after the lead's edit: lead updated %v, issue %v; want both %v", mod2["lead"], mod2["issue"], edited)
	}
	for _, k := range []string{"deep-dive", "a-column", "b-column"} {
		if !mod2[k].Equal(mod0[k]) {
			t.Errorf("%s, not edited, moved to %v", k, mod2[k])
		}
	}
	if s2.Key == s1.Key || s2.Issue(1).Articles[0].ID() != s0.Issue(1).Articles[0].ID() {
		t.Errorf("key %s after the edit, was %s; or the ID changed", s2.Key, s1.Key)
	}

	// Saved again unchanged, later: nothing moves.
	now = out.Add(3 * time.Hour)
	reload(t, l, files)
	sameDates(t, "after saving the edit again,", mod2, modified(l.At(now)))

	// A restart, and another server on the same record, later still.
	now = out.Add(5 * time.Hour)
	sameDates(t, "after a restart,", mod2, modified(liveWith(t, files, rec, clock).At(now)))
	if k := liveWith(t, files, rec, clock).At(now).Key; k != s2.Key {
		t.Errorf("another server's key %s, want %s", k, s2.Key)
	}
	// The same files dated otherwise (a fresh record) have another key.
	if k := liveWith(t, files, &memRecord{}, clock).At(now).Key; k == s2.Key {
		t.Errorf("the key %s does not name the edit's date", k)
	}
}

// siteAt is recordSite with another publish_time.
func siteAt(publish string) string {
	return recordSite + "publish_time: \"" + publish + "\"\n"
}

func TestPublishTimeChangeRedatesNothing(t *testing.T) {
	rec := &memRecord{}
	files := recordFiles()
	files["morningpost.yaml"] = siteAt("06:00")
	files["issues/2/issue.md"] = "---\ndate: 2026-06-02\n---\n"
	files["issues/2/lead.md"] = "---\ntitle: Tomorrow\n---\nT.\n"
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := liveWith(t, files, rec, clock)
	before := published(l.At(now))
	out := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	if !l.At(now).Issue(1).Anchor().Equal(out) || l.At(now).Issue(2) != nil {
		t.Fatalf("issue 1 at %v; issue 2 public: %v", l.At(now).Issue(1).Anchor(), l.At(now).Issue(2) != nil)
	}

	// At 10:30 the desk moves publication to 22:07.
	now = now.Add(30 * time.Minute)
	files["morningpost.yaml"] = siteAt("22:07")
	reload(t, l, files)
	s := l.At(now)
	if s.Issue(1) == nil {
		t.Fatal("issue 1, out since 06:00, was taken away by the new publish_time")
	}
	sameDates(t, "after publish_time changed,", before, published(s))
	if a := s.Issue(1).Anchor(); !a.Equal(out) {
		t.Errorf("issue 1 dated %v, want %v", a, out)
	}
	// The desk says so too: issue 1 is out (since 06:00), issue 2 is
	// scheduled, though the files alone would put issue 1 at 22:07.
	c := l.Content()
	if st, at := c.IssueStatus(c.Issue(1), now), c.PublishAt(c.Issue(1)); st != StatusPublished || !at.Equal(out) {
		t.Errorf("the desk has issue 1 %s at %v, want published at %v", st, at, out)
	}
	if st := c.IssueStatus(c.Issue(2), now); st != StatusScheduled {
		t.Errorf("the desk has issue 2 %s, want scheduled", st)
	}
	// Issue 2 is not out yet: the new time is its own.
	if s.Next != time.Date(2026, 6, 2, 22, 7, 0, 0, time.UTC) {
		t.Errorf("next publication %v, want 22:07 tomorrow", s.Next)
	}
	now = time.Date(2026, 6, 2, 23, 0, 0, 0, time.UTC)
	s = l.At(now)
	if iss := s.Issue(2); iss == nil || !iss.Anchor().Equal(time.Date(2026, 6, 2, 22, 7, 0, 0, time.UTC)) {
		t.Errorf("issue 2: %v", iss)
	}
	// A restart dates alike, and so does a time zone change.
	files["morningpost.yaml"] = strings.Replace(siteAt("22:07"), "time_zone: UTC", "time_zone: America/New_York", 1)
	restarted := liveWith(t, files, rec, clock).At(now)
	sameDates(t, "after a restart in another zone,", before, published(restarted))
	if iss := restarted.Issue(2); iss == nil || !iss.Anchor().Equal(time.Date(2026, 6, 2, 22, 7, 0, 0, time.UTC)) {
		t.Errorf("issue 2 after the restart: %v", iss)
	}
	// check says why, in one warning for both issues.
	c, err := Load(tree(files))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := c.Moved(t.Context(), rec)
	if err != nil || len(ws) != 1 || ws[0].Path != "morningpost.yaml" || !strings.Contains(ws[0].Msg, "2 issues") {
		t.Errorf("warnings %v, %v: want one of morningpost.yaml for 2 issues", ws, err)
	}
}

func TestDateEditKeepsInstant(t *testing.T) {
	rec := &memRecord{}
	files := recordFiles()
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := liveWith(t, files, rec, clock)
	before := published(l.At(now))
	out := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)

	// The date is edited after the issue went out, one way and the other.
	for _, date := range []string{"2026-05-30", "2026-06-03"} {
		files["issues/1/issue.md"] = "---\ndate: " + date + "\n---\n"
		reload(t, l, files)
		s := l.At(now)
		if s.Issue(1) == nil || !s.Issue(1).Anchor().Equal(out) {
			t.Fatalf("date: %s: issue 1 is %v, want out at %v", date, s.Issue(1), out)
		}
		sameDates(t, "date: "+date, before, published(s))
		ws, err := l.Content().Moved(t.Context(), rec)
		if err != nil || len(ws) != 1 || ws[0].Path != "issues/1/issue.md" || ws[0].Line != 2 || !strings.Contains(ws[0].Msg, "published:") {
			t.Errorf("date: %s: warnings %v, %v; want one at issues/1/issue.md:2 naming published:", date, ws, err)
		}
	}
	// published: pins a new instant, and the warning goes.
	files["issues/1/issue.md"] = "---\ndate: 2026-05-30\npublished: 2026-05-30 06:00\n---\n"
	reload(t, l, files)
	pinned := time.Date(2026, 5, 30, 6, 0, 0, 0, time.UTC)
	if a := l.At(now).Issue(1).Anchor(); !a.Equal(pinned) {
		t.Errorf("pinned: issue 1 dated %v, want %v", a, pinned)
	}
	if got := published(l.At(now))["lead"]; !got.Equal(pinned) {
		t.Errorf("pinned: the lead dated %v, want %v", got, pinned)
	}
	if ws, err := l.Content().Moved(t.Context(), rec); len(ws) != 0 || err != nil {
		t.Errorf("pinned: warnings %v, %v", ws, err)
	}
}

func TestListEditMovesItsUpdated(t *testing.T) {
	rec := &memRecord{}
	out := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	now := out
	clock := func() time.Time { return now }
	files := recordFiles()
	lists := "---\ndate: 2026-06-01\ntools:\n  items:\n    - {name: A, description: %s}\nreading:\n  items:\n    - {name: R, description: Read.}\n---\n"
	files["issues/1/issue.md"] = strings.Replace(lists, "%s", "First.", 1)
	l := liveWith(t, files, rec, clock)
	anchor := l.At(now).Issue(1).Anchor()

	now = out.Add(time.Hour)
	files["issues/1/issue.md"] = strings.Replace(lists, "%s", "Corrected.", 1)
	reload(t, l, files)
	iss := l.At(now).Issue(1)
	if got := iss.ListModified(Tools); !got.Equal(now) {
		t.Errorf("the edited tools list: updated %v, want %v", got, now)
	}
	if got := iss.ListModified(Reading); !got.Equal(anchor) {
		t.Errorf("the reading list, not edited: updated %v, want %v", got, anchor)
	}
	if got := published(l.At(now))["lead"]; !got.Equal(anchor) {
		t.Errorf("the lead moved to %v", got)
	}
}
