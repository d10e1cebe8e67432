package desk

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The preview token opens the editor's pages. It is presented as
// "Authorization: Bearer TOKEN", or once as ?token=TOKEN, which is
// exchanged for a cookie and redirected away so the token does not stay
// in the address bar, the history or a Referer. The cookie holds a value
// derived from the token, never the token itself. Without the token the
// editor's pages answer 404, exactly as a URL that does not exist, so
// nothing reveals whether a draft (or the desk itself) exists.

// CookieName is the name of the cookie that carries the preview grant.
const CookieName = "morningpost_preview"

// previewCookieAge is how long the cookie lasts: a working week.
const previewCookieAge = 7 * 24 * time.Hour

// previewAuth checks the preview token. Its fields are fixed at New.
// It keeps the token's SHA-256, not the token: a presented token is
// compared by its digest, so the comparison takes the same time whatever
// its length and says nothing of the token's.
type previewAuth struct {
	digest [sha256.Size]byte
	cookie []byte // the cookie's value: HMAC-SHA256 of a fixed label, keyed by the token
}

func newPreviewAuth(token string) (*previewAuth, error) {
	if strings.TrimSpace(token) != token || strings.ContainsAny(token, "\x00\r\n") {
		return nil, errors.New("handlers: the preview token must not start or end with spaces or hold control characters")
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("morningpost preview cookie v1"))
	return &previewAuth{
		digest: sha256.Sum256([]byte(token)),
		cookie: []byte(base64.RawURLEncoding.EncodeToString(mac.Sum(nil))),
	}, nil
}

// tokenOK compares a presented token in constant time: digests of one
// length are compared, never the tokens, whose lengths differ.
func (a *previewAuth) tokenOK(t string) bool {
	d := sha256.Sum256([]byte(t))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
}

// authorized reports whether the request carries the token or the cookie.
func (a *previewAuth) authorized(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && a.tokenOK(strings.TrimSpace(t)) {
			return true
		}
	}
	for _, ck := range r.CookiesNamed(CookieName) {
		if subtle.ConstantTimeCompare([]byte(ck.Value), a.cookie) == 1 {
			return true
		}
	}
	return false
}

// grantCookie is the cookie given in exchange for a valid ?token=.
func (a *previewAuth) grantCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    string(a.cookie),
		Path:     "/",
		MaxAge:   int(previewCookieAge / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"),
		SameSite: http.SameSiteLaxMode,
	}
}

// Login exchanges a valid ?token= on any URL for the cookie and
// redirects to the same URL without it. Any other request passes through;
// an invalid token is dealt with by Require (404) on the editor's
// pages and ignored on public ones.
//
// Lax rather than Strict: an editor following a link to a preview from a
// chat or a mail client arrives with the cookie.
func (d *Desk) Login(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if d == nil || (req.Method != http.MethodGet && req.Method != http.MethodHead) || !strings.Contains(req.URL.RawQuery, "token") {
			return next(c)
		}
		q := req.URL.Query()
		if !q.Has("token") || !d.auth.tokenOK(q.Get("token")) {
			return next(c)
		}
		q.Del("token")
		clean := redirectPath(req.URL.Path)
		if len(q) > 0 {
			clean += "?" + q.Encode()
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		c.SetCookie(d.auth.grantCookie(req))
		return d.seeOther(c, clean)
	}
}

// redirectPath is the Location that sends a request for path back to
// the same page: the path cleaned (no "//", "." or ".." segments) and
// escaped, so that it is always a path of this site. Raw text would not
// do: "/\\evil.example" and "/\t/evil.example" are "//evil.example" to a
// browser, which drops tabs and reads a backslash as a slash.
func redirectPath(p string) string {
	return (&url.URL{Path: path.Clean("/" + p)}).EscapedPath()
}

// Require guards the editor's pages, every private line of the route
// table: without a configured token (a nil Desk), or without a valid
// token or cookie on the request, they are not found. Responses it lets
// through are private and never stored.
func (d *Desk) Require(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		// A token still in the query was not valid (Login took the valid ones).
		if req.URL.Query().Has("token") || !d.Editor(req) {
			return httpx.ErrNotFound
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "private, no-store")
		h["Vary"] = hvVaryCookieAuthorization
		h.Set("X-Robots-Tag", "noindex, nofollow")
		return next(c)
	}
}

// Editor reports whether r comes from an editor (the preview token or
// its cookie): the one check behind every answer that differs for
// editors. The desk's routes answer 404 without it (Require); handlers
// asks it (server.editor) and hands it to the public site
// (handlers/site), where a public page carries the live reload with it
// and a draft's picture is served; /healthz and /metrics say more.
func (d *Desk) Editor(r *http.Request) bool {
	return d != nil && d.auth.authorized(r)
}

// TokenOK reports whether t is the preview token (the sources' feed
// takes it as a Basic password); false when the desk is off.
func (d *Desk) TokenOK(t string) bool {
	return d != nil && d.auth.tokenOK(t)
}

// seeOther answers 303 to location, a site path, sent under the site's
// base path.
func (d *Desk) seeOther(c echo.Context, location string) error {
	return httpx.SeeOther(c, page.Prefixed(page.BasePath(d.content.Content().Site), location))
}

var (
	hvVaryCookie              = []string{"Cookie"}
	hvVaryCookieAuthorization = []string{"Cookie, Authorization"}
)
