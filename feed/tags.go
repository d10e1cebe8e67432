package feed

import (
	"crypto/sha256"

	"github.com/morningpost/morningpost/content"
)

// TagSpec is the feed of every published article carrying the tag whose
// slug is slug: /tags/{slug}/feed.rss, .atom, .json. Its entries are
// those of /feed.*, capped at the site's feed length; tag feeds have no
// archives. The slug must be a content.TagSlug.
func TagSpec(slug string) Spec { return Spec{Kind: TagFeed, Tag: slug} }

// tagKeyOf is the key of a tag feed's document key among a snapshot's
// Derived values.
type tagKeyOf struct{ slug string }

// tagKey names a tag feed's document: the versions of the issues its
// entries come from, and everything else its bytes depend on, as
// newIndex does for the other feeds. It is made once per snapshot and
// tag the snapshot has.
func tagKey(snap *content.Snapshot, s Spec) string {
	if snap.Tag(s.Tag) == nil {
		return makeTagKey(snap, s) // no such tag: nothing to keep
	}
	return snap.Derived(tagKeyOf{s.Tag}, func() any { return makeTagKey(snap, s) }).(string)
}

func makeTagKey(snap *content.Snapshot, s Spec) string {
	limit := snap.Site.FeedLength
	if limit <= 0 {
		limit = DefaultFeedLength
	}
	h := sha256.New()
	n := 0
	if t := snap.Tag(s.Tag); t != nil {
		var last *content.Issue
		for _, a := range t.Articles {
			if n >= limit {
				break
			}
			n++
			if a.Issue != last {
				last = a.Issue
				h.Write(issueName(a.Issue)) // with its entries' dates
			}
		}
	}
	return key(h, commonKey(snap), s.String(), "feed")
}
