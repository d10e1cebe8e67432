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
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers"
)

// Server limits. A client that never finishes its headers is cut off after
// readHeaderTimeout; feeds are small, so the write timeout is generous for
// slow readers without letting a connection live for ever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 32 << 10
	shutdownTimeout   = 20 * time.Second
	feedCacheBytes    = 32 << 20 // the hot feeds are a few MB; archives are fetched rarely
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

	// Set by tests: the clock deciding what is published, and a callback
	// told the address once the server listens.
	now          func() time.Time
	ready        func(addr string)
	metricsReady func(addr string)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	limitMemory(getenv)
	fs := flags("serve", "[--addr HOST:PORT] [--content DIR] [--base-url URL]", stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "MORNINGPOST_ADDR", ":8080"), "`address` to listen on (env MORNINGPOST_ADDR)")
	fs.StringVar(&cfg.content, "content", getenv("MORNINGPOST_CONTENT"), "content `folder` (default: the embedded sample; env MORNINGPOST_CONTENT)")
	fs.StringVar(&cfg.baseURL, "base-url", getenv("MORNINGPOST_BASE_URL"), "absolute `URL` the site is reached at, overriding base_url (env MORNINGPOST_BASE_URL)")
	fs.StringVar(&cfg.data, "data", envOr(getenv, "MORNINGPOST_DATA", defaultData), "`folder` of the store: the audience's counts, upstream sources, and when each entry first became public (env MORNINGPOST_DATA)")
	databaseFlag(fs, &cfg.databaseURL, getenv)
	fs.StringVar(&cfg.previewToken, "preview-token", getenv("MORNINGPOST_PREVIEW_TOKEN"), "`token` that opens the editor's private preview at /preview; off when empty (env MORNINGPOST_PREVIEW_TOKEN)")
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
	hubs, err := hubsFromEnv(getenv)
	if err != nil {
		return err
	}
	cfg.hubs = hubs
	return runServer(ctx, cfg, stderr)
}

// runServer serves until ctx is done, then shuts down gracefully.
func runServer(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	log, err := newLogger(cfg.logFormat, stderr)
	if err != nil {
		return err
	}
	// The store: what every restart and every replica must agree on.
	// PostgreSQL that cannot be reached stops the start; a data folder
	// that cannot be opened does not stop a site without sources: it is
	// served with entries dated by their files alone, nothing remembered.
	db, err := openStore(ctx, cfg.data, cfg.databaseURL)
	if err != nil && cfg.databaseURL != "" {
		return err
	}
	storeErr := err
	opts := content.LiveOptions{WebSubHubs: cfg.hubs}
	var ledger *store.Ledger
	if storeErr != nil {
		log.Error("store unavailable: entries are dated by their files alone and the audience counted in memory", "error", storeErr)
	} else {
		defer db.Close()
		ledger = store.NewLedger(db, cfg.now, log)
		opts.Record = ledger
	}
	fsys, live, err := openLive(cfg.content, cfg.baseURL, cfg.now, log, stderr, "fix them (morningpost check) and start again", opts)
	if err != nil {
		return err
	}
	if db == nil && len(live.Content().Site.Sources) > 0 {
		return fmt.Errorf("upstream sources need the store: %w", storeErr)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	metrics := handlers.NewMetrics()

	// Long-lived responses (the preview's live reload stream) end when
	// shutdown starts; Shutdown would otherwise wait for them in vain.
	streams, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	aud := openAudience(db)
	feeds := feed.NewCache(feedCacheBytes)
	var status *handlers.StoreStatus
	if db != nil {
		feeds.UseStamps(ledger)
		status = handlers.NewStoreStatus(db.Engine().String())
	}
	h, err := handlers.NewServer(handlers.Deps{
		Store:        status,
		Content:      live,
		Feeds:        feeds,
		Now:          cfg.now,
		Logger:       log,
		PreviewToken: cfg.previewToken,
		Done:         streams.Done(),

		RateLimit:      cfg.rateLimit,
		TrustedProxies: cfg.trustedProxies,
		Metrics:        metrics,
		MetricsPrivate: cfg.metricsAddr != "",
		AccessLog:      cfg.accessLog,
		Audience:       aud,
	})
	if err != nil {
		return err
	}
	// The audience's counts are written every minute, and at every
	// return once the last response is counted.
	stopAudience := runAudience(h)
	defer stopAudience()

	// Upstream sources: the store and the background poller. They stop
	// after the HTTP server, and on every return; polls in flight finish
	// before the store closes.
	pollerDone, leading := startSources(ctx, cfg, db, live, fsys, h, metrics, status, log) // db nil: nothing to poll
	pinged := startWebSub(ctx, cfg, live, feeds, leading, metrics, log)
	defer func() {
		cancel()
		<-pollerDone
		pinged()
	}()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	msrv, err := serveMetrics(cfg, metrics, log)
	if err != nil {
		ln.Close()
		return err
	}
	if msrv != nil {
		defer msrv.Close()
	}
	srv := newHTTPServer(h, log)
	srv.ConnContext = handlers.ConnContext
	srv.RegisterOnShutdown(endStreams)
	// Plain feed requests are answered on the connection; net/http gets
	// every connection that asks for anything else.
	fast := h.Listen(ln, srv)

	if cfg.content != "" {
		go func() {
			if err := live.Watch(ctx, cfg.content); err != nil {
				log.Error("content watcher stopped; edits need a restart", "error", err)
			}
		}()
	}

	c := live.Content()
	log.Info("serving", "addr", ln.Addr().String(), "url", c.Site.URL("/"), "content", contentName(cfg.content), "version", c.Version, "issues", len(c.Issues))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(fast) }()
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := fast.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if msrv != nil {
		_ = msrv.Shutdown(sctx)
	}
	stopAudience() // every response is counted: the last minute's counts are written
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	cancel()
	<-pollerDone // the poller finishes its polls in flight before the store closes
	log.Info("stopped")
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

// newHTTPServer is an http.Server for h with the timeouts and limits of
// every address serve listens on.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
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
	srv := newHTTPServer(mux, log)
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
