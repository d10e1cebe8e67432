// Package search finds public articles by their words: a query language
// (Parse: words ANDed, "phrases", -exclusions, English stemming, case
// and accents ignored), one analysis of text (Words) for what is indexed
// and what is asked, and an index kept in the store (Engine: SQLite's
// FTS5, or PostgreSQL's tsvector and GIN index when the site runs on
// PostgreSQL), updated from the content incrementally (Index.Sync: only
// articles whose hash changed are indexed again).
//
// Only what is public is indexed, and every hit is checked again against
// the snapshot of the request: an article that is not public at that
// moment is never found, counted or quoted, whatever the index holds.
// Before answering, a search brings the index up to the request's
// snapshot if it was made from another (a reload, a scheduled issue
// whose moment has come), so an edit is searchable as soon as it is
// served.
package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/morningpost/morningpost/content"
)

// MaxHits is the most hits a search counts; a search that finds more
// says "more than" and shows these, best first. It bounds the work of
// the commonest words.
const MaxHits = 1000

// Timeout bounds the work of one search, the sync of the index
// included: /search and the desk's search both run under it.
const Timeout = 5 * time.Second

// hashVersion changes when what Words makes of a text changes, so that
// every article is indexed again.
const hashVersion = "search-1"

// ErrWarming is returned by Search until the index has been brought up
// to the content once after a start.
var ErrWarming = errors.New("search is warming up")

// Index keeps an Engine up to date with the content and runs searches
// against the public snapshot of each request.
type Index struct {
	engine Engine

	mu     sync.Mutex // one Sync at a time
	synced atomic.Pointer[string]
	ready  atomic.Bool
}

// New returns an index kept in engine. It answers ErrWarming until its
// first Sync ends.
func New(engine Engine) *Index { return &Index{engine: engine} }

// Engine is the engine the index is kept in.
func (x *Index) Engine() Engine { return x.engine }

// Ready reports whether the index has been synced once.
func (x *Index) Ready() bool { return x.ready.Load() }

// Stats say what a Sync did.
type Stats struct {
	Indexed, Removed, Kept int
}

