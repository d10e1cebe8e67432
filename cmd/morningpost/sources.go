package main

import (
	"cmp"
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
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers"
)

// DataDir is the store's folder inside a content folder when --data is
// not given: hidden, so the watcher, the loader and the export pass it by.
const DataDir = ".morningpost"

// dataHelp is the help of every command's --data.
const dataHelp = "`folder` of the store: when each entry first became public, upstream sources, the audience (default: CONTENT/" + DataDir + ", or a folder of your own for the embedded sample; env MORNINGPOST_DATA)"

// dataFolder is the store's folder: the one given (--data,
// MORNINGPOST_DATA); else inside the content folder, so every command
// run on the same content finds the same store wherever it is run from;
// else, for the embedded sample, a per-user state folder
// ($XDG_STATE_HOME or ~/.local/state, then morningpost/sample).
// With a PostgreSQL store it is what was given, maybe nothing.
func dataFolder(getenv func(string) string, given, contentDir, databaseURL string) (string, error) {
	switch {
	case given != "" || databaseURL != "": // PostgreSQL writes nothing under --data
		return given, nil
	case contentDir != "":
		return filepath.Join(contentDir, DataDir), nil
	}
	state := getenv("XDG_STATE_HOME")
	if state == "" {
		home := getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("no --data folder given, and no HOME to keep the sample's store in: pass --data DIR")
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "morningpost", "sample"), nil
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

// allowPrivate reads MORNINGPOST_ALLOW_PRIVATE_NETWORKS: when true,
// sources and hubs may lead to loopback, private and link-local
// addresses through redirects and names too, not only through the URL
// configured (package netguard). A value that is not a boolean is false.
func allowPrivate(getenv func(string) string) bool {
	v, _ := strconv.ParseBool(getenv("MORNINGPOST_ALLOW_PRIVATE_NETWORKS"))
	return v
}

// openSources opens the store and a poller over the site's sources,
// reading file: sources from fsys.
func openSources(ctx context.Context, dataDir, databaseURL string, fsys fs.FS, site *content.Site, log *slog.Logger, onResult func(upstream.Result), allowPrivate bool) (*upstream.Store, *upstream.Poller, error) {
	st, err := upstream.OpenStore(ctx, store.Options{Dir: dataDir, URL: databaseURL})
	if err != nil {
		return nil, nil, fmt.Errorf("store: %w", err)
	}
	p, err := upstream.NewPoller(ctx, st, site.Sources, upstream.Options{FS: fsys, Logger: log, OnResult: onResult, AllowPrivate: allowPrivate})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, p, nil
}

// pollLease names the lease of the server that polls the upstream
// sources: one server of a fleet polls them, whoever holds it.
const pollLease = "upstream-poller"

// defaultLeaseTerm is how long the polling lease lasts without renewal:
// a fleet's poller that dies is replaced within it, far within the
// shortest poll interval (5m). It is renewed, and the store's health
// checked, every third of it.
const defaultLeaseTerm = 30 * time.Second

// startSources polls the site's sources in the background until ctx is
// done, while this server holds the fleet's polling lease, and closes
// the channel returned once the polls in flight have finished. The
// store is asked for the lease every third of its term, which is also
// how status learns whether the store answers: while it does not, polling
// pauses (feeds and pages are served from memory); it resumes when the
// store answers and the lease is this server's again. A site that reads
// no sources polls nothing until a reload adds the first one; h serves
// /sources from the store on every server of the fleet.
//
// leading reports whether this server holds the lease: the one server of
// the fleet that also tells WebSub hubs of changes.
//
// The steps, in order: [sourceLease.check] once before serving, then
// [sourceLease.run] in the background: check on every tick and on edits
// that add the first source or remove the last; when ctx is done,
// [sourceLease.pause] (polls in flight finish), then the lease is
// released so another server takes over at once.
func startSources(ctx context.Context, cfg serveConfig, db *store.DB, live *content.Live, fsys fs.FS, h *handlers.Server, metrics *handlers.Metrics, status *handlers.StoreStatus, log *slog.Logger) (done <-chan struct{}, leading func() bool) {
	if db == nil { // no store: nothing to poll into, and no fleet to lead
		closed := make(chan struct{})
		close(closed)
		return closed, func() bool { return true }
	}
	term := cmp.Or(cfg.leaseTerm, defaultLeaseTerm)
	l := &sourceLease{
		ctx:   ctx,
		db:    db,
		lease: store.NewLease(db, pollLease, term, nil),
		term:  term,
		live:  live,
		store: upstream.New(db),
		opts: upstream.Options{FS: fsys, Logger: log, AllowPrivate: cfg.allowPrivate, OnResult: func(r upstream.Result) {
			metrics.ObservePoll(r.Source, r.Outcome.String())
		}},
		h:      h,
		status: status,
		log:    log,
	}
	l.check() // before serving: the store lists the configured sources from the first request
	finished := make(chan struct{})
	go l.run(finished)
	return finished, l.leads.Load
}

// sourceLease is one server's share of polling the upstream sources: it
// holds the fleet's polling lease while the store answers, and polls
// while it holds it. Its fields after log are owned by the goroutine of
// run (and by the first check, before run starts).
type sourceLease struct {
	ctx    context.Context
	db     *store.DB
	lease  *store.Lease
	term   time.Duration
	live   *content.Live
	store  *upstream.Store
	opts   upstream.Options
	h      *handlers.Server
	status *handlers.StoreStatus
	log    *slog.Logger

	polling <-chan struct{}    // while this server polls: closed when its polls end
	stop    context.CancelFunc // stops the polling
	failing bool               // the store did not answer the last check
	leads   atomic.Bool        // this server holds the lease
}

// hasSources reports whether the site reads any sources.
func (l *sourceLease) hasSources() bool { return len(l.live.Content().Site.Sources) > 0 }

// check asks the store for the lease, then polls or pauses accordingly
// and tells status whether the store answers.
func (l *sourceLease) check() {
	hasSources := l.hasSources()
	if hasSources {
		l.h.SetSources(l.store)
	}
	held, err := l.acquire()
	if l.ctx.Err() != nil {
		return
	}
	l.leads.Store(err == nil && held)
	switch lead := err == nil && held && hasSources; {
	case lead && l.polling == nil:
		l.poll()
	case !lead && l.polling != nil:
		l.pause()
		l.log.Info("upstream polling paused", "held_by_this_server", held, "store_error", err != nil)
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", l.db, err) // for editors: which store
	}
	l.status.Set(err, l.polling != nil, time.Now())
}

// acquire asks the store for the lease, within a third of its term, and
// logs when the store stops or starts answering.
func (l *sourceLease) acquire() (held bool, err error) {
	actx, cancel := context.WithTimeout(l.ctx, l.term/3)
	held, err = l.lease.Acquire(actx)
	cancel()
	if l.ctx.Err() != nil {
		return false, l.ctx.Err()
	}
	switch {
	case err != nil && !l.failing:
		l.log.Error("store unreachable: serving from memory, polling paused", "store", l.db.String(), "error", err)
	case err == nil && l.failing:
		l.log.Info("store reachable again", "store", l.db.String())
	}
	l.failing = err != nil
	return held, err
}

// poll starts polling the site's sources, following their edits.
func (l *sourceLease) poll() {
	var pctx context.Context
	pctx, l.stop = context.WithCancel(l.ctx)
	l.polling = pollSources(pctx, l.live, l.store, l.opts, l.log)
	l.log.Info("polling upstream sources", "sources", len(l.live.Content().Site.Sources), "store", l.store.Path(), "lease", l.lease.Holder())
}

// pause stops polling, if it polls, once the polls in flight finish.
func (l *sourceLease) pause() {
	if l.polling != nil {
		l.stop()
		<-l.polling
		l.polling = nil
	}
}

// run checks the lease every third of its term, and when an edit adds
// the first source or removes the last, until the context is done; then
// it pauses, releases the lease and closes finished.
func (l *sourceLease) run(finished chan<- struct{}) {
	defer close(finished)
	events, unsubscribe := l.live.Subscribe()
	defer unsubscribe()
	tick := time.NewTicker(l.term / 3)
	defer tick.Stop()
	for {
		select {
		case <-l.ctx.Done():
			l.pause()
			l.release()
			return
		case <-events:
			if l.hasSources() == (l.polling != nil) {
				continue // pollSources follows edits of sources: itself
			}
		case <-tick.C:
		}
		l.check()
	}
}

// release gives the lease up, so another server takes over at once.
func (l *sourceLease) release() {
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.lease.Release(rctx)
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
	run := startPoller(ctx, store, live.Content().Site.Sources, opts, log)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				run.stop()
				return
			case <-events:
				srcs := live.Content().Site.Sources
				if slices.Equal(srcs, run.sources) {
					continue
				}
				run.stop() // polls in flight finish before the next poller starts
				log.Info("upstream sources changed", "sources", len(srcs))
				run = startPoller(ctx, store, srcs, opts, log)
			}
		}
	}()
	return finished
}

