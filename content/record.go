package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Record remembers when each entry first became public, so that every
// server sharing it, and every restart, dates entries alike. Content on
// disk cannot say when an article was dropped into an issue that was
// already out; the record can.
//
// Keys are permanent entry IDs (Issue.ID, Article.ID). A recorded time
// is the moment the entry first became public, or the zero time for an
// article that went out with its issue (dated from the issue's anchor,
// so that a corrected issue date moves it too).
//
// A Snapshot is dated by the record when it is built, once per content
// change and publication step:
//
//   - An issue the record has never seen is recorded, and so is every
//     one of its public articles as having gone out with it. A fresh
//     record therefore dates everything by the files alone, as loading
//     without a record does: the output is deterministic.
//   - An article the record has never seen, in an issue it has seen, is
//     new: it is recorded as public from the moment the snapshot is
//     taken (less one second for each other new article before it in
//     reading order, so no two share an instant).
//
// Implementations must be safe for concurrent use and let the first
// record of a key win, also between servers: Remember returns what is
// recorded, which may be another server's time.
type Record interface {
	// Recall returns the recorded times of those keys that are recorded.
	Recall(ctx context.Context, keys []string) (map[string]time.Time, error)
	// Remember records each key not yet recorded with its time, and
	// returns the recorded time of every key given.
	Remember(ctx context.Context, times map[string]time.Time) (map[string]time.Time, error)
}

// recordTimeout bounds the record's answer while a snapshot is built;
// recordRetry is how soon a snapshot dated without it is built again.
const (
	recordTimeout = 5 * time.Second
	recordRetry   = 15 * time.Second
)

// date dates the articles of s, taken at now, by c's record (see Record).
// Without a record, or when it cannot answer, every article is dated from
// its issue's anchor; when it cannot answer, s is built again after
// recordRetry.
func (c *Content) date(s *Snapshot, now time.Time) {
	if c.record == nil || len(s.Issues) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	keys := make([]string, 0, len(s.Issues)+len(s.articles))
	for _, iss := range s.Issues {
		keys = append(keys, iss.ID())
		for _, a := range iss.Articles {
			keys = append(keys, a.ID())
		}
	}
	known, err := c.record.Recall(ctx, keys)
	if err != nil {
		s.retryAt = now.Add(recordRetry)
		return
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
		if err != nil {
			// Dated by this server alone until the record answers.
			s.retryAt = now.Add(recordRetry)
			got = want
		}
		for k, t := range got {
			known[k] = t
		}
	}
	// The key names the dates of added articles too: caches keyed by it
	// must not keep pages of the same files dated otherwise.
	h, added := sha256.New(), false
	for _, iss := range s.Issues {
		countDown(iss, known)
		for _, a := range iss.Articles {
			if t := known[a.ID()]; !t.IsZero() && t.After(iss.Anchor()) {
				h.Write([]byte(a.ID() + "\x00" + t.UTC().Format(time.RFC3339) + "\x00"))
				added = true
			}
		}
	}
	if added {
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
