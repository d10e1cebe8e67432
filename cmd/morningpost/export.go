package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers"
	"github.com/morningpost/morningpost/handlers/export"
)

// exportCacheBytes bounds the export's feed cache (serve's is
// feedCacheBytes).
const exportCacheBytes = 4 << 20

// exportConfig is what "morningpost export" was asked to do.
type exportConfig struct {
	content string
	baseURL string
	data    string
	// databaseURL is the PostgreSQL store a fleet shares, as serve uses it.
	databaseURL string
	// hubs, when not nil, replace websub_hubs (MORNINGPOST_WEBSUB_HUBS),
	// as for serve: feeds name their hubs, so both must name the same.
	hubs []string
	at   time.Time // the moment exported: what is public then
	// asOf: at is another moment than now (--at). The store is read,
	// never written: only what really became public, at the moment it
	// did, is recorded.
	asOf bool
	out  string
	// progress shows a progress line on stderr (a terminal).
	progress bool
}

func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	limitExportMemory(getenv)
	fs := flags("export", "[--content DIR] [--base-url URL] [--data DIR] [--database-url URL] [--at RFC3339] OUTDIR", stderr)
	var cfg exportConfig
	fs.StringVar(&cfg.content, "content", getenv("MORNINGPOST_CONTENT"), "content `folder` (default: the embedded sample; env MORNINGPOST_CONTENT)")
	fs.StringVar(&cfg.baseURL, "base-url", getenv("MORNINGPOST_BASE_URL"), "absolute `URL` the site is reached at, overriding base_url (env MORNINGPOST_BASE_URL)")
	fs.StringVar(&cfg.data, "data", getenv("MORNINGPOST_DATA"), dataHelp)
	databaseFlag(fs, &cfg.databaseURL, getenv)
	at := fs.String("at", "", "export what is public at this `time` (RFC 3339, e.g. 2026-04-26T06:00:00Z) instead of now")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	cfg.out = fs.Arg(0)
	hubs, err := hubsFromEnv(getenv)
	if err != nil {
		return err
	}
	if cfg.data, err = dataFolder(getenv, cfg.data, cfg.content, cfg.databaseURL); err != nil {
		return err
	}
	cfg.hubs = hubs
	cfg.at = time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "--at %q: want an RFC 3339 time such as 2026-04-26T06:00:00Z\n", *at)
			return errUsage
		}
		cfg.at = t
		cfg.asOf = t.Sub(time.Now()).Abs() > asOfSlack
	}
	cfg.progress = isTerminal(stderr)
	return runExport(ctx, cfg, stdout, stderr)
}

// asOfSlack is how far from the clock --at may be and still be the
// moment of the export: a script passing $(date) is exporting now.
const asOfSlack = time.Minute

