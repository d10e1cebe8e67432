package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers"
)

// defaultData is where the upstream store lives unless --data says.
const defaultData = "./data"

// upstreamSources maps the sources of morningpost.yaml to the poller's.
func upstreamSources(site *content.Site) []upstream.Source {
	out := make([]upstream.Source, 0, len(site.Sources))
	for _, s := range site.Sources {
		out = append(out, upstream.Source{
			Name: s.Name, URL: s.URL, Interval: s.Interval, Keep: s.Keep, MaxAge: s.MaxAge, Section: string(s.Section),
		})
	}
	return out
}

// databaseFlag adds --database-url to fs.
func databaseFlag(fs *flag.FlagSet, url *string, getenv func(string) string) {
	fs.StringVar(url, "database-url", getenv("MORNINGPOST_DATABASE_URL"), "PostgreSQL `URL` of the store a fleet shares (postgres://user:password@host/db); then nothing is written under --data (env MORNINGPOST_DATABASE_URL)")
}

// openStore opens the store: PostgreSQL at databaseURL when set, else
// SQLite in dataDir.
func openStore(ctx context.Context, dataDir, databaseURL string) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{Dir: dataDir, URL: databaseURL})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return db, nil
}

// openSources opens the store and a poller over the site's sources,
// reading file: sources from fsys.
func openSources(ctx context.Context, dataDir, databaseURL string, fsys fs.FS, site *content.Site, log *slog.Logger, onResult func(upstream.Result)) (*upstream.Store, *upstream.Poller, error) {
	st, err := upstream.OpenStore(ctx, store.Options{Dir: dataDir, URL: databaseURL})
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	p, err := upstream.NewPoller(ctx, st, upstreamSources(site), upstream.Options{FS: fsys, Logger: log, OnResult: onResult})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, p, nil
}

// startSources opens the upstream store and polls the site's sources in
// the background until ctx is done, then closes the store and closes the
// channel returned. A site that reads no sources yet opens no store (and
// makes no data folder); when a reload of a content folder adds the first
// source, the store opens then, and h serves /sources from it.
func startSources(ctx context.Context, cfg serveConfig, db *store.DB, live *content.Live, fsys fs.FS, h *handlers.Server, metrics *handlers.Metrics, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	opts := upstream.Options{FS: fsys, Logger: log, OnResult: func(r upstream.Result) {
		metrics.ObservePoll(r.Source, pollResult(r))
	}}
	open := func() (*upstream.Store, error) {
		st := upstream.New(db)
		h.SetSources(st)
		log.Info("polling upstream sources", "sources", len(live.Content().Site.Sources), "store", st.Path())
		return st, nil
	}
	run := func(st *upstream.Store) {
		polled := pollSources(ctx, live, st, opts, log)
		go func() {
			<-polled
			close(done)
		}()
	}
	switch {
	case len(live.Content().Site.Sources) > 0:
		store, err := open()
		if err != nil {
			return nil, err
		}
		run(store)
	case cfg.content != "": // a folder, which editors may give sources later
		events, unsubscribe := live.Subscribe()
		go func() {
			for {
				select {
				case <-ctx.Done():
					unsubscribe()
					close(done)
					return
				case <-events:
					if len(live.Content().Site.Sources) == 0 {
						continue
					}
					store, err := open()
					if err != nil {
						log.Error("upstream sources not polled", "error", err)
						continue // tried again at the next change
					}
					unsubscribe()
					run(store)
					return
				}
			}
		}()
	default:
		close(done)
	}
	return done, nil
}

// pollSources polls the site's sources in the background until ctx is
// done, following the content: when a reload changes sources:, the poller
// is replaced by one over the new list (the store keeps every source's
// state, so nothing is fetched again before it is due). The first poller
// is made before pollSources returns, so the store lists the configured
// sources from the first request on; the channel returned is closed when
// the polls in flight have finished.
func pollSources(ctx context.Context, live *content.Live, store *upstream.Store, opts upstream.Options, log *slog.Logger) <-chan struct{} {
	events, unsubscribe := live.Subscribe()
	start := func() (srcs []upstream.Source, stop func()) {
		srcs = upstreamSources(live.Content().Site)
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		p, err := upstream.NewPoller(pctx, store, srcs, opts)
		if err != nil {
			log.Error("upstream sources not polled", "error", err)
			close(done)
		} else {
			go func() {
				defer close(done)
				defer p.Close()
				if err := p.Run(pctx); err != nil {
					log.Error("upstream poller stopped", "error", err)
				}
			}()
		}
		return srcs, func() {
			cancel()
			<-done // polls in flight finish before the next poller starts
		}
	}
	srcs, stop := start()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				stop()
				return
			case <-events:
				if slices.Equal(upstreamSources(live.Content().Site), srcs) {
					continue
				}
				stop()
				log.Info("upstream sources changed", "sources", len(live.Content().Site.Sources))
				srcs, stop = start()
			}
		}
	}()
	return finished
}

func sourcesCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "poll" {
		fmt.Fprintln(stderr, "Usage: morningpost sources poll [--content DIR] [--data DIR]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errUsage
	}
	fs := flags("sources poll", "[--content DIR] [--data DIR]", stderr)
	dir := fs.String("content", getenv("MORNINGPOST_CONTENT"), "content `folder` whose morningpost.yaml lists the sources (default: the embedded sample; env MORNINGPOST_CONTENT)")
	data := fs.String("data", envOr(getenv, "MORNINGPOST_DATA", defaultData), "`folder` of the upstream store (env MORNINGPOST_DATA)")
	var databaseURL string
	databaseFlag(fs, &databaseURL, getenv)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	fsys, c, err := loadContent(*dir, stdout, stderr)
	if err != nil {
		return err
	}
	st, p, err := openSources(ctx, *data, databaseURL, fsys, c.Site, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(p.Sources()) == 0 {
		fmt.Fprintln(stdout, "no sources: add some under sources: in morningpost.yaml")
		return nil
	}
	// One line per source, whatever it answered: the command ran.
	fmt.Fprint(stdout, p.PollAll(ctx).String())
	return nil
}

// loadContent loads the content of dir (or the sample), printing every
// problem when it does not load.
func loadContent(dir string, stdout, stderr io.Writer) (fs.FS, *content.Content, error) {
	fsys, err := contentFS(dir)
	if err != nil {
		return nil, nil, err
	}
	c, err := content.Load(fsys)
	if err != nil {
		var ps content.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stdout, p)
			}
			fmt.Fprintf(stderr, "morningpost: %d problem%s\n", len(ps), plural(len(ps)))
		}
		return nil, nil, err
	}
	return fsys, c, nil
}

// Lengths of drafted lists, as in the printed issue.
const (
	draftTools   = 4
	draftReading = 3
)

func newIssue(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("new-issue", "[--content DIR] [--data DIR] [--from-sources]", stderr)
	dir := fs.String("content", getenv("MORNINGPOST_CONTENT"), "content `folder` to add the issue to (env MORNINGPOST_CONTENT)")
	data := fs.String("data", envOr(getenv, "MORNINGPOST_DATA", defaultData), "`folder` of the upstream store (env MORNINGPOST_DATA)")
	fromSources := fs.Bool("from-sources", false, "poll the sources, then draft tools of the week and weekend reading from their freshest items")
	var databaseURL string
	databaseFlag(fs, &databaseURL, getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("new-issue needs --content DIR (the embedded sample cannot be written to; start one with: morningpost init DIR)")
	}
	fsys, c, err := loadContent(*dir, stdout, stderr)
	if err != nil {
		return err
	}
	d := content.NextDraft(c, time.Now())
	if *fromSources {
		st, p, err := openSources(ctx, *data, databaseURL, fsys, c.Site, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range p.PollAll(ctx) {
			fmt.Fprintln(stderr, "source", r)
		}
		if d.Tools, d.Reading, err = draftLists(ctx, st); err != nil {
			return err
		}
	}
	files := content.Scaffold(d)
	issueDir := filepath.Join(*dir, "issues", fmt.Sprint(d.Number))
	if _, err := os.Stat(issueDir); err == nil {
		return fmt.Errorf("new-issue: %s already exists", issueDir)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(*dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", p)
	}
	fmt.Fprintf(stdout, "Issue %d, dated %s, is a draft: write it, then remove `draft: true` from %s.\n",
		d.Number, d.Date.Format("Monday 2 January 2006"), filepath.Join(issueDir, "issue.md"))
	return nil
}

// draftLists picks the freshest upstream items for tools of the week and
// weekend reading: items of sources hinted for the list (or not hinted),
// never the same item twice.
func draftLists(ctx context.Context, store *upstream.Store) (tools, reading []content.ListItem, err error) {
	used := map[string]bool{}
	pick := func(section string, n int) ([]content.ListItem, error) {
		items, err := store.Freshest(ctx, section, 50)
		if err != nil {
			return nil, err
		}
		var out []content.ListItem
		for _, it := range items {
			if len(out) == n {
				break
			}
			if used[it.ID] || (it.Section != "" && it.Section != section) || it.Title == "" {
				continue
			}
			used[it.ID] = true
			desc := firstLine(it.Summary)
			if desc == "" {
				desc = "From " + it.SourceName + "."
			}
			out = append(out, content.ListItem{Name: content.Truncate(it.Title, 80), Description: desc, Link: it.Link, Source: it.SourceName})
		}
		return out, nil
	}
	if tools, err = pick("tools", draftTools); err != nil {
		return nil, nil, err
	}
	if reading, err = pick("reading", draftReading); err != nil {
		return nil, nil, err
	}
	return tools, reading, nil
}

// firstLine returns the first sentence of a summary, at most 160 characters.
func firstLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	return content.Truncate(s, 160)
}
