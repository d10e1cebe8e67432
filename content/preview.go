package content

import (
	"strconv"
	"time"
)

// PreviewKeyPrefix starts the Key of every preview snapshot. Public
// snapshot keys start with the content version, a hex hash, so a cache
// keyed by snapshot key can never serve preview content to readers.
const PreviewKeyPrefix = "preview:"

// Preview returns the snapshot editors preview: every issue and every
// article, drafts and scheduled ones included, each as it will look when
// published. A draft issue or article is treated as published at its
// issue's publication time (with Draft cleared on the copies), so pages and
// feed entries built from the preview are exactly those readers will get.
//
// Preview must never be used for anything public: public code paths take
// their snapshot from At. Its Key starts with PreviewKeyPrefix.
func (c *Content) Preview() *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.preview != nil {
		return c.preview
	}
	s := &Snapshot{
		Site:     c.Site,
		Key:      PreviewKeyPrefix + c.Version,
		byNumber: map[int]*Issue{},
	}
	// c.Issues is newest first, the order of a public snapshot.
	for _, iss := range c.Issues {
		s.add(c, iss, true)
	}
	// The URLs the articles are public under, or will be; nothing is
	// recorded until they are public.
	c.pinSlugs(s, time.Time{}, false)
	c.preview = s
	return s
}

// PreviewIssue returns issue n as it will look when published, drafts
// included, or nil when there is no issue n.
func (c *Content) PreviewIssue(n int) *Issue { return c.Preview().Issue(n) }

// Status says where an issue or article stands at a moment.
type Status string

// The statuses of content.
const (
	StatusPublished Status = "published" // public now
	StatusScheduled Status = "scheduled" // goes public by itself at its publication time
	StatusDraft     Status = "draft"     // never public until draft: is removed
)

// Status of the issue at now.
func (iss *Issue) Status(now time.Time) Status {
	switch {
	case iss.Draft:
		return StatusDraft
	case iss.PublishAt.After(now):
		return StatusScheduled
	}
	return StatusPublished
}

// IssueStatus is iss's status at now as c publishes it: an issue that
// went out stays published at the instant the record says, whatever its
// files now say (a publish_time or date: changed since); see Status.
func (c *Content) IssueStatus(iss *Issue, now time.Time) Status {
	switch {
	case iss.Draft:
		return StatusDraft
	case c.publishAt(iss).After(now):
		return StatusScheduled
	}
	return StatusPublished
}

// ArticleStatus is a's status at now as c publishes it (see IssueStatus).
func (c *Content) ArticleStatus(a *Article, now time.Time) Status {
	if a.Draft {
		return StatusDraft
	}
	return c.IssueStatus(a.Issue, now)
}

// PublishAt is when iss goes, or went, public as c publishes it: the
// instant the record says it went out, or its files' time.
func (c *Content) PublishAt(iss *Issue) time.Time { return c.publishAt(iss) }

// Status of the article at now: a draft article is a draft whatever its
// issue; otherwise it follows its issue.
func (a *Article) Status(now time.Time) Status {
	if a.Draft {
		return StatusDraft
	}
	return a.Issue.Status(now)
}

// Only returns a snapshot holding issue n of s alone, or nil when s has no
// issue n. A feed entry depends only on its issue and the site, so entries
// of one issue can be rendered from it without building a whole archive's
// feed. Its Key is s.Key with the issue number appended.
func (s *Snapshot) Only(n int) *Snapshot {
	iss := s.byNumber[n]
	if iss == nil {
		return nil
	}
	return &Snapshot{
		Site:     s.Site,
		Key:      s.Key + "#" + strconv.Itoa(n),
		Issues:   []*Issue{iss},
		articles: iss.Articles,
		byNumber: map[int]*Issue{n: iss},
	}
}
