package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
)

// Archived feeds (RFC 5005 §4).
//
// A subscription feed holds its newest entries only (the site's
// feed_length), newest by the instant each was published. The whole
// history of each feed is published as archive documents, one per
// calendar month (in the site's time zone) that has entries, in every
// format:
//
//	/archive/2026/04/feed.atom            every article published in April 2026
//	/issues/archive/2026/04/feed.rss      every issue published in April 2026
//	/sections/lead/archive/2026/04/feed.json
//
// An entry is archived in the month it was published, not its issue's:
// an article added to an old issue is in the archive of the month it
// went public, so an archive document's entries never change when an
// article is added later, and walking the archives still finds it.
//
// The subscription feed links to the newest archive with rel="prev-archive";
// each archive links to the subscription feed ("current"), to the month
// before ("prev-archive") and to the month after ("next-archive"). RSS
// carries these as atom:link elements; JSON Feed, which has no archive
// relations, has next_url pointing to the next older document. Every
// published entry is in exactly one archive document: walking prev-archive
// from the subscription feed finds each entry once.
//
// The newest archive is open: it gains the month's entries as they are
// published. Every older one is closed: its entries and links change only
// if an old issue is corrected, so it can be cached for long, and only a
// closed one is marked fh:archive, the mark that lets a reader keep it
// for good.

// Period is the calendar month an archive document covers.
type Period struct {
	Year  int
	Month time.Month
}

func (p Period) String() string { return fmt.Sprintf("%04d/%02d", p.Year, int(p.Month)) }

// Title is how the period is written: "April 2026".
func (p Period) Title() string { return p.Month.String() + " " + strconv.Itoa(p.Year) }

// periodOf is the month, in the site's time zone, of a publication time.
func periodOf(t time.Time, loc *time.Location) Period {
	y, m, _ := t.In(loc).Date()
	return Period{y, m}
}

// ParsePeriod reads the year and month of an archive URL ("2026", "04").
func ParsePeriod(year, month string) (Period, bool) {
	if len(year) != 4 || len(month) != 2 {
		return Period{}, false
	}
	y, err1 := strconv.Atoi(year)
	m, err2 := strconv.Atoi(month)
	if err1 != nil || err2 != nil || y < 1 || m < 1 || m > 12 || strings.TrimLeft(year+month, "0123456789") != "" {
		return Period{}, false
	}
	return Period{y, time.Month(m)}, true
}

// ArchiveDir is the URL path under which the feed's archives live ("",
// "/issues", "/sections/lead"): each is ArchiveDir()+"/archive/YYYY/MM/feed.EXT".
func (s Spec) ArchiveDir() string { return strings.TrimSuffix(s.base(), "/feed") }

// ArchivePath is the URL path of the feed's archive for period p in
// format f, such as "/issues/archive/2026/04/feed.rss". Like Path, it is
// a public contract.
func (s Spec) ArchivePath(p Period, f Format) string {
	return s.archiveBase(p) + "." + string(f)
}

// archiveBase is ArchivePath without the format's extension, as archive
// links are kept: "/issues/archive/2026/04/feed".
func (s Spec) archiveBase(p Period) string {
	return s.ArchiveDir() + "/archive/" + p.String() + "/feed"
}

// ErrNoArchive is returned for a period in which a feed has no entries.
var ErrNoArchive = errors.New("feed: no archive for that period")

// Archive describes one archive document of a feed.
type Archive struct {
	Period  Period
	Entries int // how many entries it holds
	// Closed is false for the newest archive, which still gains entries
	// as they are published, and true for every older one.
	Closed bool
}

// Archives lists the archive documents of feed s in snap, newest first.
func Archives(snap *content.Snapshot, s Spec) []Archive {
	if !s.Valid() {
		return nil
	}
	fi := indexOf(snap).feeds[specSlot(s)]
	out := make([]Archive, len(fi.periods))
	for i, p := range fi.periods {
		out[i] = Archive{Period: p.period, Entries: p.entries, Closed: i > 0}
	}
	return out
}

