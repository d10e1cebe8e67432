package activitypub

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Static is one of the account's documents that a static copy of the
// site can hold: what the export asks the server for (with an
// ActivityStreams Accept) and how a static server picks it.
type Static struct {
	// Target is the request: a path, with a query when the document is
	// one of several at that path (WebFinger's resources, the outbox's
	// pages).
	Target string
	// Arg and Match pick the document at Target's path by a query
	// argument: Match is a regular expression, matched without regard
	// to case, that the argument's raw (still percent-encoded) value
	// matches. Empty for a Target without query.
	Arg, Match string
	// Object: the document is an article's object, answered at the
	// article page's URL to a request that Wants it, the page to others.
	Object bool
}

// Static lists the documents of the accounts that a static copy can
// hold, as of the service's clock: WebFinger for each handle (and
// actor URL), host-meta, NodeInfo, each actor, its outbox and the pages
// of it, its following collection, and every public article's object.
// Followers are not in it: their number moves with every Follow, which
// only a running server sees. Nothing without an account. It makes
// the accounts' keys when the store holds none yet (the actor shows the
// public key), as serve's first request of an actor does.
func (s *Service) Static(ctx context.Context) ([]Static, error) {
	site, cfg := s.config()
	if cfg == nil {
		return nil, nil
	}
	out := []Static{
		{Target: "/.well-known/host-meta"},
		{Target: "/.well-known/nodeinfo"},
		{Target: "/nodeinfo/2.1"},
	}
	u := urls{site}
	host := site.BaseURL.Host
	snap := s.live.At(s.now())
	arts := outboxArticles(snap)
	for _, acc := range accounts(cfg) {
		if _, err := s.key(ctx, acc.name); err != nil {
			return nil, err
		}
		acct := "acct:" + acc.name + "@" + host
		out = append(out, Static{
			Target: "/.well-known/webfinger?resource=" + url.QueryEscape(acct),
			Arg:    "resource",
			Match:  "^(" + encodedForms("acct:") + ")?" + encodedForms(acc.name+"@"+host) + "$|^" + encodedForms(u.actor(acc.name)) + "$",
		})
		ap := "/ap/" + acc.name
		out = append(out, Static{Target: ap}, Static{Target: ap + "/outbox"}, Static{Target: ap + "/following"})
		n := 0
		for _, a := range arts {
			if acc.carries(a.Section) {
				n++
			}
		}
		for p := 1; p <= (n+outboxPage-1)/outboxPage; p++ {
			page := strconv.Itoa(p)
			out = append(out, Static{Target: ap + "/outbox?page=" + page, Arg: "page", Match: "^" + page + "$"})
		}
	}
	for _, a := range arts {
		out = append(out, Static{Target: a.URLPath(), Object: true})
	}
	return out, nil
}

// encodedForms is a regular expression matching s in a query string,
// each of its reserved characters as it is or percent-encoded.
func encodedForms(s string) string {
	var b strings.Builder
	for _, r := range s {
		c := string(r)
		if strings.ContainsRune(":/@?#[]!$&'()*+,;=% ", r) {
			b.WriteString("(" + regexp.QuoteMeta(c) + "|%" + strings.ToUpper(strconv.FormatInt(int64(r), 16)) + ")")
			continue
		}
		b.WriteString(regexp.QuoteMeta(c))
	}
	return b.String()
}
