// Package desk is the editor's desk: private previews of drafts and
// scheduled issues, what feed readers will receive (entries), the live
// reload's event stream, the audience's page and JSON with their
// charts, the upstream sources' page and the search that finds drafts
// too. Every route of it is a private line of the route table
// (handlers/routes.go) and runs behind one token check, Desk.Require;
// Desk.Editor is the one check of an editor everywhere else.
//
// It shows what handlers/page holds (templates, page types, static
// files) and answers with handlers/httpx; what it needs of the public
// site (the layout's Page of a snapshot, which knows the site's icon)
// is given to New as a function, so the desk never imports the
// public site, and the public site reaches the desk only through the
// route table and Desk's exported methods.
//
// Preview pages are built from content.Preview, never from the public
// snapshot, and the public code paths never see that snapshot. Nothing
// here is cached by browsers or proxies (private, no-store).
package desk

import (
	"context"
	"html/template"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/page"
)

// Deps is what the desk needs: the content and caches it shares with
// the public site, and what it shows of the public site's pages.
type Deps struct {
	Token   string // the preview token; "" switches the desk off (New returns nil)
	Content *content.Live
	Feeds   *feed.Cache // the render cache, for the entries' views
	Now     func() time.Time
	Static  *page.Static
	// Done, when closed, ends the event streams.
	Done   <-chan struct{}
	Search *search.Index // nil: the desk's search finds drafts only
	// NewPage is the layout's fields of the page at path (the public
	// site's, which knows the site's icon); the desk's previews of an
	// issue and an article are filled as the public ones
	// (page.FillIssue, page.FillArticle).
	NewPage page.NewPage
	// Sources is the upstream store of the moment; nil: /sources is 404.
	Sources func() *upstream.Store
	// Audience is the audience's counter.
	Audience func() *audience.Counter
	// Fediverse are the account's followers; nil without an account.
	Fediverse func(context.Context) *activitypub.FollowerStats
}

// Desk answers the desk's routes. A nil *Desk (no token) is a desk
// that is off: Require answers 404, Editor is false, Login passes.
type Desk struct {
	content   *content.Live
	feeds     *feed.Cache
	now       func() time.Time
	static    *page.Static
	done      <-chan struct{}
	search    *search.Index
	newPage   page.NewPage
	sources   func() *upstream.Store
	audience  func() *audience.Counter
	fediverse func(context.Context) *activitypub.FollowerStats

	auth *previewAuth
	// tmpl is the page set whose layout carries the live reload script.
	tmpl *page.Templates
	// reader is the sanitiser a feed reader applies to entry HTML.
	reader *bluemonday.Policy
}

// New returns the desk, or nil when d.Token is empty.
func New(d Deps) (*Desk, error) {
	if d.Token == "" {
		return nil, nil
	}
	auth, err := newPreviewAuth(d.Token)
	if err != nil {
		return nil, err
	}
	k := &Desk{
		content: d.Content, feeds: d.Feeds, now: d.Now, static: d.Static, done: d.Done, search: d.Search,
		newPage: d.NewPage,
		sources: d.Sources, audience: d.Audience, fediverse: d.Fediverse,
		auth: auth, reader: readerPolicy(),
	}
	if k.tmpl, err = page.Parse(template.FuncMap{"liveReload": k.liveState, "draftPath": k.draftPath}); err != nil {
		return nil, err
	}
	return k, nil
}
