package activitypub

import (
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// outboxPage is how many Create activities one page of the outbox holds.
const outboxPage = 20

// Enabled reports whether the site has a fediverse account now.
func (s *Service) Enabled() bool {
	_, cfg := s.config()
	return cfg != nil
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, typ string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "max-age=60")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

func notFound(w http.ResponseWriter) { http.Error(w, "not found", http.StatusNotFound) }

// WebFinger answers /.well-known/webfinger (RFC 7033) for the account's
// acct: URI (acct:news@HOST) or its actor's URL.
func (s *Service) WebFinger(w http.ResponseWriter, r *http.Request) {
	site, cfg := s.config()
	if cfg == nil {
		notFound(w)
		return
	}
	res := r.URL.Query().Get("resource")
	if res == "" {
		http.Error(w, "resource is required, e.g. ?resource=acct:"+cfg.Username+"@"+site.BaseURL.Host, http.StatusBadRequest)
		return
	}
	u := urls{site}
	name := ""
	for _, acc := range accounts(cfg) {
		acct := "acct:" + acc.name + "@" + site.BaseURL.Host
		if strings.EqualFold(strings.TrimPrefix(res, "@"), acct) || res == u.actor(acc.name) || strings.EqualFold("acct:"+strings.TrimPrefix(res, "@"), acct) {
			name = acc.name
		}
	}
	if name == "" {
		notFound(w)
		return
	}
	acct := "acct:" + name + "@" + site.BaseURL.Host
	writeJSON(w, r, http.StatusOK, jrdType, Object{
		"subject": acct,
		"aliases": []string{u.actor(name), site.URL("/")},
		"links": []Object{
			{"rel": "self", "type": ActivityType, "href": u.actor(name)},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": site.URL("/")},
		},
	})
}

// HostMeta answers /.well-known/host-meta (RFC 6415), which older
// servers read to find WebFinger.
func (s *Service) HostMeta(w http.ResponseWriter, r *http.Request) {
	site, cfg := s.config()
	if cfg == nil {
		notFound(w)
		return
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">` + "\n")
	b.WriteString(`  <Link rel="lrdd" template="`)
	_ = xml.EscapeText(&b, []byte(site.URL("/.well-known/webfinger")+"?resource={uri}"))
	b.WriteString(`"/>` + "\n</XRD>\n")
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(b.String()))
	}
}

// NodeInfoLinks answers /.well-known/nodeinfo.
func (s *Service) NodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	site, cfg := s.config()
	if cfg == nil {
		notFound(w)
		return
	}
	writeJSON(w, r, http.StatusOK, "application/json", Object{"links": []Object{
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": site.URL("/nodeinfo/2.1")},
	}})
}

// NodeInfo answers /nodeinfo/2.1: the software, one user, its posts.
func (s *Service) NodeInfo(w http.ResponseWriter, r *http.Request) {
	site, cfg := s.config()
	if cfg == nil {
		notFound(w)
		return
	}
	snap := s.live.At(s.now())
	version := s.version
	if version == "" {
		version = "dev"
	}
	w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`)
	writeJSON(w, r, http.StatusOK, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`, Object{
		"version":           "2.1",
		"software":          Object{"name": "morningpost", "version": version},
		"protocols":         []string{"activitypub"},
		"services":          Object{"inbound": []string{}, "outbound": []string{"atom1.0", "rss2.0"}},
		"openRegistrations": false,
		"usage":             Object{"users": Object{"total": 1, "activeMonth": 1, "activeHalfyear": 1}, "localPosts": len(snap.Articles())},
		"metadata":          Object{"nodeName": site.Title},
	})
}

// account is the account a path names; false when it names none.
func (s *Service) account(name string) (*content.Site, account, bool) {
	site, cfg := s.config()
	acc, ok := accountNamed(cfg, name)
	return site, acc, ok
}

