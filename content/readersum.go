package content

// ReaderSum is a hash of what readers see of the article (its title,
// standfirst, body's Markdown, pictures and the rest of its entry): the
// same sum, the same article, without rendering it. It is "" for an
// article made by hand rather than loaded.
func (a *Article) ReaderSum() string { return a.readerSum }
