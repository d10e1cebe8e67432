package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/handlers"
)

// shutdownTimeout bounds a graceful shutdown: requests in flight get
// this long to finish. The server's own timeouts and sizes are
// handlers.DefaultLimits, one set for every address serve listens on.
const (
	shutdownTimeout = 20 * time.Second
	feedCacheBytes  = 32 << 20 // the hot feeds are a few MB; archives are fetched rarely
)

type serveConfig struct {
	addr      string
	content   string
	baseURL   string
	logFormat string
	data      string // folder of the SQLite store: the audience, upstream sources, first-public record
	// databaseURL, when set, is the PostgreSQL store shared by a fleet;
	// then nothing is written under data.
	databaseURL string
	// previewToken opens the editor's desk (/preview); empty: closed.
	previewToken string
	// Abuse control and logging (observe.go).
	rateLimit      int
	trustedProxies []netip.Prefix
	accessLog      bool
	// metricsAddr, when set, serves /metrics there instead of on addr.
	metricsAddr string
	// hubs, when not nil, replace websub_hubs (MORNINGPOST_WEBSUB_HUBS).
	hubs []string
	// leaseTerm is the term of the fleet's polling lease (default 30s).
	leaseTerm time.Duration
	// allowPrivate lets sources and hubs reach private addresses
	// (MORNINGPOST_ALLOW_PRIVATE_NETWORKS).
	allowPrivate bool

	// Set by tests: the clock deciding what is published, the server's
	// timeouts (zero: handlers.DefaultLimits), a callback called once
	// the content is first loaded (before it is watched), and one told
	// the address once the server listens.
	now          func() time.Time
	limits       handlers.Limits
	loaded       func()
	ready        func(addr string)
	metricsReady func(addr string)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	limitMemory(getenv)
	fs := flags("serve", serveSynopsis, stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "MORNINGPOST_ADDR", "localhost:8080"), "`address` to listen on: this machine only by default; :8080 for every interface (env MORNINGPOST_ADDR)")
	fs.StringVar(&cfg.content, "content", getenv("MORNINGPOST_CONTENT"), "content `folder` (default: the embedded sample; env MORNINGPOST_CONTENT)")
	fs.StringVar(&cfg.baseURL, "base-url", getenv("MORNINGPOST_BASE_URL"), "absolute `URL` the site is reached at, overriding base_url (env MORNINGPOST_BASE_URL)")
	fs.StringVar(&cfg.data, "data", getenv("MORNINGPOST_DATA"), dataHelp)
	databaseFlag(fs, &cfg.databaseURL, getenv)
	fs.StringVar(&cfg.previewToken, "preview-token", getenv("MORNINGPOST_PREVIEW_TOKEN"), "`token` that opens the editor's private preview at /preview, at least 16 characters; off when empty. Any user can read it in ps: prefer --preview-token-file (env MORNINGPOST_PREVIEW_TOKEN)")
	tokenFile := fs.String("preview-token-file", getenv("MORNINGPOST_PREVIEW_TOKEN_FILE"), "`file` holding the preview token (its first line), for --preview-token without showing it in ps (env MORNINGPOST_PREVIEW_TOKEN_FILE)")
	fs.StringVar(&cfg.logFormat, "log-format", envOr(getenv, "MORNINGPOST_LOG_FORMAT", "text"), "log `format`: text or json (env MORNINGPOST_LOG_FORMAT)")
	if err := observeFlags(fs, &cfg, getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	token, err := previewToken(cfg.previewToken, *tokenFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	cfg.previewToken = token
	hubs, err := hubsFromEnv(getenv)
	if err != nil {
		return err
	}
	cfg.hubs = hubs
	if cfg.data, err = dataFolder(getenv, cfg.data, cfg.content, cfg.databaseURL); err != nil {
		return err
	}
	cfg.allowPrivate = allowPrivate(getenv)
	return runServer(ctx, cfg, stderr)
}

// serveSynopsis lists every flag of serve, for its usage line.
const serveSynopsis = "[--addr HOST:PORT] [--content DIR] [--base-url URL] [--data DIR] [--database-url URL]\n" +
	"    [--preview-token TOKEN | --preview-token-file FILE] [--log-format text|json] [--access-log=false]\n" +
	"    [--rate-limit N] [--trusted-proxies CIDRs] [--metrics-addr HOST:PORT]"

// minPreviewToken is the length below which a preview token is refused:
// 16 characters, the shortest that "openssl rand -hex 16" (32) halves.
const minPreviewToken = 16

// previewToken is the preview token of --preview-token or, when file is
// set, the first line of file: one of them, not both. A token shorter
// than minPreviewToken is refused, whichever way it came.
func previewToken(flagToken, file string) (string, error) {
	token, from := flagToken, "--preview-token"
	if file != "" {
		if flagToken != "" {
			return "", errors.New("--preview-token and --preview-token-file (or their MORNINGPOST_ variables) both set: give one")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--preview-token-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		token, from = strings.TrimSpace(line), "--preview-token-file "+file
		if token == "" {
			return "", fmt.Errorf("%s: the file holds no token", from)
		}
	}
	if token != "" && utf8.RuneCountInString(token) < minPreviewToken {
		return "", fmt.Errorf("%s: the preview token has %d characters; it needs at least %d (make one with: openssl rand -hex 16)", from, utf8.RuneCountInString(token), minPreviewToken)
	}
	return token, nil
}

// runServer serves until ctx is done, then shuts down gracefully.
//
// What starts, in order: the store, the content watcher, the content,
// the handlers, the listeners (the site's, then /metrics's own: an
// address in use stops the start before anything runs in the
// background), the audience's writer, the upstream sources and WebSub
// pings, the following of the watcher's events; then the site is
// served. What stops, once ctx is done: the site's server
// (requests in flight finish), the metrics server, the audience's
// writer (with the last counts), then the watcher, sources and pings,
// whose polls in flight finish before the store closes.
func runServer(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	log, err := newLogger(cfg.logFormat, stderr)
	if err != nil {
		return err
	}
	st, err := openServeStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.close()
	// The folder is watched before it is read: an edit saved while the
	// content loads, or before the site first answers, is served.
	watcher := watchFolder(cfg.content, log)
	if watcher != nil {
		defer watcher.Close() // when Follow never took it over; closing twice is harmless
	}
	fsys, live, err := openLive(cfg.content, cfg.baseURL, cfg.now, log, stderr, "fix them (morningpost check) and start again", st.liveOptions(cfg.hubs))
	if err != nil {
		return err
	}
	defer live.Close()
	if cfg.loaded != nil {
		cfg.loaded()
	}
	if st.db == nil && len(live.Content().Site.Sources) > 0 {
		return fmt.Errorf("upstream sources need the store: %w", st.err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	metrics := handlers.NewMetrics()
	feeds := st.feedCache()
	st.fedi = newActivityPub(cfg, st.db, live, metrics, log) // the fediverse account (activitypub.go)
	h, err := newSite(cfg, live, feeds, st, metrics, log)
	if err != nil {
		return err
	}
	// The addresses are taken before anything runs in the background:
	// with a port in use, serve fails before polling any source.
	ln, msrv, err := listen(cfg, metrics, log)
	if err != nil {
		return err
	}
	defer ln.Close() // closed already once served; here for the returns before
	if msrv != nil {
		defer msrv.Close()
	}

	// The audience's counts are written every minute, and at every
	// return once the last response is counted.
	stopAudience := runAudience(h)
	defer stopAudience()

	// Upstream sources: the store and the background poller. They stop
	// after the HTTP server, and on every return; polls in flight finish
	// before the store closes.
	db, status := st.db, st.status
	pollerDone, leading := startSources(ctx, cfg, db, live, fsys, h, metrics, status, log) // db nil: nothing to poll
	pinged := startWebSub(ctx, cfg, live, feeds, leading, metrics, log)
	searched := startSearch(ctx, st.search, live, cfg.now, log)
	federated := startActivityPub(ctx, cfg, st.fedi)
	defer func() {
		cancel()
		<-pollerDone
		pinged()
		searched()
		federated()
	}()

	followContent(ctx, watcher, live, log)
	served := startServing(cfg, h, ln, live, log)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	// Stopping, in order.
	if err := shutdown(h, msrv, log); err != nil {
		return err
	}
	stopAudience() // every response is counted: the last minute's counts are written
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	cancel()
	<-pollerDone // the poller finishes its polls in flight before the store closes
	log.Info("stopped")
	return nil
}

// serveStore is the store as serve opened it: what every restart and
// every replica must agree on.
type serveStore struct {
	db     *store.DB // nil when the data folder could not be opened
	err    error     // why db is nil
	ledger *store.Ledger
	slugs  *store.Slugs          // every URL of every article
	status *handlers.StoreStatus // what /healthz reports of it
	search *search.Index         // the full-text index of /search; nil without the store
	fedi   *activitypub.Service  // the fediverse account; nil without a store
}

// openServeStore opens the store. PostgreSQL that cannot be reached
// stops the start; a data folder that cannot be opened does not stop a
// site without sources: it is served with entries dated by their files
// alone, nothing remembered.
func openServeStore(ctx context.Context, cfg serveConfig, log *slog.Logger) (*serveStore, error) {
	db, err := openStore(ctx, cfg.data, cfg.databaseURL)
	if err != nil {
		if cfg.databaseURL != "" {
			return nil, err
		}
		log.Error("store unavailable: entries are dated by their files alone and the audience counted in memory", "error", err)
		return &serveStore{err: err}, nil
	}
	return &serveStore{
		db:     db,
		ledger: store.NewLedger(db, cfg.now, log),
		slugs:  store.NewSlugs(db),
		status: handlers.NewStoreStatus(db.Engine().String()),
		search: search.New(search.NewEngine(db)),
	}, nil
}

// liveOptions are the content's options: the WebSub hubs, the ledger
// recording when each entry first became public, and the slugs keeping
// every article's URL.
func (st *serveStore) liveOptions(hubs []string) content.LiveOptions {
	opts := content.LiveOptions{WebSubHubs: hubs}
	if st.ledger != nil {
		opts.Record = st.ledger
	}
	if st.slugs != nil {
		opts.Slugs = st.slugs
	}
	return opts
}

// feedCache is the cache of rendered feeds, dated by the ledger when
// there is one.
func (st *serveStore) feedCache() *feed.Cache {
	feeds := feed.NewCache(feedCacheBytes)
	if st.ledger != nil {
		feeds.UseStamps(st.ledger)
	}
	return feeds
}

func (st *serveStore) close() {
	if st.db != nil {
		st.db.Close()
	}
}

// newSite is the site's HTTP server.
func newSite(cfg serveConfig, live *content.Live, feeds *feed.Cache, st *serveStore, metrics *handlers.Metrics, log *slog.Logger) (*handlers.Server, error) {
	return handlers.NewServer(handlers.Deps{
		Store:        st.status,
		Content:      live,
		Feeds:        feeds,
		Now:          cfg.now,
		Logger:       log,
		PreviewToken: cfg.previewToken,
		Limits:       cfg.limits,
		Version:      buildVersion(),

		RateLimit:      cfg.rateLimit,
		TrustedProxies: cfg.trustedProxies,
		Metrics:        metrics,
		MetricsPrivate: cfg.metricsAddr != "",
		AccessLog:      cfg.accessLog,
		Audience:       openAudience(st.db),
		Search:         st.search,
		ActivityPub:    st.fedi,
	})
}

// watchFolder starts watching the content folder; nil for the embedded
// sample, which never changes, or when the folder cannot be watched
// (logged: the site is served, edits need a restart).
func watchFolder(dir string, log *slog.Logger) *content.Watcher {
	if dir == "" {
		return nil
	}
	w, err := content.NewWatcher(dir)
	if err != nil {
		log.Error("content watcher stopped; edits need a restart", "error", err)
		return nil
	}
	return w
}

// followContent reloads the content on every change the watcher saw
// or sees, until ctx is done.
func followContent(ctx context.Context, w *content.Watcher, live *content.Live, log *slog.Logger) {
	if w == nil {
		return
	}
	go func() {
		if err := live.Follow(ctx, w); err != nil {
			log.Error("content watcher stopped; edits need a restart", "error", err)
		}
	}()
}

// listen opens the site's address and, when --metrics-addr is set,
// serves /metrics on its own.
func listen(cfg serveConfig, metrics *handlers.Metrics, log *slog.Logger) (net.Listener, *http.Server, error) {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, nil, err
	}
	msrv, err := serveMetrics(cfg, metrics, log)
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, msrv, nil
}

// startServing serves the site on ln; the channel says why serving
// stopped (http.ErrServerClosed after shutdown).
func startServing(cfg serveConfig, h *handlers.Server, ln net.Listener, live *content.Live, log *slog.Logger) <-chan error {
	c := live.Content()
	log.Info("serving", "addr", ln.Addr().String(), "url", c.Site.URL("/"), "content", contentName(cfg.content), "version", c.Version, "issues", len(c.Issues))
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln) }()
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	return served
}

// shutdown stops the site's server, letting requests in flight finish
// for up to shutdownTimeout, then the metrics server.
func shutdown(h *handlers.Server, msrv *http.Server, log *slog.Logger) error {
	log.Info("shutting down: finishing requests in flight")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if msrv != nil {
		_ = msrv.Shutdown(ctx)
	}
	return nil
}

func contentName(dir string) string {
	if dir == "" {
		return "embedded sample"
	}
	return dir
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// serveMetrics serves /metrics on cfg.metricsAddr, when set; nil when
// /metrics stays on the public address.
func serveMetrics(cfg serveConfig, metrics *handlers.Metrics, log *slog.Logger) (*http.Server, error) {
	if cfg.metricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler()) // and HEAD
	srv := cfg.limits.HTTPServer(mux, log)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "error", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	if cfg.metricsReady != nil {
		cfg.metricsReady(ln.Addr().String())
	}
	return srv, nil
}
