package desk

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The desk's previews: its index, the preview of an issue and of an
// article, and a public page seen by an editor.

func (d *Desk) liveState() *page.LiveState {
	return &page.LiveState{
		Script:   d.static.URL("live.js"),
		Version:  d.content.Content().Version,
		Problems: d.content.Problems(),
	}
}

// draftPath is the file of a, shown on a preview page, when it is a
// draft in the loaded content (the preview shows drafts as published, so
// the page must say which will not go out), and "" otherwise.
func (d *Desk) draftPath(a *content.Article) string {
	iss := d.content.Content().Issue(a.Issue.Number)
	if iss == nil {
		return ""
	}
	if orig := iss.Article(a.Slug); orig != nil && orig.Draft && !iss.Draft {
		return orig.Path
	}
	return ""
}

// hvPreviewCSP lets preview responses run the live reload script and open
// its event stream, both from this origin only. Public responses keep
// page.HVCSP, with no script at all.
var hvPreviewCSP = []string{"default-src 'none'; style-src 'self'; img-src 'self' https: data:; " +
	"script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}

// writePreview renders a page of the preview set and writes it. It is never
// stored: it changes with every edit and must not outlive the cookie.
func (d *Desk) writePreview(c echo.Context, name string, data any) error {
	body, err := d.tmpl.Render(name, data)
	if err != nil {
		return err
	}
	body = page.UnderBase(d.content.Content().Site, body)
	return writePrivate(c, page.HVHTML, body)
}

// writePrivate writes an editor's response: never stored, never indexed.
func writePrivate(c echo.Context, contentType []string, body []byte) error {
	h := c.Response().Header()
	h["Content-Type"] = contentType
	h["Content-Security-Policy"] = hvPreviewCSP
	h["Referrer-Policy"] = page.HVReferrer
	h["X-Content-Type-Options"] = httpx.Nosniff
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	if h.Get("Vary") == "" {
		h["Vary"] = hvVaryCookie
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
	return nil
}

// PreviewModePage serves a public page to an editor: the same page, from
// the public snapshot snap, with the live reload.
func (d *Desk) PreviewModePage(c echo.Context, name string, snap *content.Snapshot, fill func(*content.Snapshot) (any, error)) error {
	data, err := fill(snap)
	if err != nil {
		return err
	}
	return d.writePreview(c, name, data)
}

// whenText says when an issue or article goes out, for editors.
func whenText(st content.Status, at time.Time, now time.Time, path string) string {
	date := at.Format("Monday 2 January 2006 at 15:04 MST")
	switch st {
	case content.StatusPublished:
		return "Published " + date + "."
	case content.StatusScheduled:
		return "Scheduled: goes out " + date + ", in " + untilText(at.Sub(now)) + "."
	}
	if at.After(now) {
		return "Draft: remove “draft: true” from " + path + " and it goes out " + date + "."
	}
	return "Draft: goes out as soon as “draft: true” is removed from " + path + "."
}

// untilText is a rounded duration: "3 days 4 hours", "2 hours 5 minutes", "40 minutes".
func untilText(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return plural(days, "day") + " " + plural(hours, "hour")
	case hours > 0:
		return plural(hours, "hour") + " " + plural(mins, "minute")
	}
	return plural(max(mins, 1), "minute")
}

// previewIndexPage is /preview: everything not yet public, and the content's
// problems of the moment.
type previewIndexPage struct {
	page.Page
	Pending  []pendingIssue
	Problems content.Problems
	Recent   []*content.Issue // the latest public issues
	Sources  bool             // the site reads upstream sources: /sources answers
}

// pendingIssue is an issue with something not yet public.
type pendingIssue struct {
	Number   int
	Date     time.Time
	Status   content.Status
	When     string
	Preview  string // URL of its preview page
	Entries  string // URL of "what readers will see"
	Articles []pendingArticle
}

type pendingArticle struct {
	Title   string
	Section string
	Path    string
	Status  content.Status
	When    string // set for a draft article only; others go out with their issue
	Preview string
}

func (d *Desk) Index(c echo.Context) error {
	now := d.now()
	all := d.content.Content()
	pub := all.At(now)
	p := previewIndexPage{Page: d.newPage(pub, "Editor's desk — "+pub.Site.Title, "/preview", ""), Problems: d.content.Problems()}
	p.Description = "Drafts and scheduled issues of " + pub.Site.Title + "."
	p.Preview = &page.PreviewBar{Note: "The editor's desk: everything readers cannot see yet."}
	for _, iss := range all.Pending(now) {
		st := all.IssueStatus(iss, now)
		pi := pendingIssue{
			Number:  iss.Number,
			Date:    iss.Date,
			Status:  st,
			When:    whenText(st, all.PublishAt(iss), now, iss.Path),
			Preview: "/preview" + iss.URLPath(),
			Entries: "/preview/entries/" + strconv.Itoa(iss.Number),
		}
		for _, a := range iss.Articles {
			ast := all.ArticleStatus(a, now)
			if st == content.StatusPublished && ast == content.StatusPublished {
				continue // only the drafts of a published issue are pending
			}
			pa := pendingArticle{
				Title:   a.Title,
				Section: all.Site.SectionTitle(a.Section),
				Path:    a.Path,
				Status:  ast,
				Preview: "/preview" + a.URLPath(),
			}
			if a.Draft {
				pa.When = whenText(ast, a.Published(), now, a.Path)
			}
			pi.Articles = append(pi.Articles, pa)
		}
		p.Pending = append(p.Pending, pi)
	}
	p.Recent = pub.Issues[:min(len(pub.Issues), 5)]
	p.Sources = d.sources() != nil
	return d.writePreview(c, "preview", p)
}

// previewBar is the banner of the preview of issue n (and of one of its
// articles when a is set), from the loaded content, where drafts are
// still marked.
func (d *Desk) previewBar(now time.Time, n int, slug string) *page.PreviewBar {
	all := d.content.Content()
	iss := all.Issue(n)
	if iss == nil {
		return nil
	}
	st, at, path := all.IssueStatus(iss, now), all.PublishAt(iss), iss.Path
	if a := iss.Article(slug); a != nil && a.Draft {
		st, path = content.StatusDraft, a.Path
	}
	b := &page.PreviewBar{Status: st, Note: whenText(st, at, now, path)}
	if slug == "" && !iss.Draft {
		for _, a := range iss.Articles {
			if a.Draft {
				b.Held = append(b.Held, page.PreviewLink{Text: a.Title, Href: a.Path})
			}
		}
	}
	if slug != "" {
		b.Links = append(b.Links, page.PreviewLink{Text: "Whole issue", Href: "/preview" + iss.URLPath()})
	}
	b.Links = append(b.Links, page.PreviewLink{Text: "What readers will see", Href: "/preview/entries/" + strconv.Itoa(n)})
	return b
}

// Issue is /preview/issues/{number}: the issue's public page over the
// preview snapshot, with its banner.
func (d *Desk) Issue(c echo.Context) error {
	p, err := page.FillIssue(d.content.Content().Preview(), c.Param("number"), d.newPage)
	if err != nil {
		return err
	}
	p.Preview = d.previewBar(d.now(), p.Shown.Number, "")
	return d.writePreview(c, "issue", p)
}

// Article is /preview/issues/{number}/{slug}: the article's public
// page over the preview snapshot, with its banner.
func (d *Desk) Article(c echo.Context) error {
	p, err := page.FillArticle(d.content.Content().Preview(), c.Param("number"), c.Param("slug"), d.newPage)
	if err != nil {
		return err
	}
	p.Preview = d.previewBar(d.now(), p.Article.Issue.Number, p.Article.Slug)
	return d.writePreview(c, "article", p)
}