// BuildArchive maps the public entries of feed s published in period p
// (each entry's own publication, not its issue's) to an archive document,
// newest first, with its archive links. It
// returns ErrNoArchive when the feed has no entries in p.
func BuildArchive(snap *content.Snapshot, s Spec, p Period) (*Doc, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("feed: no feed %v", s)
	}
	fi := indexOf(snap).feeds[specSlot(s)]
	i, ok := fi.byPeriod[p]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoArchive, s.ArchivePath(p, Atom))
	}
	return fi.buildArchive(snap, s, i), nil
}

func (fi *feedIndex) buildArchive(snap *content.Snapshot, s Spec, i int) *Doc {
	pi := fi.periods[i]
	d := newDoc(snap, s)
	site := snap.Site
	d.Feed.Title += " (" + pi.period.Title() + ")"
	d.Feed.Image.Title = d.Feed.Title // RSS wants the image titled as the channel
	// Only a closed archive is marked fh:archive: RFC 5005 lets a reader
	// keep an archive document for good, and the open one still gains
	// entries. (So no document is an archive linking to no other
	// archive, which the W3C validator warns of as ArchiveIncomplete.)
	d.archive = i > 0
	for _, f := range Formats {
		d.self[f] = site.URL(s.ArchivePath(pi.period, f))
	}
	d.links.current = site.URL(s.base())
	if i+1 < len(fi.periods) {
		d.links.prev = site.URL(s.archiveBase(fi.periods[i+1].period))
	}
	if i > 0 {
		d.links.next = site.URL(s.archiveBase(fi.periods[i-1].period))
	}
	b := builder{site: site, root: mustParse(site.URL("/"))}
	for _, r := range fi.refs[pi.lo:pi.hi] {
		d.add(b.entry(r, s))
	}
	d.finish()
	return d
}

// ref is one entry of a feed before it is made: the issue it comes from,
// its article (nil for an issue's entry or its tools or reading list),
// the instant it was published and that instant's month.
type ref struct {
	iss    *content.Issue
	a      *content.Article
	at     time.Time
	period Period
	n      int // the issue's place in sortedIssues, for keys
}

// entry makes the entry of feed s that r stands for.
func (b *builder) entry(r ref, s Spec) Entry {
	switch {
	case r.a != nil:
		return b.pictured(b.article(r.a), r.a)
	case s.Kind == Issues:
		return b.pictured(b.issue(r.iss), r.iss.Lead())
	}
	return b.list(r.iss, r.iss.List(s.Section))
}

// newestFirst orders refs by the instant they were published, newest
// first; refs of one instant keep the order they were given in.
func newestFirst(refs []ref) {
	slices.SortStableFunc(refs, func(x, y ref) int { return y.at.Compare(x.at) })
}

// refsOf lists every entry of feed s in snap, newest first (see
// newestFirst): every public entry it has, whichever issue it is in.
func refsOf(snap *content.Snapshot, s Spec) []ref {
	if s.Kind == TagFeed {
		t := snap.Tag(s.Tag)
		if t == nil {
			return nil
		}
		return tagRefs(t)
	}
	if !s.Valid() {
		return nil
	}
	return indexOf(snap).feeds[specSlot(s)].refs
}

// tagRefs are the entries of the feed of tag t, newest first.
func tagRefs(t *content.Tag) []ref {
	refs := make([]ref, len(t.Articles))
	for i, a := range t.Articles {
		refs[i] = ref{iss: a.Issue, a: a, at: a.Published()}
	}
	newestFirst(refs)
	return refs
}

