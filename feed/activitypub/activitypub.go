// Package activitypub makes the site an account on the fediverse: an
// ActivityPub actor (@news@HOST, named by activitypub: in
// morningpost.yaml) that Mastodon and its kin find by WebFinger, follow,
// and receive every article from as it goes out.
//
// What it answers (http.go): WebFinger, NodeInfo 2.1, host-meta, the
// actor, its outbox of Create activities, its followers and following,
// each article as an Article object at its page's URL (objects.go),
// and the inbox (inbox.go), which verifies HTTP Signatures as Mastodon
// makes them and takes Follow, Undo(Follow) and an actor's Delete.
//
// What it sends (publish.go, queue.go): the record of the content
// decides. An article that first becomes public is sent as a Create,
// one whose updated time moves as an Update, one that stops being
// public as a Delete, its URL then answering a Tombstone. The backlog is
// never sent. Activities wait in a queue in the store, delivered by one
// server of a fleet (the "activitypub" lease), retried with backoff for
// about two days. Every outbound request goes through feed/netguard's
// transport, so an inbox or actor URL from a stranger never reaches the
// server's own networks unless allow_private_addresses: says so.
package activitypub

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed/netguard"
)

// Media types.
const (
	ActivityType = "application/activity+json"
	ldType       = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	jrdType      = "application/jrd+json"
	publicAddr   = "https://www.w3.org/ns/activitystreams#Public"
)

// Limits of what strangers send and serve.
const (
	// MaxInboxBody is the largest activity the inbox reads; more is 413.
	MaxInboxBody = 1 << 20
	// maxFetch is the largest actor document read.
	maxFetch = 1 << 20
	// fetchTimeout bounds the fetch of an actor; deliverTimeout a delivery.
	fetchTimeout   = 10 * time.Second
	deliverTimeout = 15 * time.Second
	// replayWindow is how far a signed request's Date may be from the clock.
	replayWindow = 5 * time.Minute
)

// Options configure a Service.
type Options struct {
	DB      *store.DB     // required: keys, followers, the queue
	Content *content.Live // what is published
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// AllowPrivate lets fetches and deliveries reach private addresses
	// whatever morningpost.yaml says (MORNINGPOST_ALLOW_PRIVATE_NETWORKS).
	AllowPrivate bool
	// UserAgent of outbound requests.
	UserAgent string
	// Version is the program's, for NodeInfo.
	Version string
	// After is the publishing loop's timer; time.After when nil.
	After func(time.Duration) <-chan time.Time
}

// Service is the fediverse account of a site.
type Service struct {
	db      *store.DB
	live    *content.Live
	now     func() time.Time
	log     *slog.Logger
	ua      string
	version string

	guarded, open *http.Client // outbound: guarded, or (allow_private_addresses) not

	keyMu sync.Mutex
	keys  map[string]*keyPair // by account

	actors  *actorCache
	seen    *replayCache
	limiter *hostLimiter
	metrics *Metrics

	after  func(time.Duration) <-chan time.Time
	wake   chan struct{} // the deliverer's: something was queued
	dlOnce sync.Once
	deliv  *deliverer
}

// New returns the service. It makes no request and writes nothing
// until asked.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.UserAgent == "" {
		o.UserAgent = "morningpost"
	}
	s := &Service{
		db: o.DB, live: o.Content, now: o.Now, log: o.Logger, ua: o.UserAgent, version: o.Version,
		keys:    map[string]*keyPair{},
		after:   o.After,
		actors:  newActorCache(1000, 30*time.Minute),
		seen:    newReplayCache(),
		limiter: newHostLimiter(300, time.Minute),
		wake:    make(chan struct{}, 1),
	}
	s.guarded = client(o.AllowPrivate)
	s.open = client(true)
	s.metrics = newMetrics(s)
	return s
}

func client(allowPrivate bool) *http.Client {
	t := netguard.NewTransport(netguard.Options{AllowPrivate: allowPrivate, MaxIdleConnsPerHost: 4})
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return http.ErrUseLastResponse
		}
		return t.CheckRedirect(req)
	}}
}

// http is the client of outbound requests under the configuration now.
func (s *Service) http(cfg *content.Fediverse) *http.Client {
	if cfg != nil && cfg.AllowPrivateAddresses {
		return s.open
	}
	return s.guarded
}

// config is the account's configuration now, with the site; nil when
// federation is off.
func (s *Service) config() (*content.Site, *content.Fediverse) {
	site := s.live.Content().Site
	if site == nil || site.Fediverse == nil {
		return site, nil
	}
	return site, site.Fediverse
}

// urls of an account.
type urls struct{ site *content.Site }

func (u urls) actor(name string) string     { return u.site.URL("/ap/" + name) }
func (u urls) key(name string) string       { return u.actor(name) + "#main-key" }
func (u urls) inbox(name string) string     { return u.actor(name) + "/inbox" }
func (u urls) outbox(name string) string    { return u.actor(name) + "/outbox" }
func (u urls) followers(name string) string { return u.actor(name) + "/followers" }
func (u urls) following(name string) string { return u.actor(name) + "/following" }
func (u urls) sharedInbox() string          { return u.site.URL("/ap/inbox") }

// Wants reports whether r asks for an ActivityStreams document rather
// than a page: Accept names application/activity+json, or
// application/ld+json (with the ActivityStreams profile, or none).
func Wants(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			switch mt {
			case ActivityType:
				return !zeroQ(params)
			case "application/ld+json":
				if !zeroQ(params) && (!strings.Contains(params, "profile") || strings.Contains(params, "activitystreams")) {
					return true
				}
			}
		}
	}
	return false
}

func zeroQ(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimSpace(v)
			return v == "0" || v == "0.0" || v == "0.00" || v == "0.000"
		}
	}
	return false
}

// Run delivers and publishes until ctx is done, while leading says
// this server is the fleet's one to (publish.go, queue.go).
func (s *Service) Run(ctx context.Context, leading func() bool) {
	var wg sync.WaitGroup
	wg.Go(func() { s.publishLoop(ctx, leading) })
	wg.Go(func() { s.deliverLoop(ctx, leading) })
	wg.Wait()
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
