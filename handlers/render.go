package handlers

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

//go:embed templates
var templateFS embed.FS

// templates holds one parsed template set per page: the layout plus the
// page's own "main".
type templates struct {
	pages map[string]*template.Template
}

// pageNames are the page templates in templates/, each defining "main".
var pageNames = []string{"home", "archive", "issue", "article", "section", "feeds", "notfound", "feedview", "preview", "entries", "sources", "tag", "tags", "audience", "search"}

var funcs = template.FuncMap{
	// The audience's numbers (chart.go): 12,345; 1.2 MB; 3 Sep 2026.
	"thousands": thousands, "byteSize": byteSize, "dayLabelYear": func(d string) string { return dayLabel(d, true) },
	// longDate is the dateline's date: Saturday, 25 April 2026.
	"longDate": func(t time.Time) string { return t.Format("Monday, 2 January 2006") },
	// shortDate is a list's date: 25 April 2026.
	"shortDate": func(t time.Time) string { return t.Format("2 January 2006") },
	// isoTime is the datetime attribute of <time>.
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// ordinal numbers a list entry from its index: 01, 02, …
	"ordinal": func(i int) string { return fmt.Sprintf("%02d", i+1) },
	// formatName is how a feed format is called: RSS, Atom, JSON Feed.
	"formatName": formatName,
	// liveReload is the state of the editor's live reload on a preview
	// response; nil in the public template set, so public pages carry no
	// script.
	"liveReload": func() *liveState { return nil },
	// draftPath is the file of an article that is a draft in the loaded
	// content, on a preview page, where drafts are shown as published;
	// "" on public pages, which never hold a draft.
	"draftPath": func(*content.Article) string { return "" },
	// story wraps an article for the "story" template; its anchor is the
	// slug, unique within an issue.
	"story": func(a *content.Article, level int, link bool) story {
		return story{Article: a, Level: level, Link: link, ID: a.Slug}
	},
	// storyAcross is story on a page holding several issues, where
	// slugs may repeat: the anchor is issue-87-weekend-warriors.
	"storyAcross": func(a *content.Article, level int, link bool) story {
		return story{Article: a, Level: level, Link: link, ID: fmt.Sprintf("issue-%d-%s", a.Issue.Number, a.Slug)}
	},
	// list wraps an issue's list for the "list" template; its anchor is
	// the section ("tools"), or issue-87-tools on a page of several issues.
	"list": func(l *content.List, across *content.Issue) listView {
		v := listView{List: l, ID: string(l.Section)}
		if across != nil {
			v.ID = fmt.Sprintf("issue-%d-%s", across.Number, l.Section)
		}
		return v
	},
}

// parseTemplates parses every page; extra replaces some of funcs (the
// preview's template set replaces liveReload).
func parseTemplates(extra template.FuncMap) (*templates, error) {
	base, err := template.New("layout").Funcs(funcs).Funcs(extra).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("parse templates: %w", err)
		}
		if clone.Lookup("main") == nil {
			return nil, fmt.Errorf("parse templates: %s.html defines no \"main\"", name)
		}
		t.pages[name] = clone
	}
	return t, nil
}

// render executes a page into memory, so a failing template never sends
// half a page.
func (t *templates) render(name string, data any) ([]byte, error) {
	tmpl, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Header values of HTML pages.
var (
	hvHTML = []string{"text/html; charset=utf-8"}
	hvCSP  = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}
	hvReferrer = []string{"strict-origin-when-cross-origin"}
)

func htmlHeader() http.Header {
	return http.Header{
		"Content-Security-Policy": hvCSP,
		"Referrer-Policy":         hvReferrer,
	}
}

// cachedPage returns the page (or OPML, or sitemap) named key for the
// snapshot from the render cache, building it on a miss, once however
// many ask. Only pages that exist are kept: an error is not cached. The
// key names the route and its parameters, all a page depends on besides
// the snapshot, whose key changes with every publication or content
// change; the page's previous version leaves the cache when the new one
// is made.
func (s *server) cachedPage(snap *content.Snapshot, key string, build func() (*feed.Response, error)) (*feed.Response, error) {
	return s.cachedPageIn(snap.Key, key, build)
}