// Sync brings the index to snap: the public articles whose hash changed
// or that are new are indexed, those no longer public removed, the rest
// left alone. It is a no-op for the snapshot last synced.
func (x *Index) Sync(ctx context.Context, snap *content.Snapshot) (Stats, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if k := x.synced.Load(); k != nil && *k == snap.Key {
		return Stats{}, nil
	}
	var st Stats
	have, err := x.engine.Hashes(ctx)
	if err != nil {
		return st, err
	}
	want := map[string]bool{}
	var batch []Doc
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := x.engine.Apply(ctx, batch, nil)
		st.Indexed += len(batch)
		batch = batch[:0]
		return err
	}
	for _, a := range snap.Articles() {
		id := a.ID()
		want[id] = true
		h := hashOf(a)
		if have[id] == h {
			st.Kept++
			continue
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		batch = append(batch, docOf(a, h))
		if len(batch) == 200 {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if err := flush(); err != nil {
		return st, err
	}
	var del []string
	for id := range have {
		if !want[id] {
			del = append(del, id)
		}
	}
	if len(del) > 0 {
		if err := x.engine.Apply(ctx, nil, del); err != nil {
			return st, err
		}
		st.Removed = len(del)
	}
	key := snap.Key
	x.synced.Store(&key)
	x.ready.Store(true)
	return st, nil
}

// Live is what Run follows: the served content and its reloads.
type Live interface {
	At(now time.Time) *content.Snapshot
	Subscribe() (<-chan content.Event, func())
}

// Run syncs the index with live at once, then after every reload and at
// every publication time, until ctx is done. It is meant to run in the
// background from the start of a server: searches answer ErrWarming
// until the first sync ends. The first sync, each later one that did
// something, and each that failed is passed to report (a failed one is tried again at the next event).
func (x *Index) Run(ctx context.Context, live Live, now func() time.Time, report func(st Stats, took time.Duration, err error)) {
	events, unsubscribe := live.Subscribe()
	defer unsubscribe()
	reported := false // the first sync is always reported: the index is ready
	for {
		snap := live.At(now())
		start := time.Now()
		st, err := x.Sync(ctx, snap)
		if ctx.Err() != nil {
			return
		}
		if err != nil || st.Indexed+st.Removed > 0 || !reported {
			report(st, time.Since(start), err)
			reported = err == nil
		}
		if !content.WaitForChange(ctx, events, snap.Next, now) {
			return
		}
	}
}

// Hit is one article found, with the passage that matched.
type Hit struct {
	Article *content.Article
	// Snippet is a passage of the article's text around the words
	// found, each marked with <mark>; HTML-escaped.
	Snippet template.HTML
}

// Result is one page of a search.
type Result struct {
	Hits  []Hit
	Total int  // articles found, at most MaxHits
	More  bool // there are more than MaxHits
}

// Search runs q against what snap holds, in order, and returns the n
// hits after the first offset (snippets only when snippets is set).
// Before the index's first sync it returns ErrWarming. If the index was
// last synced to another snapshot, it is synced to snap first.
func (x *Index) Search(ctx context.Context, snap *content.Snapshot, q *Query, order Order, offset, n int, snippets bool) (*Result, error) {
	if !x.ready.Load() {
		return nil, ErrWarming
	}
	if k := x.synced.Load(); k == nil || *k != snap.Key {
		if _, err := x.Sync(ctx, snap); err != nil {
			return nil, err
		}
	}
	ids, err := x.engine.Find(ctx, q, order, MaxHits+1)
	if err != nil {
		return nil, err
	}
	byID := articlesOf(snap)
	res := &Result{}
	var found []*content.Article
	for _, id := range ids {
		if a := byID[id]; a != nil { // public in this snapshot, whatever the index holds
			found = append(found, a)
		}
	}
	if len(found) > MaxHits {
		found, res.More = found[:MaxHits], true
	}
	res.Total = len(found)
	if offset < len(found) {
		found = found[offset:min(len(found), offset+n)]
		pos := q.Positive()
		for _, a := range found {
			h := Hit{Article: a}
			if snippets {
				h.Snippet = Snippet(Text(a), pos)
			}
			res.Hits = append(res.Hits, h)
		}
	}
	return res, nil
}

type byIDKey struct{}

// articlesOf maps the public articles of snap by ID, once per snapshot.
func articlesOf(snap *content.Snapshot) map[string]*content.Article {
	return snap.Derived(byIDKey{}, func() any {
		m := make(map[string]*content.Article, len(snap.Articles()))
		for _, a := range snap.Articles() {
			m[a.ID()] = a
		}
		return m
	}).(map[string]*content.Article)
}

// hashOf is the hash of what is indexed of a: what readers see of it (its
// reader sum: title, standfirst, body and the rest), its date and URL.
// An article made by hand has no reader sum: its text is hashed instead.
func hashOf(a *content.Article) string {
	h := sha256.New()
	io.WriteString(h, hashVersion)
	fmt.Fprintf(h, "\x00%s\x00%s\x00%d\x00", a.ID(), a.URLPath(), a.Published().UnixNano())
	if s := a.ReaderSum(); s != "" {
		io.WriteString(h, s)
	} else {
		io.WriteString(h, a.Title+"\x00"+Text(a))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Text is the searchable text of an article besides its title: kicker,
// standfirst, body, pull quote, author and tags, as plain text.
func Text(a *content.Article) string {
	parts := []string{a.Kicker, a.Standfirst, content.PlainText(string(a.Body())), a.PullQuote, a.Author.Name}
	parts = append(parts, a.Tags...)
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" \n")
		}
		b.WriteString(p)
	}
	return b.String()
}

func docOf(a *content.Article, hash string) Doc {
	return Doc{
		Entry:     a.ID(),
		Hash:      hash,
		Published: a.Published().UnixNano(),
		Title:     Words(a.Title),
		Body:      Words(Text(a)),
	}
}

// String names a query for logs.
func (q *Query) String() string { return strconv.Quote(q.Text) }
