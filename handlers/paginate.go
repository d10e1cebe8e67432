package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// List pages (the archive, each section, each tag) are split into
// numbered pages, newest first, so that every page stays small however
// long the newsletter runs: /issues is page 1, /issues/page/2 the next
// older one, and so on; likewise /sections/lead/page/2 and
// /tags/open-source/page/2. Page 1 has only its short URL, so every page
// has one address. Pages link each other with rel="prev" and rel="next".

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

// pager is a list page's place among its pages, for the "pager" template
// and the rel="prev"/"next" links.
type pager struct {
	Number, Count int
	Prev, Next    string // paths of the newer and older page; "" at the ends
	First, Last   string // paths of the first and the last page
}

// pagePath is the path of page n of the list at base.
func pagePath(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "/page/" + strconv.Itoa(n)
}

// pageRoute is the route of a list's pages after the first.
func pageRoute(base string) string { return base + "/page/:page" }

// pageNumber is the page the request names: 1 without a page parameter,
// 0 (no such page) for anything but the canonical spelling of a number
// above 1.
func pageNumber(c echo.Context) int {
	v := c.Param("page")
	if v == "" {
		return 1
	}
	if v[0] < '1' || v[0] > '9' || len(v) > 6 {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 {
		return 0
	}
	return n
}

// paginate returns page n of items, per to a page, and its pager. ok is
// false when there is no such page; page 1 always exists, empty or not.
func paginate[T any](items []T, n, per int, base string) (page []T, p pager, ok bool) {
	count := max((len(items)+per-1)/per, 1)
	if n < 1 || n > count {
		return nil, pager{}, false
	}
	p = pager{Number: n, Count: count, First: base, Last: pagePath(base, count)}
	if n > 1 {
		p.Prev = pagePath(base, n-1)
	}
	if n < count {
		p.Next = pagePath(base, n+1)
	}
	lo := (n - 1) * per
	return items[lo:min(lo+per, len(items))], p, true
}
