package content

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Content is one load of a content root: every issue, public or not.
// It is immutable once loaded and safe for concurrent use.
type Content struct {
	Site    *Site
	Issues  []*Issue // every issue, drafts and scheduled ones too, newest first
	Version string   // hash of every file read: same files, same version

	steps []time.Time // distinct publication times of non-draft issues, ascending
	// ranks counts, per issue number, the issues of lower number
	// published at the same time (see Issue.Anchor).
	ranks map[int]int
	// record remembers when entries first became public; nil: every
	// entry is dated by its files alone (see Record).
	record Record

	// cur is the snapshot last asked for: the common case, a request for
	// what is public now, reads it without a lock.
	cur     atomic.Pointer[Snapshot]
	mu      sync.Mutex
	snaps   map[int]*Snapshot // by step; at most maxSnapshots of them
	preview *Snapshot         // built by Preview on first use
}

// maxSnapshots bounds the snapshots a Content keeps. A long-running server
// passes a publication step every day; without a bound it would keep a
// copy of the whole archive per day until the next reload.
const maxSnapshots = 4

func (c *Content) index() {
	seen := map[time.Time]bool{}
	for _, iss := range c.Issues {
		if !iss.Draft && !seen[iss.PublishAt] {
			seen[iss.PublishAt] = true
			c.steps = append(c.steps, iss.PublishAt)
		}
	}
	sort.Slice(c.steps, func(i, j int) bool { return c.steps[i].Before(c.steps[j]) })
	c.snaps = map[int]*Snapshot{}
	c.ranks = map[int]int{}
	byTime := map[int64][]int{}
	for _, iss := range c.Issues {
		t := iss.PublishAt.UnixNano()
		byTime[t] = append(byTime[t], iss.Number)
	}
	for _, numbers := range byTime {
		if len(numbers) > 1 {
			sort.Ints(numbers)
			for i, n := range numbers {
				c.ranks[n] = i
			}
		}
	}
}

// Warnings lists what loaded, but not as written, by file and line:
// markup in a title, shown as its plain text (PlainTitle). morningpost
// check prints them; they stop nothing.
func (c *Content) Warnings() Problems {
	var out Problems
	if c.Site != nil && c.Site.warnings != nil {
		out = append(out, *c.Site.warnings...)
	}
	for _, iss := range c.Issues {
		out = append(out, iss.warnings...)
	}
	out.sort()
	return out
}

// Issue returns issue n, public or not, or nil.
func (c *Content) Issue(n int) *Issue {
	for _, iss := range c.Issues {
		if iss.Number == n {
			return iss
		}
	}
	return nil
}

// Public reports whether an issue is public at now: not a draft, and its
// publication time has come.
func (iss *Issue) Public(now time.Time) bool {
	return !iss.Draft && !iss.PublishAt.After(now)
}

// Public reports whether an article is public at now.
func (a *Article) Public(now time.Time) bool { return !a.Draft && a.Issue.Public(now) }

// Snapshot is what readers may see at one moment: the public issues, each
// holding only its public articles. Everything public (pages, feeds,
// counts) is built from a Snapshot, so a draft cannot leak by accident.
type Snapshot struct {
	Site *Site
	// Key identifies what is public: the content version and how many
	// publication times have passed. It changes whenever the public
	// content changes, so caches keyed by it are never stale.
	Key string
	// Version is a hash of what readers see: the site and the public
	// files of the public issues. Unlike Key it does not change when a
	// draft or a scheduled issue is saved, so it may be shown to anyone.
	Version string
	Issues  []*Issue // public issues, newest first
	// Next is when the next scheduled issue goes public; zero if none is scheduled.
	Next time.Time

	step int // publication steps passed (snapshots made by At)
	// retryAt, when set, is when At builds the snapshot again: the
	// record could not be read or written, and its dates are this
	// server's own until it can.
	retryAt  time.Time
	articles []*Article
	byNumber map[int]*Issue

	tagsOnce sync.Once
	tags     *tagIndex // see Tags

	derived sync.Map // key -> *derivedValue; see Derived
}

