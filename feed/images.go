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

// enclosure is the article's lead picture as an enclosure, or nil.
func (b *builder) enclosure(a *content.Article) *feeds.Enclosure {
	img := a.Image
	if img == nil {
		return nil
	}
	return &feeds.Enclosure{Url: b.site.URL(img.URLPath()), Length: strconv.FormatInt(img.Size, 10), Type: img.Type}
}

// leadImage writes the article's lead picture, if it has one.
func (b *builder) leadImage(w *strings.Builder, a *content.Article) {
	img := a.Image
	if img == nil {
		return
	}
	w.WriteString(`<p><img src="` + esc(b.site.URL(img.URLPath())) + `" alt="` + esc(line(a.ImageAlt)) +
		`" width="` + strconv.Itoa(img.Width) + `" height="` + strconv.Itoa(img.Height) + `"></p>` + "\n")
}
