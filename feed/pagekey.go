package feed

import (
	"crypto/sha256"

	"github.com/morningpost/morningpost/content"
)

// PageKey names, for the cache keys of a page that shows only the given
// issues (an article's page shows its issue; an issue's page, its issue
// and the ones beside it, nil when there is none), everything of the
// content the page's bytes depend on: the site, and of each issue what
// its feed entries are keyed by (its files' version, its articles, the
// dates the record gives them, their slugs). Two snapshots that differ
// elsewhere give the page the same key, so a static export after a
// day's issue reads back such pages from its last files instead of
// rendering them again.
func PageKey(snap *content.Snapshot, issues ...*content.Issue) string {
	h := sha256.New()
	h.Write([]byte(commonKey(snap)))
	for _, iss := range issues {
		if iss == nil {
			h.Write([]byte{1})
			continue
		}
		h.Write(issueName(iss))
	}
	return key(h, "page")
}

// SnapshotKey names everything of snap a page may show: snap.Key (the
// content and how many publication times have passed) and the dates the
// record gives every public issue and article, which snap.Key does not
// name. It is the key of pages that show more than a few issues.
func SnapshotKey(snap *content.Snapshot) string {
	return snap.Derived(snapshotKeyOf{}, func() any {
		h := sha256.New()
		h.Write([]byte(snap.Key + "\x00" + commonKey(snap) + "\x00"))
		for _, iss := range snap.Issues {
			h.Write(issueName(iss))
		}
		return key(h, "snapshot")
	}).(string)
}

type snapshotKeyOf struct{}
