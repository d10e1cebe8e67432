package page

import (
	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// NewPage fills the layout's fields of the page at path of snap; the
// public site's (handlers/site's Site.NewPage) knows the site's icon and its
// feeds. section, when set, adds the section's feed to the
// autodiscovery links.
type NewPage func(snap *content.Snapshot, title, path string, section content.Section) Page

// FillIssue fills the page of the issue of snap that number (a URL's
// :number) names, or answers httpx.ErrNotFound: the public issue page
// over the public snapshot, the desk's preview over the preview one.
func FillIssue(snap *content.Snapshot, number string, newPage NewPage) (Issue, error) {
	iss := FindIssue(snap, number)
	if iss == nil {
		return Issue{}, httpx.ErrNotFound
	}
	p := Issue{Page: newPage(snap, iss.Title(), iss.URLPath(), ""), Shown: iss}
	p.Issue, p.Nameplate = iss, true
	if l := iss.Lead(); l != nil {
		p.Description = l.Title + ". " + l.Summary()
		p.SetImage(snap.Site, l)
	}
	for i, other := range snap.Issues {
		if other == iss {
			if i > 0 {
				p.Next = snap.Issues[i-1]
			}
			if i+1 < len(snap.Issues) {
				p.Prev = snap.Issues[i+1]
			}
		}
	}
	return p, nil
}

// FillArticle fills the page of the article slug of the issue number
// names in snap, or answers httpx.ErrNotFound.
func FillArticle(snap *content.Snapshot, number, slug string, newPage NewPage) (Article, error) {
	iss := FindIssue(snap, number)
	if iss == nil {
		return Article{}, httpx.ErrNotFound
	}
	a := iss.Article(slug)
	if a == nil {
		return Article{}, httpx.ErrNotFound
	}
	p := Article{Page: newPage(snap, a.Title+" — "+snap.Site.Title, a.URLPath(), a.Section), Article: a}
	p.Issue, p.OGType, p.Description = iss, "article", a.Summary()
	p.SetImage(snap.Site, a)
	for _, o := range iss.Articles {
		if o != a {
			p.Others = append(p.Others, o)
		}
	}
	for _, l := range []*content.List{iss.Tools, iss.Reading} {
		if l != nil {
			p.Lists = append(p.Lists, l)
		}
	}
	return p, nil
}
