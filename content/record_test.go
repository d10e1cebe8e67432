package content

import (
	"context"
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