// index is what the cache needs to know about a snapshot's feeds: every
// entry of each, newest first, which of them make each document (the
// subscription feed, each month's archive), and a key for each document
// that changes exactly when its entries may change. Keys are made of
// what the entries are made of (issueName of each issue an entry of the
// document comes from: the issues' versions, which articles they hold,
// their dates), not of the content version, so that editing one issue
// re-renders only the documents that hold it, and a preview snapshot's
// document, which holds draft articles, never has the key of a public
// one.
type index struct {
	feeds []*feedIndex // by specSlot
}

type feedIndex struct {
	refs     []ref  // every entry of the feed, newest first
	subKey   string // of the subscription feed
	path     string // the subscription feed's docPath, made once: hits build no string
	periods  []*periodIndex
	byPeriod map[Period]int
}

// periodIndex is one month's archive: refs[lo:hi] of its feed, the
// entries published in that month, newest first.
type periodIndex struct {
	period  Period
	lo, hi  int
	entries int
	key     string
	path    string // the archive's docPath
}

// indexKey is the key of a snapshot's index among its Derived values.
type indexKey struct{}

// indexOf is the index of snap, built once per snapshot by the first
// request that needs it; it lives as long as the snapshot.
func indexOf(snap *content.Snapshot) *index {
	return snap.Derived(indexKey{}, func() any { return newIndex(snap) }).(*index)
}

// specSlot numbers the feeds of Specs: articles, issues, then sections.
func specSlot(s Spec) int {
	switch s.Kind {
	case Articles:
		return 0
	case Issues:
		return 1
	}
	for i, sec := range content.Sections {
		if sec == s.Section {
			return 2 + i
		}
	}
	return -1
}

func formatSlot(f Format) int {
	switch f {
	case RSS:
		return 0
	case Atom:
		return 1
	}
	return 2
}

func newIndex(snap *content.Snapshot) *index {
	issues := sortedIssues(snap)
	site := snap.Site
	limit := site.FeedLength
	if limit <= 0 {
		limit = DefaultFeedLength
	}
	// Per issue, once: what names its version in a hash. Per entry,
	// once: its instant and month.
	names := make([][]byte, len(issues))
	var articles, issueRefs []ref
	for i, iss := range issues {
		names[i] = issueName(iss)
		at := iss.Anchor()
		issueRefs = append(issueRefs, ref{iss: iss, at: at, period: periodOf(at, site.Location), n: i})
		for _, a := range iss.Articles {
			at := a.Published()
			articles = append(articles, ref{iss: iss, a: a, at: at, period: periodOf(at, site.Location), n: i})
		}
	}
	newestFirst(articles)
	newestFirst(issueRefs)
	common := commonKey(snap)
	seen := make([]int, len(issues)) // the document an issue was last hashed for, plus one
	doc := 0
	// hashIssues writes to h the name of each issue refs come from, once.
	hashIssues := func(h hash.Hash, refs []ref) {
		doc++
		for _, r := range refs {
			if seen[r.n] != doc {
				seen[r.n] = doc
				h.Write(names[r.n])
			}
		}
	}
	ix := &index{}
	for _, s := range Specs() {
		fi := &feedIndex{byPeriod: map[Period]int{}, path: docPath(snap, s.base())}
		switch {
		case s.Kind == Articles:
			fi.refs = articles
		case s.Kind == Issues:
			fi.refs = issueRefs
		case s.Section.IsArticle():
			for _, r := range articles {
				if r.a.Section == s.Section {
					fi.refs = append(fi.refs, r)
				}
			}
		default:
			for _, r := range issueRefs {
				if l := r.iss.List(s.Section); l != nil && len(l.Items) > 0 {
					fi.refs = append(fi.refs, r)
				}
			}
		}
		// Each month's entries are a run of refs, which are newest first.
		for i, r := range fi.refs {
			if n := len(fi.periods); n == 0 || fi.periods[n-1].period != r.period {
				fi.byPeriod[r.period] = n
				fi.periods = append(fi.periods, &periodIndex{period: r.period, lo: i})
			}
			fi.periods[len(fi.periods)-1].hi = i + 1
		}
		sub := sha256.New()
		hashIssues(sub, fi.refs[:min(limit, len(fi.refs))])
		newest := ""
		if len(fi.periods) > 0 {
			newest = fi.periods[0].period.String()
		}
		fi.subKey = key(sub, common, s.String(), "feed", strconv.Itoa(min(limit, len(fi.refs))), newest)
		for i, pi := range fi.periods {
			var prev, next string
			if i+1 < len(fi.periods) {
				prev = fi.periods[i+1].period.String()
			}
			if i > 0 {
				next = fi.periods[i-1].period.String()
			}
			pi.entries = pi.hi - pi.lo
			h := sha256.New()
			hashIssues(h, fi.refs[pi.lo:pi.hi])
			pi.key = key(h, common, s.String(), "archive", pi.period.String(), prev, next)
			pi.path = docPath(snap, s.archiveBase(pi.period))
		}
		ix.feeds = append(ix.feeds, fi)
	}
	return ix
}

