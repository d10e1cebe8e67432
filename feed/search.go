package feed

import (
	"crypto/sha256"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/morningpost/morningpost/content"
)

// SearchPath is the URL of the feed of search q in format f, relative to
// the site: "/search/feed.atom?q=safetensors". q is the query as the
// reader wrote it.
func SearchPath(q string, f Format) string {
	return "/search/feed." + string(f) + "?q=" + QueryValue(q)
}

// QueryValue is q escaped for a URL's query, spaces as %20 rather than
// "+" (which html/template would write as &#43; in an attribute).
func QueryValue(q string) string { return strings.ReplaceAll(url.QueryEscape(q), "+", "%20") }

// SearchPagePath is the URL of the search page of q, relative to the
// site: "/search?q=safetensors".
func SearchPagePath(q string) string { return "/search?q=" + QueryValue(q) }

// BuildSearch is the feed of a search for q: the articles found (arts,
// newest first), at most the site's feed length of them, each the same
// entry, with the same ID, as in every other feed. The feed's own ID
// names the query, so that a reader subscribed to two searches keeps
// them apart. Search feeds have no archives and name no hub.
func BuildSearch(snap *content.Snapshot, q string, arts []*content.Article) *Doc {
	site := snap.Site
	n := site.FeedLength
	if n <= 0 {
		n = DefaultFeedLength
	}
	arts = arts[:min(n, len(arts))]
	line := shown(q)
	title := content.Line(site.Title) + " — Search: " + line
	desc := "Articles of " + content.Line(site.Title) + " that match “" + line + "”, newest first."
	d := emptyDoc(site, title, desc, absolute(site, SearchPagePath(q)), site.TagURI("search?q="+QueryValue(q)), func(f Format) string { return "/search/feed." + string(f) })
	for _, f := range Formats {
		d.self[f] = absolute(site, SearchPath(q, f))
	}
	b := builder{site: site, root: mustParse(site.URL("/"))}
	for _, a := range arts {
		d.add(b.pictured(b.article(a), a))
	}
	d.finish()
	if len(arts) == 0 {
		// A search that finds nothing yet is as new as the site's newest
		// issue, not 1970.
		if l := snap.Latest(); l != nil {
			d.Feed.Updated = l.Modified()
		}
	}
	return d
}

// shown is the query as a feed's title and description quote it: only
// what search reads of it (letters, digits, quotes, the minus of an
// exclusion), so that no markup character reaches plain text, where
// validators want it as a character reference.
func shown(q string) string {
	f := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '"' && r != '-' && r != '\''
	})
	return strings.Join(f, " ")
}

// absolute is the absolute URL of p, a site path that may hold a query.
func absolute(site *content.Site, p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return site.URL(p)
	}
	return site.URL(u.Path) + "?" + u.RawQuery
}

// GetSearch returns the feed of search q (BuildSearch of arts) in format
// f from the cache, rendering it on a miss. Its key is made of the query
// and of the issues its entries come from, as every feed's is, so a
// reader polling a search is answered from the cache, with the same ETag,
// until an article found changes or another is found. Search feeds are
// not stamped: their Last-Modified is their newest entry's change.
func (c *Cache) GetSearch(snap *content.Snapshot, q string, arts []*content.Article, f Format) (*Response, error) {
	n := snap.Site.FeedLength
	if n <= 0 {
		n = DefaultFeedLength
	}
	arts = arts[:min(n, len(arts))]
	h := sha256.New()
	for _, a := range arts {
		h.Write(issueName(a.Issue))
		h.Write([]byte(a.Key))
	}
	k := key(h, commonKey(snap), "search", q, strconv.Itoa(len(arts)))
	return c.document(k, "", false, snap.Site, f, func() *Doc { return BuildSearch(snap, q, arts) })
}
