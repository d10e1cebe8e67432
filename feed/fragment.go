package feed

import (
	"strings"

	"github.com/morningpost/morningpost/content"
)

// ArticleHTML is an article's content as its feed entries carry it
// (standfirst, rating, lead picture, body and pull quote, every URL
// absolute), for the other places that publish it whole: the fediverse
// account's Article objects.
func ArticleHTML(site *content.Site, a *content.Article) string {
	b := builder{site: site, root: mustParse(site.URL("/"))}
	var w strings.Builder
	b.articleBody(&w, a, site.URL(a.URLPath()))
	return w.String()
}
