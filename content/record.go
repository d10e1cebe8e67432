package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Record remembers when each entry first became public, and when what
// readers see of it last changed, so that every server sharing it, and
// every restart, dates entries alike. Content on disk cannot say when an
// article was dropped into an issue that was already out, nor when a
// title was corrected; the record can.
//
// Keys are permanent entry IDs (Issue.ID, Article.ID). A recorded
// first-public time is the moment the entry first became public: for an
// issue, the instant readers saw it go out; for an article that went out
// with its issue, the zero time (dated from the issue's anchor).
//
// A Snapshot is dated by the record when it is built, once per content
// change and publication step:
//
//   - An issue the record has never seen is recorded at its publication
//     time, and so is every one of its public articles as having gone
//     out with it. A fresh record therefore dates everything by the
//     files alone, as loading without a record does: the output is
//     deterministic.
//   - An issue the record has seen keeps the instant it went out:
//     changing publish_time, time_zone or the issue's date: moves only
//     issues not yet out. An issue's published: pins its instant.
//   - An article the record has never seen, in an issue it has seen, is
//     new: it is recorded as public from the moment the snapshot is
//     taken (less one second for each other new article before it in
//     reading order, so no two share an instant).
//   - Every public entry's readerSum is given to Revise: an entry whose
//     sum differs from the recorded one changed at the moment the
//     snapshot is taken, and its updated time (Modified) moves there. A
//     save that changes nothing readers see moves nothing.
//
// Implementations must be safe for concurrent use and let the first
// record of a key win, also between servers: Remember returns what is
// recorded, which may be another server's time. When they cannot reach
// what they keep, Recall, Remember and Revise return what they know,
// and keep what they were given until they can record it, with the
// error: an outage never dates an entry later than it went public.
type Record interface {
	// Recall returns the recorded times of those keys that are recorded.
	Recall(ctx context.Context, keys []string) (map[string]time.Time, error)
	// Remember records each key not yet recorded with its time, and
	// returns the recorded time of every key given.
	Remember(ctx context.Context, times map[string]time.Time) (map[string]time.Time, error)
	// Revise records a hash of what readers see of each entry (by key)
	// and returns when each last changed: the zero time while it has not
	// changed since the record first saw it, at for a change seen now.
	Revise(ctx context.Context, hashes map[string]string, at time.Time) (map[string]time.Time, error)
}

// recordTimeout bounds the record's answer while a snapshot is built;
// recordRetry is how soon a snapshot dated without it is built again.
const (
	recordTimeout = 5 * time.Second
	recordRetry   = 15 * time.Second
)

// recallIssues reads from c's record the instants its issues went
// public, for those that went out at another instant than their files
// now say (see Record); an issue with published: is left alone. Those
// issues stay public, dated as readers saw them. When the record cannot
// answer, the files say.
func (c *Content) recallIssues() {
	var keys []string
	for _, iss := range c.Issues {
		if !iss.Draft && iss.Pinned.IsZero() {
			keys = append(keys, iss.ID())
		}
	}
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	known, _ := c.record.Recall(ctx, keys) // what it knows, even when it fails
	for _, iss := range c.Issues {
		if t, ok := known[iss.ID()]; ok && !t.IsZero() && !t.Equal(iss.PublishAt) && !iss.Draft && iss.Pinned.IsZero() {
			if c.recorded == nil {
				c.recorded = map[int]time.Time{}
			}
			c.recorded[iss.Number] = t.In(iss.PublishAt.Location())
		}
	}
}

// publishAt is when iss goes public and is dated from: the instant the
// record says it went out, or its files' time.
func (c *Content) publishAt(iss *Issue) time.Time {
	if t, ok := c.recorded[iss.Number]; ok {
		return t
	}
	return iss.PublishAt
}

