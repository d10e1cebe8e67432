package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/morningpost/morningpost/content"
)

// ErrNotFound is returned for an entry ID a feed does not hold.
var ErrNotFound = errors.New("feed: no such entry")

// Render writes d in format f. The same Doc always gives the same bytes.
func Render(d *Doc, f Format) ([]byte, error) {
	var v any
	switch f {
	case RSS:
		v = rssOf(d)
	case Atom:
		v = atomOf(d)
	case JSON:
		return marshalJSON(jsonOf(d), false)
	default:
		return nil, fmt.Errorf("feed: unknown format %q", f)
	}
	return marshalXML(v)
}

// RenderEntry writes the one entry of feed s whose permanent ID is id, as
// it appears inside the feed in format f: the RSS <item>, the Atom <entry>
// or the JSON Feed item (indented, for reading). It looks at every entry
// of the feed, not only those within the feed's length, and returns
// ErrNotFound if there is none with that ID. It is for the editors'
// preview: what feed readers will receive.
func RenderEntry(snap *content.Snapshot, s Spec, id string, f Format) ([]byte, error) {
	d := build(snap, s, -1)
	e := d.Entry(id)
	if e == nil {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, id, s.Path(f))
	}
	one := *d
	feed := *d.Feed
	feed.Items = []*feeds.Item{e.Item}
	one.Feed = &feed
	one.Entries = []Entry{*e}
	switch f {
	case RSS:
		return marshalXML(rssOf(&one).Channel.Items[0])
	case Atom:
		return marshalXML(atomOf(&one).Entries[0])
	case JSON:
		return marshalJSON(jsonOf(&one).Items[0], true)
	}
	return nil, fmt.Errorf("feed: unknown format %q", f)
}

func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	switch v.(type) {
	case *rssDoc, *atomFeed: // whole documents; a single item or entry has no declaration
		buf.WriteString(xml.Header)
	}
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func marshalJSON(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<p>" rather than "\u003cp\u003e": smaller, same meaning
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return buf.Bytes(), nil
}

func rfc822(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC1123Z) // four-digit year, numeric zone
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		t = zeroUpdated
	}
	return t.Format(time.RFC3339)
}

// RSS 2.0, following the RSS Advisory Board's best practices profile.
// gorilla/feeds writes the channel and items; these wrappers add the
// namespaces, the atom:link rel="self", dc:creator (RSS <author> must be an
// e-mail address) and one <category> per category.

type rssDoc struct {
	XMLName xml.Name    `xml:"rss"`
	Version string      `xml:"version,attr"`
	Content string      `xml:"xmlns:content,attr"`
	DC      string      `xml:"xmlns:dc,attr"`
	Atom    string      `xml:"xmlns:atom,attr"`
	FH      string      `xml:"xmlns:fh,attr,omitempty"` // archive documents only
	Channel *rssChannel `xml:"channel"`
}

type rssChannel struct {
	*feeds.RssFeed
	Links   []rssAtomLink `xml:"atom:link"` // self, then archive links
	Archive *fhArchive    `xml:"fh:archive"`
	Items   []*rssItem    `xml:"item"` // shadows RssFeed.Items
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	*feeds.RssItem
	Creator    string   `xml:"dc:creator,omitempty"`
	Categories []string `xml:"category"` // shadows RssItem.Category
}

func rssOf(d *Doc) *rssDoc {
	ch := (&feeds.Rss{Feed: d.Feed}).RssFeed()
	ch.Language = strings.ToLower(d.Language)
	ch.Generator = Generator + " " + GeneratorVersion
	ch.Docs = "https://www.rssboard.org/rss-specification"
	ch.PubDate = rfc822(d.Feed.Updated)
	ch.LastBuildDate = rfc822(d.Feed.Updated)
	ch.ManagingEditor = ""
	if a := d.Feed.Author; a != nil && a.Email != "" {
		ch.ManagingEditor = a.Email + " (" + a.Name + ")"
	}
	out := &rssChannel{
		RssFeed: ch,
		Links:   []rssAtomLink{{Href: d.Self(RSS), Rel: "self", Type: RSS.mediaType()}},
		Items:   make([]*rssItem, len(ch.Items)),
	}
	for _, h := range d.hubs {
		out.Links = append(out.Links, rssAtomLink{Href: h, Rel: "hub"})
	}
	for _, l := range d.archiveLinks(RSS) {
		out.Links = append(out.Links, rssAtomLink{Href: l.Href, Rel: l.Rel, Type: l.Type})
	}
	fh := ""
	if d.archive {
		out.Archive, fh = &fhArchive{}, fhNamespace
	}
	for i, it := range ch.Items {
		e := d.Entries[i]
		it.Author = ""
		// Readers treat <description> as HTML; the summary is plain text.
		it.Description = esc(e.Item.Description)
		it.PubDate = rfc822(e.Item.Created)
		out.Items[i] = &rssItem{RssItem: it, Creator: e.Item.Author.Name, Categories: e.Categories}
	}
	ch.Items = nil
	return &rssDoc{
		Version: "2.0",
		Content: "http://purl.org/rss/1.0/modules/content/",
		DC:      "http://purl.org/dc/elements/1.1/",
		Atom:    "http://www.w3.org/2005/Atom",
		FH:      fh,
		Channel: out,
	}
}