// Actor answers the actor document of account name.
func (s *Service) Actor(w http.ResponseWriter, r *http.Request, name string) {
	site, acc, ok := s.account(name)
	if !ok {
		notFound(w)
		return
	}
	k, err := s.key(r.Context(), acc.name)
	if err != nil {
		s.log.Error("activitypub: actor", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Vary", "Accept")
	writeJSON(w, r, http.StatusOK, ActivityType, s.actorDoc(site, acc, k.publicPEM))
}

// Outbox answers the outbox of account name: an OrderedCollection of
// Create activities, newest first, paged (?page=1, 2…).
func (s *Service) Outbox(w http.ResponseWriter, r *http.Request, name string) {
	site, acc, ok := s.account(name)
	if !ok {
		notFound(w)
		return
	}
	u := urls{site}
	var arts []*content.Article
	for _, a := range outboxArticles(s.live.At(s.now())) {
		if acc.carries(a.Section) {
			arts = append(arts, a)
		}
	}
	pages := (len(arts) + outboxPage - 1) / outboxPage
	q := r.URL.Query().Get("page")
	if q == "" {
		doc := Object{"@context": contextAS, "id": u.outbox(acc.name), "type": "OrderedCollection", "totalItems": len(arts)}
		if pages > 0 {
			doc["first"] = u.outbox(acc.name) + "?page=1"
			doc["last"] = u.outbox(acc.name) + "?page=" + strconv.Itoa(pages)
		}
		writeJSON(w, r, http.StatusOK, ActivityType, doc)
		return
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || (n > pages && !(n == 1 && pages == 0)) {
		notFound(w)
		return
	}
	lo, hi := (n-1)*outboxPage, min(n*outboxPage, len(arts))
	items := []any{}
	for _, a := range arts[lo:hi] {
		item := createOf(site, acc, a)
		delete(item, "@context")
		items = append(items, item)
	}
	doc := Object{"@context": contextObject, "id": u.outbox(acc.name) + "?page=" + strconv.Itoa(n), "type": "OrderedCollectionPage",
		"partOf": u.outbox(acc.name), "totalItems": len(arts), "orderedItems": items}
	if n > 1 {
		doc["prev"] = u.outbox(acc.name) + "?page=" + strconv.Itoa(n-1)
	}
	if n < pages {
		doc["next"] = u.outbox(acc.name) + "?page=" + strconv.Itoa(n+1)
	}
	writeJSON(w, r, http.StatusOK, ActivityType, doc)
}

// createOf is the Create of article a by acc, as the outbox and the
// first delivery show it.
func createOf(site *content.Site, acc account, a *content.Article) Object {
	page := site.URL(a.URLPath())
	return activity(site, acc.name, "Create", acc.activityID(page, "create", ""), articleObject(site, acc.name, a), a.Published())
}

// Followers answers the followers collection: how many, not who.
func (s *Service) Followers(w http.ResponseWriter, r *http.Request, name string) {
	site, acc, ok := s.account(name)
	if !ok {
		notFound(w)
		return
	}
	n, err := s.followerCount(r.Context(), acc.name)
	if err != nil {
		s.log.Error("activitypub: followers", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, r, http.StatusOK, ActivityType, Object{"@context": contextAS, "id": urls{site}.followers(acc.name), "type": "OrderedCollection", "totalItems": n})
}

// Following answers the following collection: the account follows nobody.
func (s *Service) Following(w http.ResponseWriter, r *http.Request, name string) {
	site, acc, ok := s.account(name)
	if !ok {
		notFound(w)
		return
	}
	name = acc.name
	writeJSON(w, r, http.StatusOK, ActivityType, Object{"@context": contextAS, "id": urls{site}.following(name), "type": "OrderedCollection", "totalItems": 0, "orderedItems": []any{}})
}

// Article answers the Article object of a public article, for a
// request that Wants one at the article's page URL.
func (s *Service) Article(w http.ResponseWriter, r *http.Request, site *content.Site, a *content.Article) {
	_, cfg := s.config()
	if cfg == nil {
		notFound(w)
		return
	}
	o := articleObject(site, cfg.Username, a)
	o["@context"] = contextObject
	w.Header().Set("Vary", "Accept")
	writeJSON(w, r, http.StatusOK, ActivityType, o)
}

// Gone answers a Tombstone with 410 for a request that Wants an object
// at path, an article's page that was public and is no more; it reports
// false, writing nothing, for any other path.
func (s *Service) Gone(w http.ResponseWriter, r *http.Request, path string) bool {
	site, cfg := s.config()
	if cfg == nil {
		return false
	}
	var modified int64
	err := s.db.QueryRowContext(r.Context(), "SELECT modified FROM ap_sent WHERE path = ? AND state = ?", path, stateDeleted).Scan(&modified)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, context.Canceled) {
			s.log.Error("activitypub: tombstone", "error", err)
		}
		return false
	}
	w.Header().Set("Vary", "Accept")
	writeJSON(w, r, http.StatusGone, ActivityType, tombstone(site, path, store.Time(modified)))
	return true
}

// hostOf is the host of a URL, lower case, with its port; "" when raw is
// not an absolute http(s) URL.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host)
}