// date dates the articles of s, taken at now, by c's record (see Record).
// Without a record every article is dated from its issue's anchor; when
// the record cannot answer, by what it knows, and s is built again after
// recordRetry.
func (c *Content) date(s *Snapshot, now time.Time) {
	if c.record == nil || len(s.Issues) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	failed := func(err error) {
		if err != nil {
			s.retryAt = now.Add(recordRetry)
		}
	}
	keys := make([]string, 0, len(s.Issues)+len(s.articles))
	for _, iss := range s.Issues {
		keys = append(keys, iss.ID())
		for _, a := range iss.Articles {
			keys = append(keys, a.ID())
		}
	}
	known, err := c.record.Recall(ctx, keys)
	failed(err)
	if known == nil {
		known = map[string]time.Time{}
	}
	at := now.Truncate(time.Second)
	want := map[string]time.Time{}
	for _, iss := range s.Issues {
		_, seen := known[iss.ID()]
		late := 0
		for _, a := range iss.Articles {
			if _, ok := known[a.ID()]; ok {
				continue
			}
			if !seen {
				want[a.ID()] = time.Time{}
				continue
			}
			want[a.ID()] = at.Add(-time.Duration(late) * time.Second)
			late++
		}
		if !seen {
			want[iss.ID()] = iss.PublishAt
		}
	}
	if len(want) > 0 {
		got, err := c.record.Remember(ctx, want)
		failed(err)
		if got == nil {
			got = want // dated by this server alone until the record answers
		}
		for k, t := range got {
			known[k] = t
		}
	}
	hashes := make(map[string]string, len(keys))
	for _, iss := range s.Issues {
		hashes[iss.ID()] = iss.readerSum
		for _, sec := range []Section{Tools, Reading} {
			if n, _ := listSlot(sec); iss.listSums[n] != "" {
				hashes[iss.ListID(sec)] = iss.listSums[n]
			}
		}
		for _, a := range iss.Articles {
			hashes[a.ID()] = a.readerSum
		}
	}
	changed, err := c.record.Revise(ctx, hashes, at)
	failed(err)
	// The key names every date the record gives that the files do not:
	// caches keyed by it must not keep documents of the same files
	// dated otherwise.
	h, dated := sha256.New(), false
	// Dates the record gives are shown in the site's zone, as the files' are.
	local := func(t time.Time, loc *time.Location) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	note := func(id string, t time.Time) {
		h.Write([]byte(id + "\x00" + t.UTC().Format(time.RFC3339) + "\x00"))
		dated = true
	}
	for _, iss := range s.Issues {
		_, moved := c.recorded[iss.Number]
		if t := known[iss.ID()]; !t.IsZero() && !t.Equal(iss.PublishAt) && iss.Pinned.IsZero() {
			// Recorded since the content was loaded (by another server,
			// or once the record answered again).
			t = t.In(iss.PublishAt.Location())
			iss.anchor = t.Add(iss.Anchor().Sub(iss.PublishAt))
			iss.PublishAt, moved = t, true
		}
		if moved {
			note(iss.ID(), iss.Anchor())
		}
		loc := iss.PublishAt.Location()
		if iss.changed = local(changed[iss.ID()], loc); !iss.changed.IsZero() {
			note(iss.ID()+"#changed", iss.changed)
		}
		for _, sec := range []Section{Tools, Reading} {
			n, _ := listSlot(sec)
			if iss.listsChanged[n] = local(changed[iss.ListID(sec)], loc); !iss.listsChanged[n].IsZero() {
				note(iss.ListID(sec)+"#changed", iss.listsChanged[n])
			}
		}
		countDown(iss, known)
		for _, a := range iss.Articles {
			if t := known[a.ID()]; !t.IsZero() && t.After(iss.Anchor()) {
				note(a.ID(), t)
			}
			if a.changed = local(changed[a.ID()], loc); !a.changed.IsZero() {
				note(a.ID()+"#changed", a.changed)
			}
		}
	}
	if dated {
		s.Key += "." + hex.EncodeToString(h.Sum(nil))[:12]
	}
}

// countDown dates the articles of iss (a snapshot's copy): those that
// went out with the issue from its anchor, one second earlier for each
// such article before it in reading order; those the record has as
// added later (known, by ID) at the moment they became public.
func countDown(iss *Issue, known map[string]time.Time) {
	anchor := iss.Anchor()
	slot := 0
	for _, a := range iss.Articles {
		if t := known[a.ID()]; !t.IsZero() && t.After(anchor) {
			a.published = t.In(anchor.Location())
			continue
		}
		if !a.Pinned.IsZero() {
			a.published = a.Pinned
			continue
		}
		a.published = anchor.Add(-time.Duration(slot) * time.Second)
		slot++
	}
}