// commonKey is everything a document's bytes depend on besides its
// entries.
func commonKey(snap *content.Snapshot) string {
	site := snap.Site
	return strings.Join([]string{GeneratorVersion, site.Version, site.BaseURL.String(), strings.Join(site.WebSubHubs, " ")}, "\x00")
}

// issueName is what an issue's entries are made of, for document keys:
// its number, the version of its files, which of its articles it holds
// (a snapshot's copy of an issue leaves draft articles out, a preview's
// keeps them, with the same files), the times its entries are dated and
// the slugs of their URLs, which come from the store as well as the
// files.
func issueName(iss *content.Issue) []byte {
	b := strconv.AppendInt(nil, int64(iss.Number), 10)
	b = append(b, "\x00"+iss.Version+"\x00"...)
	b = strconv.AppendInt(b, iss.Anchor().Unix(), 10)
	b = append(b, '~')
	b = strconv.AppendInt(b, iss.Modified().Unix(), 10)
	for _, s := range []content.Section{content.Tools, content.Reading} {
		b = append(b, '~')
		b = strconv.AppendInt(b, iss.ListModified(s).Unix(), 10)
	}
	for _, a := range iss.Articles {
		b = append(b, ' ')
		b = append(b, a.Key...)
		b = append(b, '/')
		b = append(b, a.Slug...) // its URL, which the slugs may change (content.Slugs)
		b = append(b, '@')
		b = strconv.AppendInt(b, a.Published().Unix(), 10)
		b = append(b, '~')
		b = strconv.AppendInt(b, a.Modified().Unix(), 10)
	}
	return append(b, 0)
}

// key finishes a document's hash with what names it: the key of the
// document in every format.
func key(h hash.Hash, parts ...string) string {
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// GetArchive returns the archive of feed s for period p in format f,
// rendering it if it is not cached, and whether the archive is closed.
// It returns ErrNoArchive when the feed has no entries in p.
func (c *Cache) GetArchive(snap *content.Snapshot, s Spec, p Period, f Format) (*Response, Archive, error) {
	if !s.Valid() || !f.Valid() {
		return nil, Archive{}, fmt.Errorf("feed: no feed %v in format %q", s, f)
	}
	fi := c.index(snap).feeds[specSlot(s)]
	i, ok := fi.byPeriod[p]
	if !ok {
		return nil, Archive{}, fmt.Errorf("%w: %s", ErrNoArchive, s.ArchivePath(p, f))
	}
	pi := fi.periods[i]
	info := Archive{Period: p, Entries: pi.entries, Closed: i > 0}
	r, err := c.document(pi.key, pi.path, true, snap.Site, f, func() *Doc { return fi.buildArchive(snap, s, i) })
	if err != nil {
		return nil, Archive{}, fmt.Errorf("render %s: %w", s.ArchivePath(p, f), err)
	}
	return r, info, nil
}
