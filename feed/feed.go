// Package feed turns published content into subscription feeds: RSS 2.0,
// Atom 1.0 and JSON Feed 1.1.
//
// The pieces, in the order a request meets them:
//
//   - [Spec] names one feed (every article, every issue, one section, or
//     one tag) and [Format] one of its three formats; [Spec.Path] is its URL
//     path, a public contract that never changes.
//   - [Build] (subscription feeds) and [BuildArchive] (their RFC 5005
//     archives) map content to a feed document ([Doc], gorilla/feeds types
//     inside); both go through one builder (build.go), which makes every
//     entry. They read a [content.Snapshot], so nothing that is not public
//     can reach a feed. [Planet] maps upstream items, the sources feed, to
//     a Doc the same way.
//   - [Render] writes a Doc in one format. It fills what gorilla/feeds leaves
//     out or gets wrong for feed validators (self links, dc:creator,
//     permanent feed IDs, published dates, JSON Feed 1.1 fields).
//   - [Cache] is the server's one render cache: a feed's entry is its Doc,
//     built once, with its rendering in each format, their gzip and brotli
//     forms and prepared header values, keyed by what the document holds
//     (its entries and their versions), so each feed is built once per
//     change of its entries. Pages and pictures made by handlers are kept
//     in it too, under one byte budget.
//
// Output is deterministic: the same content gives the same bytes, so ETags
// and golden files mean something. Building and rendering never read the
// clock: the time a document shows comes from the snapshot (its
// publication times and the record's dates) or from the Stamps the cache
// is given; the cache reads the clock only to measure its render time.
package feed

import (
	"strings"

	"github.com/morningpost/morningpost/content"
)

// Format is a feed format. Its string is the URL path's extension.
type Format string

// The feed formats.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// Formats lists every format.
var Formats = []Format{RSS, Atom, JSON}

// ContentType is the format's media type, for the Content-Type header.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return ""
}

// mediaType is the content type without parameters, as link type attributes want it.
func (f Format) mediaType() string {
	t, _, _ := strings.Cut(f.ContentType(), ";")
	return t
}

// Valid reports whether f is one of Formats.
func (f Format) Valid() bool { return f == RSS || f == Atom || f == JSON }

// Kind is what a subscription feed holds.
type Kind int

// The kinds of feed.
const (
	Articles    Kind = iota // every published article: lead, deep dives, columns
	Issues                  // one entry per issue, holding the whole issue
	SectionFeed             // one section; for tools and reading, one entry per issue's list
	TagFeed                 // every published article carrying one tag (see TagSpec)
)

func (k Kind) String() string {
	switch k {
	case Articles:
		return "articles"
	case Issues:
		return "issues"
	case SectionFeed:
		return "section"
	case TagFeed:
		return "tag"
	}
	return "kind?"
}

// Spec names one subscription feed. Section is set only for SectionFeed,
// Tag (a tag's slug) only for TagFeed.
type Spec struct {
	Kind    Kind
	Section content.Section
	Tag     string
}

// Specs lists every subscription feed: all articles, all issues, and one
// feed per section.
func Specs() []Spec {
	out := []Spec{{Kind: Articles}, {Kind: Issues}}
	for _, s := range content.Sections {
		out = append(out, Spec{Kind: SectionFeed, Section: s})
	}
	return out
}

// Valid reports whether s is one of Specs or a tag feed.
func (s Spec) Valid() bool {
	switch s.Kind {
	case Articles, Issues:
		return s.Section == "" && s.Tag == ""
	case SectionFeed:
		return s.Section.Valid() && s.Tag == ""
	case TagFeed:
		return s.Section == "" && s.Tag != "" && content.TagSlug(s.Tag) == s.Tag
	}
	return false
}

func (s Spec) String() string {
	switch s.Kind {
	case SectionFeed:
		return "section/" + string(s.Section)
	case TagFeed:
		return "tag/" + s.Tag
	}
	return s.Kind.String()
}

// base is the feed's URL path without its extension: "/feed", "/issues/feed",
// "/sections/lead/feed".
func (s Spec) base() string {
	switch s.Kind {
	case Issues:
		return "/issues/feed"
	case SectionFeed:
		return "/sections/" + string(s.Section) + "/feed"
	case TagFeed:
		return "/tags/" + s.Tag + "/feed"
	}
	return "/feed"
}

// Path is the URL path of the feed in format f, such as "/feed.rss",
// "/issues/feed.atom" or "/sections/lead/feed.json". Paths are a public
// contract: subscribers keep them forever.
func (s Spec) Path(f Format) string { return s.base() + "." + string(f) }

// HomePath is the URL path of the HTML page the feed follows: "/",
// "/issues" or "/sections/lead".
func (s Spec) HomePath() string {
	switch s.Kind {
	case Issues:
		return "/issues"
	case SectionFeed:
		return "/sections/" + string(s.Section)
	case TagFeed:
		return "/tags/" + s.Tag
	}
	return "/"
}

// Title is the feed's human title, such as "The AI Morning Post — Lead Story".
func (s Spec) Title(site *content.Site) string {
	t := content.Line(site.Title)
	switch s.Kind {
	case Issues:
		return t + " — Issues"
	case SectionFeed:
		return t + " — " + site.SectionTitle(s.Section)
	case TagFeed:
		return t + " — Tagged " + s.Tag
	}
	return t
}

// id is the feed's permanent ID, a tag: URI that never depends on the base
// URL: tag:authority:feed, tag:authority:issues/feed, tag:authority:sections/lead/feed.
func (s Spec) id(site *content.Site) string {
	return site.TagURI(strings.TrimPrefix(s.base(), "/"))
}

// ParsePath returns the feed and format whose Path is p.
func ParsePath(p string) (Spec, Format, bool) {
	for _, s := range Specs() {
		for _, f := range Formats {
			if s.Path(f) == p {
				return s, f, true
			}
		}
	}
	return Spec{}, "", false
}