// Derived returns what build makes of the snapshot, made once per key
// however many ask at the same time, and kept as long as the snapshot:
// the feed package's index of the documents a snapshot holds, for one.
// Keys are comparable values of a type private to their package.
func (s *Snapshot) Derived(key any, build func() any) any {
	v, ok := s.derived.Load(key)
	if !ok {
		v, _ = s.derived.LoadOrStore(key, &derivedValue{})
	}
	d := v.(*derivedValue)
	d.once.Do(func() { d.v = build() })
	return d.v
}

type derivedValue struct {
	once sync.Once
	v    any
}

// At returns the snapshot of what is public at now. Snapshots are built
// once per publication step and shared.
func (c *Content) At(now time.Time) *Snapshot {
	step := sort.Search(len(c.steps), func(i int) bool { return c.steps[i].After(now) })
	if s := c.cur.Load(); s != nil && s.step == step && !s.stale(now) {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.snaps[step]
	if !ok || s.stale(now) {
		s = c.build(step, now)
		if len(c.snaps) >= maxSnapshots {
			for other := range c.snaps {
				delete(c.snaps, other) // any other step: it is rebuilt if asked for again
				break
			}
		}
		c.snaps[step] = s
	}
	c.cur.Store(s)
	return s
}

func (s *Snapshot) stale(now time.Time) bool { return !s.retryAt.IsZero() && !now.Before(s.retryAt) }

// build makes the snapshot of publication step step, taken at now: the
// issues published at or before the step's time, each holding only its
// public articles, dated (see Record).
func (c *Content) build(step int, now time.Time) *Snapshot {
	s := &Snapshot{
		step:     step,
		Site:     c.Site,
		Key:      c.Version + "." + strconv.Itoa(step),
		byNumber: map[int]*Issue{},
	}
	if step < len(c.steps) {
		s.Next = c.steps[step]
	}
	var cutoff time.Time
	if step > 0 {
		cutoff = c.steps[step-1]
	}
	for _, iss := range c.Issues {
		if iss.Draft || step == 0 || iss.PublishAt.After(cutoff) {
			continue
		}
		s.add(c, iss, false)
	}
	h := sha256.New()
	if c.Site != nil {
		io.WriteString(h, c.Site.Version)
	}
	for _, iss := range s.Issues {
		fmt.Fprintf(h, "\x00%d\x00%s", iss.Number, iss.publicSum)
	}
	s.Version = hex.EncodeToString(h.Sum(nil))[:16]
	c.date(s, now)
	return s
}

// add appends to s a copy of iss as readers see it once published: not a
// draft, holding copies of its articles that point at the copy. Draft
// articles are left out, unless drafts is set: then they are kept, their
// draft flag cleared. The loaded issue and articles are never changed.
func (s *Snapshot) add(c *Content, iss *Issue, drafts bool) {
	pub := *iss
	pub.Draft = false
	pub.Articles = nil
	pub.anchor = iss.PublishAt.Add(time.Duration(c.ranks[iss.Number]) * sameTimeStride)
	for _, a := range iss.Articles {
		if a.Draft && !drafts {
			continue
		}
		cp := *a
		cp.Draft = false
		cp.Issue = &pub
		pub.Articles = append(pub.Articles, &cp)
	}
	countDown(&pub, nil)
	s.Issues = append(s.Issues, &pub)
	s.byNumber[pub.Number] = &pub
	s.articles = append(s.articles, pub.Articles...)
}

// Issue returns public issue n, or nil.
func (s *Snapshot) Issue(n int) *Issue { return s.byNumber[n] }

// Latest returns the newest public issue, or nil.
func (s *Snapshot) Latest() *Issue {
	if len(s.Issues) == 0 {
		return nil
	}
	return s.Issues[0]
}

// Articles returns every public article, newest issue first, each issue's
// articles in print order.
func (s *Snapshot) Articles() []*Article { return s.articles }

// Pending lists the issues and articles that are not public at now:
// drafts and scheduled ones, soonest first, for the editors' preview.
func (c *Content) Pending(now time.Time) []*Issue {
	var out []*Issue
	for _, iss := range c.Issues {
		if !iss.Public(now) {
			out = append(out, iss)
			continue
		}
		for _, a := range iss.Articles {
			if a.Draft {
				out = append(out, iss)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PublishAt.Before(out[j].PublishAt) })
	return out
}