// readerSums sets the readerSum of iss and of each of its articles: a
// hash of what readers see of each entry once public. A save that
// changes none of it (a touch, a draft's edit, a comment in the front
// matter) leaves the sums as they were, and the record moves no
// entry's updated time. The issue's sum holds its public articles'.
func readerSums(iss *Issue) {
	pictures := func(names map[string]bool) []string {
		var out []string
		for name := range names {
			if img := iss.Image(name); img != nil {
				out = append(out, name+"@"+img.Hash)
			}
		}
		slices.Sort(out)
		return out
	}
	sum := func(v any) string {
		b, _ := json.Marshal(v) // plain data: cannot fail
		h := sha256.Sum256(b)
		return hex.EncodeToString(h[:12])
	}
	var articles []string
	for _, a := range iss.Articles {
		var lead string
		if a.Image != nil {
			lead = a.Image.Name + "@" + a.Image.Hash
		}
		var body string
		if a.body != nil {
			// The Markdown's hash, or the HTML of a body set otherwise
			// (SetBody).
			body = hex.EncodeToString(a.body.sum[:])
			if a.body.sum == ([32]byte{}) {
				body = string(a.body.html)
			}
		}
		a.readerSum = sum([]any{a.Section, a.Title, a.Kicker, a.Standfirst, a.Rating, a.PullQuote,
			a.Author, a.Tags, body, lead, a.ImageAlt, pictures(a.images)})
		if !a.Draft {
			articles = append(articles, a.Key+"="+a.readerSum)
		}
	}
	for _, s := range []Section{Tools, Reading} {
		if l := iss.List(s); l != nil {
			n, _ := listSlot(s)
			iss.listSums[n] = sum(l)
		}
	}
	iss.readerSum = sum([]any{iss.Date.Format(time.DateOnly), iss.Place, iss.Weather, iss.Tagline, string(iss.Note),
		pictures(iss.noteImages), iss.Metrics, iss.Tools, iss.Reading, articles})
}

// Moved lists, as warnings, the issues rec says went out at another
// instant than their files now say: those keep the instant readers saw
// (see Record), which surprises an editor who moved one. An issue whose
// date: was edited after it went out gets a warning of its own; issues
// whose date is the one they went out on, moved by a changed
// publish_time or time_zone, get one warning together. An issue with
// published: is never moved. When rec fails, so does Moved.
func (c *Content) Moved(ctx context.Context, rec Record) (Problems, error) {
	var keys []string
	for _, iss := range c.Issues {
		if !iss.Draft && iss.Pinned.IsZero() {
			keys = append(keys, iss.ID())
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	known, err := rec.Recall(ctx, keys)
	if err != nil {
		return nil, err
	}
	var ps Problems
	var timeOfDay []*Issue
	for _, iss := range c.Issues {
		t, ok := known[iss.ID()]
		if !ok || t.IsZero() || t.Equal(iss.PublishAt) || iss.Draft || !iss.Pinned.IsZero() {
			continue
		}
		t = t.In(iss.PublishAt.Location())
		if t.Format(time.DateOnly) == iss.Date.Format(time.DateOnly) {
			timeOfDay = append(timeOfDay, iss)
			continue
		}
		ps = append(ps, Problem{Path: iss.Path, Line: iss.dateLine, Msg: fmt.Sprintf(
			"issue %d went out at %s, and readers keep that instant: its date: %s moves only its title; to move the issue, pin the time with published: (e.g. published: %s)",
			iss.Number, t.Format(time.RFC3339), iss.Date.Format(time.DateOnly), iss.PublishAt.Format("2006-01-02 15:04"))})
	}
	if n := len(timeOfDay); n > 0 {
		first := timeOfDay[n-1] // issues are newest first: the oldest
		t := known[first.ID()].In(first.PublishAt.Location())
		ps = append(ps, Problem{Path: "morningpost.yaml", Msg: fmt.Sprintf(
			"%d issue%s went out before publish_time or time_zone changed (issue %d at %s, not %s): they keep the instants readers saw; the setting applies to issues not yet out",
			n, map[bool]string{true: "", false: "s"}[n == 1], first.Number, t.Format(time.RFC3339), first.PublishAt.Format(time.RFC3339))})
	}
	return ps, nil
}