// Atom 1.0 (RFC 4287). gorilla/feeds takes the feed ID from the link and
// writes one link, no published dates and text categories; these wrappers
// set the permanent ID, self and alternate links, generator, xml:lang,
// published dates and category terms.

type atomFeed struct {
	*feeds.AtomFeed
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	FH        string           `xml:"xmlns:fh,attr,omitempty"` // archive documents only
	Links     []feeds.AtomLink `xml:"link"`                    // shadows AtomFeed.Link
	Archive   *fhArchive       `xml:"fh:archive"`
	Generator atomGenerator    `xml:"generator"`
	Entries   []*atomEntry     `xml:"entry"` // shadows AtomFeed.Entries
}

type atomGenerator struct {
	URI     string `xml:"uri,attr"`
	Version string `xml:"version,attr"`
	Name    string `xml:",chardata"`
}

type atomEntry struct {
	*feeds.AtomEntry
	Categories []atomCategory `xml:"category"` // shadows AtomEntry.Category
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomOf(d *Doc) *atomFeed {
	af := (&feeds.Atom{Feed: d.Feed}).AtomFeed()
	af.Id = d.Feed.Id
	af.Updated = rfc3339(d.Feed.Updated)
	af.Icon = d.Icon
	af.Link = nil
	if af.Author != nil {
		af.Author.Uri = d.AuthorURL
	}
	out := &atomFeed{
		AtomFeed: af,
		Lang:     d.Language,
		Links: []feeds.AtomLink{
			{Href: d.Feed.Link.Href, Rel: "alternate", Type: "text/html"},
			{Href: d.Self(Atom), Rel: "self", Type: Atom.mediaType()},
		},
		Generator: atomGenerator{URI: GeneratorURI, Version: GeneratorVersion, Name: Generator},
		Entries:   make([]*atomEntry, len(af.Entries)),
	}
	for _, h := range d.hubs {
		out.Links = append(out.Links, feeds.AtomLink{Href: h, Rel: "hub"})
	}
	out.Links = append(out.Links, d.archiveLinks(Atom)...)
	if d.archive {
		out.Archive, out.FH = &fhArchive{}, fhNamespace
	}
	for i, ae := range af.Entries {
		e := d.Entries[i]
		ae.Id = e.Item.Id
		ae.Published = rfc3339(e.Item.Created)
		ae.Updated = rfc3339(e.Item.Updated)
		ae.Summary = &feeds.AtomSummary{Content: e.Item.Description, Type: "text"}
		if ae.Author != nil {
			ae.Author.Uri = e.AuthorURL
		}
		cats := make([]atomCategory, len(e.Categories))
		for j, c := range e.Categories {
			cats[j] = atomCategory{Term: c}
		}
		out.Entries[i] = &atomEntry{AtomEntry: ae, Categories: cats}
	}
	af.Entries = nil
	return out
}

// JSON Feed 1.1. gorilla/feeds leaves out feed_url, language and icons,
// drops "items" when empty, and writes the deprecated "author"; these
// wrappers fix that.

type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"` // shadows JSONFeed.Items; always present
}

type jsonItem struct {
	*feeds.JSONItem
	Language string `json:"language,omitempty"`
}

func jsonOf(d *Doc) *jsonFeed {
	jf := (&feeds.JSON{Feed: d.Feed}).JSONFeed()
	jf.FeedUrl = d.Self(JSON)
	if d.links.prev != "" {
		// JSON Feed has no archive relations; next_url leads to older entries.
		jf.NextUrl = d.links.prev + "." + string(JSON)
	}
	for _, h := range d.hubs {
		jf.Hubs = append(jf.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	jf.Language = d.Language
	jf.Icon = d.Icon
	jf.Favicon = d.Icon
	jf.Author = nil
	if len(jf.Authors) == 1 && d.Feed.Author != nil {
		jf.Authors[0] = &feeds.JSONAuthor{Name: d.Feed.Author.Name, Url: d.AuthorURL}
	}
	out := &jsonFeed{JSONFeed: jf, Items: make([]*jsonItem, len(jf.Items))}
	for i, it := range jf.Items {
		e := d.Entries[i]
		it.Author = nil
		it.Authors = []*feeds.JSONAuthor{{Name: e.Item.Author.Name, Url: e.AuthorURL}}
		it.Tags = e.Categories
		if it.ContentHTML == "" {
			it.ContentHTML = "<p>" + esc(e.Item.Description) + "</p>"
		}
		out.Items[i] = &jsonItem{JSONItem: it, Language: d.Language}
	}
	jf.Items = nil
	return out
}

// Archived feeds (RFC 5005 §4): the fh:archive marker of archive
// documents, and the links between a feed's documents.

const fhNamespace = "http://purl.org/syndication/history/1.0"

type fhArchive struct{}

// archiveLinks are d's current, prev-archive and next-archive links in
// format f.
func (d *Doc) archiveLinks(f Format) []feeds.AtomLink {
	var out []feeds.AtomLink
	for _, l := range []struct{ rel, href string }{{"current", d.links.current}, {"prev-archive", d.links.prev}, {"next-archive", d.links.next}} {
		if l.href != "" {
			out = append(out, feeds.AtomLink{Href: l.href + "." + string(f), Rel: l.rel, Type: f.mediaType()})
		}
	}
	return out
}