// pollerRun is one poller running over one list of sources.
type pollerRun struct {
	sources []content.Source
	cancel  context.CancelFunc
	done    <-chan struct{} // closed when its polls in flight have finished
}

// startPoller makes a poller over srcs (which records them in the store)
// and runs it in the background until ctx is done or it is stopped. A
// list the poller refuses is logged, and nothing is polled.
func startPoller(ctx context.Context, store *upstream.Store, srcs []content.Source, opts upstream.Options, log *slog.Logger) pollerRun {
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	p, err := upstream.NewPoller(pctx, store, srcs, opts)
	if err != nil {
		log.Error("upstream sources not polled", "error", err)
		close(done)
		return pollerRun{sources: srcs, cancel: cancel, done: done}
	}
	go func() {
		defer close(done)
		defer p.Close()
		if err := p.Run(pctx); err != nil {
			log.Error("upstream poller stopped", "error", err)
		}
	}()
	return pollerRun{sources: srcs, cancel: cancel, done: done}
}

// stop stops the poller and waits for its polls in flight.
func (r pollerRun) stop() {
	r.cancel()
	<-r.done
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
	data := fs.String("data", getenv("MORNINGPOST_DATA"), dataHelp)
	var databaseURL string
	databaseFlag(fs, &databaseURL, getenv)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	folder, err := dataFolder(getenv, *data, *dir, databaseURL)
	if err != nil {
		return err
	}
	fsys, c, err := loadContent(*dir, stdout, stderr)
	if err != nil {
		return err
	}
	st, p, err := openSources(ctx, folder, databaseURL, fsys, c.Site, slog.New(slog.DiscardHandler), nil, allowPrivate(getenv))
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
	fs := flags("new-issue", "[--content DIR] [--data DIR] [--from-sources] [--from-last]", stderr)
	dir := fs.String("content", getenv("MORNINGPOST_CONTENT"), "content `folder` to add the issue to (env MORNINGPOST_CONTENT)")
	data := fs.String("data", getenv("MORNINGPOST_DATA"), dataHelp)
	fromSources := fs.Bool("from-sources", false, "poll the sources, then draft tools of the week and weekend reading from their freshest items")
	fromLast := fs.Bool("from-last", false, "start from a copy of the newest issue (every file, dated for the next issue, as a draft) instead of placeholders")
	var databaseURL string
	databaseFlag(fs, &databaseURL, getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("new-issue needs --content DIR (the embedded sample cannot be written to; start one with: morningpost init DIR)")
	}
	var err error
	if *data, err = dataFolder(getenv, *data, *dir, databaseURL); err != nil {
		return err
	}
	fsys, c, err := loadContent(*dir, stdout, stderr)
	if err != nil {
		return err
	}
	d := content.PlanNext(c, time.Now())
	if *fromSources {
		st, p, err := openSources(ctx, *data, databaseURL, fsys, c.Site, slog.New(slog.DiscardHandler), nil, allowPrivate(getenv))
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
	if *fromLast {
		if len(c.Issues) == 0 {
			return fmt.Errorf("new-issue --from-last: %s has no issue to start from", *dir)
		}
		if files, err = content.ScaffoldFrom(d, fsys, c.Issues[0]); err != nil {
			return fmt.Errorf("new-issue --from-last: %w", err)
		}
	}
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
			desc := firstSentence(it.Summary)
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

// firstSentence returns the first sentence of a summary, at most 160
// characters (content's Line and Truncate; the store's text is clean).
func firstSentence(s string) string {
	s = content.Line(s)
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	return content.Truncate(s, 160)
}
