package feed

import (
	"crypto/sha256"
	"strconv"

	"github.com/morningpost/morningpost/content"
)

// TagSpec is the feed of every published article carrying the tag whose
// slug is slug: /tags/{slug}/feed.rss, .atom, .json. Its entries are
// those of /feed.* that carry the tag, the newest by publication up to
// the site's feed length; tag feeds have no archives. The slug must be a content.TagSlug.
func TagSpec(slug string) Spec { return Spec{Kind: TagFeed, Tag: slug} }

// tagDocOf is the key of a tag feed's document name among a snapshot's
// Derived values: the snapshot's tag itself, a pointer, which an
// interface holds without allocating.
type tagDocOf struct{ tag *content.Tag }

// tagName is a tag feed's document key and docPath.
type tagName struct{ key, path string }

// tagDoc names a tag feed's document: its key, made of the versions of
// the issues its entries come from and everything else its bytes depend
// on, as newIndex does for the other feeds, and its docPath. Both are
// made once per snapshot and tag the snapshot has.
func tagDoc(snap *content.Snapshot, s Spec) (key, path string) {
	t := snap.Tag(s.Tag)
	if t == nil {
		return makeTagKey(snap, s, nil), docPath(snap, s.base()) // no such tag: nothing to keep
	}
	n := snap.Derived(tagDocOf{t}, func() any {
		return &tagName{makeTagKey(snap, s, t), docPath(snap, s.base())}
	}).(*tagName)
	return n.key, n.path
}

// makeTagKey is the key of the feed of tag t (nil: none) of snap: the
// names of the issues its newest entries come from (tagRefs).
func makeTagKey(snap *content.Snapshot, s Spec, t *content.Tag) string {
	limit := snap.Site.FeedLength
	if limit <= 0 {
		limit = DefaultFeedLength
	}
	h := sha256.New()
	var refs []ref
	if t != nil {
		refs = tagRefs(t)
	}
	refs = refs[:min(limit, len(refs))]
	hashed := map[*content.Issue]bool{}
	for _, r := range refs {
		if !hashed[r.iss] {
			hashed[r.iss] = true
			h.Write(issueName(r.iss)) // with its entries' dates
		}
	}
	return key(h, commonKey(snap), s.String(), "feed", strconv.Itoa(len(refs)))
}
