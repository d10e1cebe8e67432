package site

import (
	"slices"
	"testing"
)

// Every item is on the list's own page or on exactly one numbered page;
// every numbered page is full; and a numbered page holds the same items
// however many newer ones come after it.
func TestPaginateNumbersFromTheOldest(t *testing.T) {
	const per = 10
	pages := map[int][]int{} // numbered page -> its items, from the list of 95
	for n := range 96 {
		items := make([]int, n) // newest first: n, n-1, …, 1
		for i := range items {
			items[i] = n - i
		}
		own, pg, ok := paginate(items, 0, per, "/l")
		if !ok || len(own) != min(n, per) || (n > 0 && own[0] != n) {
			t.Fatalf("%d items: the list's own page holds %v", n, own)
		}
		seen := map[int]bool{}
		for _, it := range own {
			seen[it] = true
		}
		count := numberedPages(n, per)
		if want := pagePath("/l", count); count > 0 && pg.Next != want || count == 0 && pg.Next != "" {
			t.Errorf("%d items: the list's own page links older %q", n, pg.Next)
		}
		for k := 1; k <= count; k++ {
			page, pg, ok := paginate(items, k, per, "/l")
			if !ok || len(page) != per || page[0] != k*per || page[per-1] != (k-1)*per+1 {
				t.Fatalf("%d items: page %d holds %v", n, k, page)
			}
			for _, it := range page {
				seen[it] = true
			}
			if old, ok := pages[k]; ok && !slices.Equal(old, page) {
				t.Errorf("%d items: page %d changed from %v to %v", n, k, old, page)
			}
			pages[k] = page
			newer := pagePath("/l", k+1)
			if k == count {
				newer = "/l"
			}
			if pg.Prev != newer || pg.Number != k || pg.Last != "/l/page/1" {
				t.Errorf("%d items: page %d: pager %+v", n, k, pg)
			}
		}
		if len(seen) != n {
			t.Errorf("%d items: %d on some page", n, len(seen))
		}
		for _, k := range []int{-1, count + 1} {
			if _, _, ok := paginate(items, k, per, "/l"); ok {
				t.Errorf("%d items: page %d exists", n, k)
			}
		}
	}
}
