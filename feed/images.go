package feed

import (
	"strconv"
	"strings"

	"github.com/gorilla/feeds"

	"github.com/morningpost/morningpost/content"
)

// An article's lead picture (image: in its front matter) goes into its
// entries twice: as the enclosure, which gorilla/feeds writes as RSS
// <enclosure url length type>, an Atom <link rel="enclosure" length
// type> and the JSON Feed item's "image"; and at the top of the content,
// with its width and height, for readers that show no enclosures.
// Pictures in the body get absolute URLs like every link.

// pictured gives entry e the lead picture of article a (nil: none) as
// its enclosure: the article's own entries, and the whole issue's with
// its lead's.
func (b *builder) pictured(e Entry, a *content.Article) Entry {
	if a == nil || a.Image == nil {
		return e
	}
	img := a.Image
	e.Item.Enclosure = &feeds.Enclosure{Url: b.site.URL(img.URLPath()), Length: strconv.FormatInt(img.Size, 10), Type: img.Type}
	return e
}

// leadImage writes the article's lead picture, if it has one.
func (b *builder) leadImage(w *strings.Builder, a *content.Article) {
	img := a.Image
	if img == nil {
		return
	}
	w.WriteString(`<p><img src="` + esc(b.site.URL(img.URLPath())) + `" alt="` + esc(content.Line(a.ImageAlt)) +
		`" width="` + strconv.Itoa(img.Width) + `" height="` + strconv.Itoa(img.Height) + `"></p>` + "\n")
}
