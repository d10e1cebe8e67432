package site

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// The fediverse account (feed/activitypub): its routes, the content
// negotiation of article pages, and the hints pages give of the handle.
// Everything here answers 404, and changes no page, unless
// morningpost.yaml has activitypub: and the server was given the
// service (Deps.ActivityPub).

// activityPubRoutes registers the account's URLs.
// fediPlain answers a request of the account's discovery with f, or 404
// without an account.
func (s *Site) FediPlain(f func(http.ResponseWriter, *http.Request)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.fedi == nil {
			return httpx.ErrNotFound
		}
		f(c.Response(), c.Request())
		return nil
	}
}

// FediNamed answers a request about the account :name with f, or 404
// without an account.
func (s *Site) FediNamed(f func(http.ResponseWriter, *http.Request, string)) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.fedi == nil {
			return httpx.ErrNotFound
		}
		f(c.Response(), c.Request(), c.Param("name"))
		return nil
	}
}

// FediInbox takes an activity POSTed to an inbox (the account's or the
// shared one); the body is read and bounded there (1 MB), not by
// httpx.LimitBody.
func (s *Site) FediInbox(c echo.Context) error {
	if s.fedi == nil {
		return httpx.ErrNotFound
	}
	s.fedi.Inbox(c.Response(), c.Request(), c.Param("name"), c.RealIP())
	return nil
}

func (s *Site) FediWebFinger(w http.ResponseWriter, r *http.Request) { s.fedi.WebFinger(w, r) }
func (s *Site) FediHostMeta(w http.ResponseWriter, r *http.Request)  { s.fedi.HostMeta(w, r) }
func (s *Site) FediNodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	s.fedi.NodeInfoLinks(w, r)
}
func (s *Site) FediNodeInfo(w http.ResponseWriter, r *http.Request) { s.fedi.NodeInfo(w, r) }
func (s *Site) FediActor(w http.ResponseWriter, r *http.Request, n string) {
	s.fedi.Actor(w, r, n)
}
func (s *Site) FediOutbox(w http.ResponseWriter, r *http.Request, n string) {
	s.fedi.Outbox(w, r, n)
}
func (s *Site) FediFollowers(w http.ResponseWriter, r *http.Request, n string) {
	s.fedi.Followers(w, r, n)
}
func (s *Site) FediFollowing(w http.ResponseWriter, r *http.Request, n string) {
	s.fedi.Following(w, r, n)
}

// Negotiated answers an article's page URL with its Article object (or
// the Tombstone of one withdrawn, 410) when the request asks for
// ActivityStreams and the account is on; with the page otherwise.
func (s *Site) Negotiated(page echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if s.fedi == nil || !s.fedi.Enabled() {
			return page(c)
		}
		if !activitypub.Wants(r) {
			// The same URL answers the object to others: caches must
			// keep the two apart.
			w := c.Response()
			w.Writer = varyAccept{w.Writer}
			return page(c)
		}
		snap := s.content.At(s.now())
		if iss := findIssue(snap, c.Param("number")); iss != nil {
			if a := iss.Article(c.Param("slug")); a != nil {
				s.fedi.Article(c.Response(), r, snap.Site, a)
				return nil
			}
		}
		if s.fedi.Gone(c.Response(), r, r.URL.Path) {
			return nil
		}
		return page(c)
	}
}

// varyAccept adds Accept to the Vary of the response it writes.
type varyAccept struct{ http.ResponseWriter }

func (v varyAccept) WriteHeader(code int) {
	h := v.Header()
	if vary := h.Get("Vary"); vary == "" {
		h.Set("Vary", "Accept")
	} else if !strings.Contains(vary, "Accept,") && !strings.HasSuffix(vary, "Accept") {
		h.Set("Vary", vary+", Accept")
	}
	v.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the connection's writer.
func (v varyAccept) Unwrap() http.ResponseWriter { return v.ResponseWriter }

// IsInbox reports whether a request is a POST to the account's inbox,
// which takes bodies up to activitypub.MaxInboxBody.
func IsInbox(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/ap/") && strings.HasSuffix(r.URL.Path, "inbox")
}

// FediverseStats are the account's followers for the audience page; nil
// without an account (or when the store cannot say: logged).
func (s *Site) FediverseStats(ctx context.Context) *activitypub.FollowerStats {
	if s.fedi == nil || !s.fedi.Enabled() {
		return nil
	}
	st, err := s.fedi.Stats(ctx)
	if err != nil {
		s.log.Error("audience: fediverse followers", "error", err)
		return nil
	}
	if len(st.ByDay) > 30 {
		st.ByDay = st.ByDay[:30]
	}
	if len(st.ByHost) > 20 {
		st.ByHost = st.ByHost[:20]
	}
	return &st
}
