package site

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// The sitemap (sitemaps.org protocol 0.9) lists every public page with
// the time it last changed: the front page, /feeds, every archive,
// section and tag page, /tags, and every issue and article page. Up to
// sitemapMaxURLs it is one document, /sitemap.xml; beyond, /sitemap.xml
// is a sitemap index naming one sitemap per year, /sitemaps/{yyyy}.xml,
// each holding the issue and article pages of the issues of that year
// and the list pages whose newest item is of that year. Drafts and
// scheduled issues are never in it: it is built from the snapshot.

// sitemapMaxURLs is the most URLs one sitemap may hold (sitemaps.org).
const sitemapMaxURLs = 50000

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndexDoc struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

// sitemapEntry is one public page and when it last changed.
type sitemapEntry struct {
	path     string
	modified time.Time
}

// sitemapEntries lists every public page of snap.
func sitemapEntries(snap *content.Snapshot) []sitemapEntry {
	var latest time.Time
	if l := snap.Latest(); l != nil {
		latest = l.Modified()
	}
	out := []sitemapEntry{{"/", latest}, {"/feeds", latest}}
	issueMods := make([]time.Time, len(snap.Issues))
	for i, iss := range snap.Issues {
		issueMods[i] = iss.Modified()
	}
	out = appendListPages(out, "/issues", issueMods, issuesPerPage)
	for _, sec := range content.Sections {
		var mods []time.Time
		if sec.IsArticle() {
			for _, a := range sectionArticles(snap, sec) {
				mods = append(mods, a.Modified())
			}
			out = appendListPages(out, "/sections/"+string(sec), mods, storiesPerPage)
			continue
		}
		for _, l := range sectionLists(snap, sec) {
			mods = append(mods, l.Issue.Modified())
		}
		out = appendListPages(out, "/sections/"+string(sec), mods, listsPerPage)
	}
	tags := snap.Tags()
	var tagsMod time.Time
	for _, t := range tags {
		mods := make([]time.Time, len(t.Articles))
		for i, a := range t.Articles {
			mods[i] = a.Modified()
			tagsMod = later(tagsMod, mods[i])
		}
		out = appendListPages(out, t.URLPath(), mods, taggedPerPage)
	}
	out = append(out, sitemapEntry{"/tags", tagsMod})
	for _, iss := range snap.Issues {
		out = append(out, sitemapEntry{iss.URLPath(), iss.Modified()})
		for _, a := range iss.Articles {
			out = append(out, sitemapEntry{a.URLPath(), a.Modified()})
		}
	}
	return out
}

// appendListPages appends the pages of the list at base whose items,
// newest first, last changed at mods, per to a page, as paginate splits
// them: the list's own page, then its numbered pages from the newest. A
// page changed when its newest-changed item did.
func appendListPages(out []sitemapEntry, base string, mods []time.Time, per int) []sitemapEntry {
	for n := 0; ; {
		page, pg, _ := paginate(mods, n, per, base)
		var m time.Time
		for _, t := range page {
			m = later(m, t)
		}
		out = append(out, sitemapEntry{pagePath(base, n), m})
		if pg.Next == "" {
			return out
		}
		if n == 0 {
			n = numberedPages(len(mods), per)
		} else {
			n--
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sitemapYear is the sitemap of a year: /sitemaps/2026.xml.
func sitemapYear(year int) string { return "/sitemaps/" + strconv.Itoa(year) + ".xml" }

// renderSitemap writes the sitemap document at path ("/sitemap.xml" or a
// year's), given every entry and the most URLs one sitemap may hold. ok
// is false when there is no such document.
func renderSitemap(site *content.Site, entries []sitemapEntry, path string, maxURLs int) (b []byte, ok bool, err error) {
	split := len(entries) > maxURLs
	year := 0
	switch {
	case path == "/sitemap.xml":
	case split && strings.HasPrefix(path, "/sitemaps/"):
		y, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "/sitemaps/"), ".xml"))
		if err != nil || sitemapYear(y) != path {
			return nil, false, nil
		}
		year = y
	default:
		return nil, false, nil
	}
	yearOf := func(e sitemapEntry) int { return e.modified.In(site.Location).Year() }
	var doc any
	if path == "/sitemap.xml" && split {
		idx := sitemapIndexDoc{NS: sitemapNS}
		last := map[int]time.Time{}
		var years []int
		for _, e := range entries {
			y := yearOf(e)
			if _, seen := last[y]; !seen {
				years = append(years, y)
			}
			last[y] = later(last[y], e.modified)
		}
		slices.Sort(years)
		slices.Reverse(years) // newest first
		for _, y := range years {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: site.URL(sitemapYear(y)), LastMod: w3cTime(last[y])})
		}
		doc = idx
	} else {
		set := sitemapURLSet{NS: sitemapNS}
		for _, e := range entries {
			if year == 0 || yearOf(e) == year {
				set.URLs = append(set.URLs, sitemapURL{Loc: site.URL(e.path), LastMod: w3cTime(e.modified)})
			}
		}
		if year != 0 && len(set.URLs) == 0 {
			return nil, false, nil
		}
		doc = set
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, false, fmt.Errorf("render sitemap: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), true, nil
}

// w3cTime is a sitemap's lastmod: W3C Datetime, in UTC; "" when unknown.
func w3cTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Sitemap serves /sitemap.xml and the yearly sitemaps.
func (s *Site) Sitemap(c echo.Context) error {
	now := s.now()
	snap := s.content.At(now)
	path := c.Request().URL.Path
	p, err := s.cachedPage(snap, "sitemap\x00"+path, func() (*feed.Response, error) {
		b, ok, err := renderSitemap(snap.Site, sitemapEntries(snap), path, s.sitemapMax)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, httpx.ErrNotFound
		}
		return s.preparePage("application/xml; charset=utf-8", b, http.Header{})
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}
