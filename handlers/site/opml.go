package site

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// OPML 2.0 (http://opml.org/spec2.opml), only what a subscription list needs.
type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Head    opmlHead    `xml:"head"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlHead struct {
	Title        string `xml:"title"`
	DateModified string `xml:"dateModified,omitempty"`
	OwnerName    string `xml:"ownerName,omitempty"`
	OwnerEmail   string `xml:"ownerEmail,omitempty"`
	Docs         string `xml:"docs"`
}

type opmlEntry struct {
	Text        string `xml:"text,attr"`
	Title       string `xml:"title,attr"`
	Type        string `xml:"type,attr"`
	XMLURL      string `xml:"xmlUrl,attr"`
	HTMLURL     string `xml:"htmlUrl,attr"`
	Description string `xml:"description,attr,omitempty"`
	Language    string `xml:"language,attr,omitempty"`
}

// OPML serves every feed as an OPML subscription list, for importing
// into a feed reader in one go. Each feed is listed once, in Atom unless
// ?format=rss or ?format=json asks otherwise: one subscription per feed,
// not three copies of it.
func (s *Site) OPML(c echo.Context) error {
	f := feed.Atom
	if q := c.QueryParam("format"); q != "" {
		f = feed.Format(q)
		if !f.Valid() {
			return httpx.ErrNotFound
		}
	}
	now := s.now()
	snap := s.content.At(now)
	p, err := s.cachedPage(snap, "/feeds.opml?format="+string(f), func() (*feed.Response, error) {
		body, err := renderOPML(snap, f)
		if err != nil {
			return nil, err
		}
		return s.preparePage("text/x-opml; charset=utf-8", body, http.Header{"Access-Control-Allow-Origin": httpx.AnyOrigin})
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}

// renderOPML writes the subscription list. It depends only on the
// snapshot, so the same content gives the same bytes.
func renderOPML(snap *content.Snapshot, f feed.Format) ([]byte, error) {
	site := snap.Site
	doc := opmlDoc{
		Version: "2.0",
		Head: opmlHead{
			Title:      site.Title + " — Feeds",
			OwnerName:  site.Author.Name,
			OwnerEmail: site.Author.Email,
			Docs:       "http://opml.org/spec2.opml",
		},
	}
	if latest := snap.Latest(); latest != nil {
		doc.Head.DateModified = latest.Modified().UTC().Format(http.TimeFormat)
	}
	for _, spec := range feed.Specs() {
		title := spec.Title(site)
		doc.Body = append(doc.Body, opmlEntry{
			Text:        title,
			Title:       title,
			Type:        "rss", // OPML's type for any subscription, Atom and JSON Feed included
			XMLURL:      site.URL(spec.Path(f)),
			HTMLURL:     site.URL(spec.HomePath()),
			Description: feedAbout(spec),
			Language:    site.Language,
		})
	}
	for _, t := range snap.Tags() {
		spec := feed.TagSpec(t.Slug)
		doc.Body = append(doc.Body, opmlEntry{
			Text:        spec.Title(site),
			Title:       spec.Title(site),
			Type:        "rss",
			XMLURL:      site.URL(spec.Path(f)),
			HTMLURL:     site.URL(t.URLPath()),
			Description: "Every story tagged “" + t.Name + "”.",
			Language:    site.Language,
		})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render OPML: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