// cachedPageIn is cachedPage for a page whose bytes depend on what scope
// names of the content (see pageIn).
func (s *server) cachedPageIn(scope, key string, build func() (*feed.Response, error)) (*feed.Response, error) {
	return s.feeds.Response("page\x00"+scope+"\x00"+key, "page\x00"+key, build)
}

// preparePage compresses a page (or OPML, or a sitemap) as feeds are and
// prepares its headers: contentType, and header besides. It varies by
// encoding only, not by Cookie, even when an editor with the preview
// cookie is answered otherwise (previewModePage): that answer is
// private, no-store, so no cache keeps it, and it shows only what is
// public. A shared cache may answer an editor with the public page (no
// live reload); it never answers a reader with an editor's. Why this is
// worth it is in ARCHITECTURE.md, "Previewing public URLs".
func (s *server) preparePage(contentType string, body []byte, header http.Header) (*feed.Response, error) {
	return s.feeds.NewPage(contentType, body, header)
}

// writePage writes a cached page, which caches may keep until the next
// publication at most.
func (s *server) writePage(c echo.Context, snap *content.Snapshot, now time.Time, p *feed.Response) error {
	maxAge, stale, _ := freshness(snap, now)
	return httpx.Write(c, p, httpx.Answer{CacheControl: []string{feed.CacheControl(snap.Site, maxAge, stale)}})
}

// page serves the HTML page built by fill for the request's snapshot,
// compressed for clients that accept it. fill returns httpx.ErrNotFound when
// the URL names nothing public.
func (s *server) page(c echo.Context, name string, fill func(snap *content.Snapshot) (any, error)) error {
	return s.pageIn(c, name, nil, fill)
}

// pageIn is page for a page whose bytes depend on no more of the content
// than scope names (feed.PageKey of the issues it shows); nil or "" for a
// page that may show anything of the snapshot (feed.SnapshotKey). The
// page is rendered again only when that changes.
func (s *server) pageIn(c echo.Context, name string, scope func(snap *content.Snapshot) string, fill func(snap *content.Snapshot) (any, error)) error {
	now := s.now()
	snap := s.content.At(now)
	if s.editor(c.Request()) {
		return s.previewModePage(c, name, snap, fill)
	}
	key := c.Path() + "\x00" + strings.Join(c.ParamValues(), "\x00")
	sk := ""
	if scope != nil {
		sk = scope(snap)
	}
	if sk == "" {
		sk = feed.SnapshotKey(snap)
	}
	p, err := s.cachedPageIn(sk, key, func() (*feed.Response, error) {
		body, err := s.pageBody(sk, key, c.Request().URL.Path, func() ([]byte, error) {
			data, err := fill(snap)
			if err != nil {
				return nil, err
			}
			body, err := s.tmpl.render(name, data)
			return underBase(snap.Site, body), err
		})
		if err != nil {
			return nil, err
		}
		return s.preparePage(hvHTML[0], body, htmlHeader())
	})
	if err != nil {
		return err
	}
	return s.writePage(c, snap, now, p)
}

// writeNotFound writes the 404 page in the site's layout.
func (s *server) writeNotFound(c echo.Context) error {
	snap := s.content.At(s.now())
	data := notFoundPage{Page: s.newPage(snap, "Page not found", "/", "")}
	data.Description = "There is no page at this address."
	body, err := s.tmpl.render("notfound", data)
	if err != nil {
		return err
	}
	body = underBase(snap.Site, body)
	h := c.Response().Header()
	for k, v := range htmlHeader() {
		h[k] = v
	}
	h["Content-Type"] = hvHTML
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusNotFound)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
	return nil
}

func formatName(f feed.Format) string {
	switch f {
	case feed.RSS:
		return "RSS"
	case feed.Atom:
		return "Atom"
	case feed.JSON:
		return "JSON Feed"
	}
	return strings.ToUpper(string(f))
}
