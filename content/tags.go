package content

import (
	"slices"
	"strings"
)

// TagSlug is a tag as it appears in URLs: lower case, letters and digits
// joined by single hyphens, so "Open-Source", "open source" and
// "open-source" are one tag, /tags/open-source. A tag whose slug is
// empty (only punctuation, or only letters outside a-z) is an error.
func TagSlug(tag string) string { return Slugify(tag) }

// Tag is one tag of a snapshot: every public article that carries it.
type Tag struct {
	Slug string
	// Name is the tag as written in the newest article carrying it.
	Name     string
	Articles []*Article // newest issue first, each issue's in print order
}

// URLPath is the path of the tag's page, /tags/open-source.
func (t *Tag) URLPath() string { return "/tags/" + t.Slug }

// tagIndex is a snapshot's tags, built on first use.
type tagIndex struct {
	list   []*Tag // by slug
	bySlug map[string]*Tag
}

// Tags returns every tag of a public article, ordered by slug.
func (s *Snapshot) Tags() []*Tag { return s.tagIndex().list }

// Tag returns the tag whose slug is slug, or nil.
func (s *Snapshot) Tag(slug string) *Tag { return s.tagIndex().bySlug[slug] }

func (s *Snapshot) tagIndex() *tagIndex {
	s.tagsOnce.Do(func() {
		ix := &tagIndex{bySlug: map[string]*Tag{}}
		for _, a := range s.articles {
			for _, name := range a.Tags {
				slug := TagSlug(name)
				if slug == "" {
					continue // a check error; never loaded
				}
				t := ix.bySlug[slug]
				if t == nil {
					t = &Tag{Slug: slug, Name: name}
					ix.bySlug[slug] = t
					ix.list = append(ix.list, t)
				}
				if n := len(t.Articles); n == 0 || t.Articles[n-1] != a {
					t.Articles = append(t.Articles, a)
				}
			}
		}
		slices.SortFunc(ix.list, func(a, b *Tag) int { return strings.Compare(a.Slug, b.Slug) })
		s.tags = ix
	})
	return s.tags
}

// HasTag reports whether the article carries the tag whose slug is slug.
func (a *Article) HasTag(slug string) bool {
	for _, t := range a.Tags {
		if TagSlug(t) == slug {
			return true
		}
	}
	return false
}

// TagLink is one of an article's tags as its page links it.
type TagLink struct {
	Name, Slug string
}

// URLPath is the path of the tag's page.
func (t TagLink) URLPath() string { return "/tags/" + t.Slug }

// TagLinks returns the article's tags with their slugs, each slug once.
func (a *Article) TagLinks() []TagLink {
	var out []TagLink
	for _, t := range a.Tags {
		slug := TagSlug(t)
		if slug == "" || slices.ContainsFunc(out, func(l TagLink) bool { return l.Slug == slug }) {
			continue
		}
		out = append(out, TagLink{Name: t, Slug: slug})
	}
	return out
}
