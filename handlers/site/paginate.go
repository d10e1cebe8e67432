package site

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// List pages (the archive, each section, each tag) are split into
// numbered pages so that every page stays small however long the
// newsletter runs, and numbered from the oldest so that a page, once
// full, never changes: publishing an issue changes the list's own page
// and, once every per items, makes one new numbered page (and changes
// the link to newer ones of the page before it), whatever the length of
// the archive. So a static export after a day's issue rewrites a bounded
// number of list pages, and caches in front keep the others.
//
// The list's own URL (/issues, /sections/lead, /tags/open-source) holds
// its newest items, a page's worth. /issues/page/1 holds the oldest
// page's worth, /issues/page/2 the next, up to the newest numbered page,
// the last that holds an item older than the list's own page shows; every
// numbered page is full. Each page lists its items newest first and
// links the newer and older pages with rel="prev" and rel="next".

// Items per list page. Archive entries are one line; section and tag
// pages print whole stories or their summaries.
const (
	issuesPerPage  = 50
	storiesPerPage = 10
	listsPerPage   = 20
	taggedPerPage  = 25
	// homeRecent is how many issues before the latest the front page lists.
	homeRecent = 7
)

// pagePath is the path of page n of the list at base; n 0 is the list's
// own page.
func pagePath(base string, n int) string {
	if n <= 0 {
		return base
	}
	return base + "/page/" + strconv.Itoa(n)
}

// PageRoute is the route of a list's numbered pages.
func PageRoute(base string) string { return base + "/page/:page" }

// pageNumber is the page the request names: 0 (the list's own page)
// without a page parameter, -1 (no such page) for anything but the
// canonical spelling of a number from 1.
func pageNumber(c echo.Context) int {
	v := c.Param("page")
	if v == "" {
		return 0
	}
	if v[0] < '1' || v[0] > '9' || len(v) > 6 {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return -1
	}
	return n
}

// numberedPages is how many numbered pages a list of n items has, per
// to a page: as many as hold every item older than the list's own page
// shows (its newest per), counted in whole pages from the oldest.
func numberedPages(n, per int) int {
	if n <= per {
		return 0
	}
	return (n - per + per - 1) / per
}

// paginate returns page n of items, which are newest first, per to a
// page, and its pager: n 0 is the list's own page (the newest per
// items), n from 1 the numbered pages, page n holding the items
// (n-1)*per+1 to n*per counted from the oldest. ok is false when there
// is no such page; the list's own page always exists, empty or not.
func paginate[T any](items []T, n, per int, base string) (page []T, p pager, ok bool) {
	count := numberedPages(len(items), per)
	if n < 0 || n > count {
		return nil, pager{}, false
	}
	p = pager{Number: n, First: base}
	if count > 0 {
		p.Last = pagePath(base, 1)
	}
	if n == 0 {
		if count > 0 {
			p.Next = pagePath(base, count)
		}
		return items[:min(per, len(items))], p, true
	}
	p.Prev = pagePath(base, n+1)
	if n == count {
		p.Prev = base
	}
	if n > 1 {
		p.Next = pagePath(base, n-1)
	}
	hi := len(items) - (n-1)*per
	return items[hi-per : hi], p, true
}

// listScope is the key of what numbered page n of a list shows (see
// pageIn): the issues its items are of (issueOf), whether it is the
// newest numbered page (which links the list's own page as the newer
// one), and extra (what else the page prints of the list, such as a
// tag's name). A numbered page is full and keeps its items, so its key
// stays the same while newer issues come out. The list's own page (n 0)
// and pages that do not exist get "", the whole snapshot.
func listScope[T any](snap *content.Snapshot, items []T, n, per int, issueOf func(T) *content.Issue, extra string) string {
	page, pg, ok := paginate(items, n, per, "")
	if n <= 0 || !ok {
		return ""
	}
	var issues []*content.Issue
	for _, it := range page {
		if iss := issueOf(it); len(issues) == 0 || issues[len(issues)-1] != iss {
			issues = append(issues, iss)
		}
	}
	newest := "older"
	if pg.Prev == "" {
		newest = "newest"
	}
	return feed.PageKey(snap, issues...) + "\x00" + newest + "\x00" + extra
}