// runExport writes the site as it is public at cfg.at into cfg.out.
func runExport(ctx context.Context, cfg exportConfig, stdout, stderr io.Writer) error {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	now := func() time.Time { return cfg.at }
	// The store serve uses: the record of when each entry first became
	// public and when each document last changed, so the files' times are
	// the Last-Modified serve sends, and the slugs of every article's URLs,
	// so the export answers the URLs serve does. An export as of another
	// moment reads it and keeps what it would record to itself. A data folder that cannot be opened
	// (PostgreSQL is another matter) leaves the entries dated by their
	// files alone, which is deterministic.
	db, err := openStore(ctx, cfg.data, cfg.databaseURL)
	if err != nil {
		if cfg.databaseURL != "" {
			return err
		}
		log.Warn("store unavailable: entries are dated by their files alone", "error", err)
		db = nil
	}
	// Bodies are rendered when a document that is not read back from
	// the last export's files asks for them.
	liveOpts := content.LiveOptions{WebSubHubs: cfg.hubs, Lazy: true}
	// The export asks for each document once: a cache holding more than
	// the documents being exported at the moment only keeps the heap at
	// its soft limit, where the collector runs without end.
	feeds := feed.NewIdentityCache(exportCacheBytes)
	if db != nil {
		defer db.Close()
		ledger := store.NewLedger(db, now, log)
		if cfg.asOf {
			ledger.ReadOnly()
		}
		liveOpts.Record = ledger
		liveOpts.Slugs = store.NewSlugs(db)
		feeds.UseStamps(ledger)
	}
	_, live, err := openLive(cfg.content, cfg.baseURL, now, log, stderr, "nothing was written to "+cfg.out, liveOpts)
	if err != nil {
		return err
	}
	defer live.Close()
	site := live.Content().Site
	// The fediverse account's documents that can be static, answered by
	// the account as serve answers them (its key is in the store).
	var fedi *activitypub.Service
	if site.Fediverse != nil && db == nil {
		log.Warn("activitypub: the fediverse account needs the store (its key is there); its documents are not exported")
	} else if site.Fediverse != nil {
		fedi = activitypub.New(activitypub.Options{DB: db, Content: live, Now: now, Logger: log, Version: buildVersion()})
	}
	h, err := handlers.NewServer(handlers.Deps{
		Content:     live,
		Feeds:       feeds,
		Now:         now,
		Logger:      log,
		ActivityPub: fedi,
	})
	if err != nil {
		return err
	}
	if len(site.Sources) > 0 && site.SourcesPublic {
		// The combined feed of the sources is public: export it as the
		// store holds it (serve polls; the export does not).
		if db == nil {
			return fmt.Errorf("upstream sources need the store in %s", cfg.data)
		}
		h.SetSources(upstream.New(db))
	}
	snap := live.At(cfg.at)
	siteURL, err := url.Parse(site.URL("/"))
	if err != nil {
		return fmt.Errorf("base URL: %w", err)
	}
	// Documents the last export rendered under the same keys are read
	// back from its files, not rendered again.
	namespace := exportNamespace(siteURL, site.WebSubHubs)
	renders := export.NewRenders(cfg.out, namespace)
	feeds.UseRenders(renders)
	opts := export.Options{
		Handler:   h,
		Base:      siteURL,
		Roots:     handlers.ExportRoots(), // the route table says what the export writes
		Skip:      handlers.NotExported,
		Fallback:  newestChange(snap),
		Identity:  true,
		Renders:   renders,
		Namespace: namespace,
		Moved:     snap.Moved(),
		GzipOnly:  handlers.GzipOnly,
	}
	if fedi != nil {
		static, err := fedi.Static(ctx)
		if err != nil {
			return err
		}
		for _, d := range static {
			opts.Extra = append(opts.Extra, export.Extra{Target: d.Target, Accept: activitypub.ActivityType, Arg: d.Arg, Match: d.Match, Object: d.Object})
		}
	}
	if cfg.progress {
		opts.Progress = func(p export.Progress) {
			fmt.Fprintf(stderr, "\rexporting: %d documents, %d to go, %d files written ", p.Documents, p.Pending, p.Wrote)
		}
	}
	res, err := export.Export(ctx, cfg.out, opts)
	if cfg.progress {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	for i, l := range res.Broken {
		if i == 5 {
			fmt.Fprintf(stderr, "  … and %d more\n", len(res.Broken)-i)
			break
		}
		if i == 0 {
			fmt.Fprintf(stderr, "%d link%s to the site answer 404 (not exported):\n", len(res.Broken), plural(len(res.Broken)))
		}
		fmt.Fprintf(stderr, "  %s (linked from %s)\n", l.To, l.From)
	}
	for _, u := range res.Unexportable {
		if strings.HasPrefix(u, "/search?") {
			continue // the search page's file answers every query itself, in the browser (search.js)
		}
		fmt.Fprintf(stderr, "not exported: %s answers other bytes than the same path without its query, which a file cannot hold\n", u)
	}
	if res.Advanced > 0 {
		fmt.Fprintf(stderr, "note: %d document%s changed while the Last-Modified the server sends did not; their files are dated a second past the last export, so readers see the change\n", res.Advanced, plural(res.Advanced))
	}
	if res.HeaderRules > 100 {
		fmt.Fprintf(stderr, "note: _headers has %d rules; Cloudflare Pages reads only the first 100 (Netlify reads all)\n", res.HeaderRules)
	}
	fmt.Fprintf(stdout, "exported %d documents as of %s to %s: %d files, wrote %d, kept %d, removed %d (%.1fs)\n",
		res.Documents, cfg.at.UTC().Format(time.RFC3339), cfg.out, res.Files, res.Wrote, res.Kept, res.Removed, time.Since(start).Seconds())
	if snap.Next.IsZero() {
		fmt.Fprintln(stdout, "no issue is scheduled")
	} else {
		fmt.Fprintf(stdout, "next publication: %s (in %s); export again then\n",
			snap.Next.UTC().Format(time.RFC3339), snap.Next.Sub(cfg.at).Round(time.Minute))
	}
	return nil
}

// newestChange is the time of the newest change of what is public: the
// time of documents the server sends without Last-Modified (pages), when
// they are new or changed.
func newestChange(snap *content.Snapshot) time.Time {
	var t time.Time
	for _, iss := range snap.Issues {
		if m := iss.Modified(); m.After(t) {
			t = m
		}
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC()
}

// openLive loads the content folder (the sample when empty) for serving
// at baseURL (base_url when empty), published by the clock now. Content problems are printed to
// stderr, one path:line: message a line, and the error says what follows
// (then).
// extra gives the options only serve has (Record, WebSubHubs).
func openLive(dir, baseURL string, now func() time.Time, log *slog.Logger, stderr io.Writer, then string, extra content.LiveOptions) (fs.FS, *content.Live, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, nil, err
	}
	fsys, err := contentFS(dir)
	if err != nil {
		return nil, nil, err
	}
	extra.BaseURL, extra.Logger, extra.Now = base, log, now
	live, err := content.NewLive(fsys, extra)
	if err != nil {
		var ps content.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stderr, p)
			}
			return nil, nil, fmt.Errorf("content has %d problem%s; %s", len(ps), plural(len(ps)), then)
		}
		return nil, nil, err
	}
	return fsys, live, nil
}

// parseBaseURL checks --base-url: empty, or an absolute http(s) URL.
func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--base-url %q must be an absolute http(s) URL", s)
	}
	return u, nil
}

// isTerminal reports whether w is a terminal, where a progress line
// that rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
