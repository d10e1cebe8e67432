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
	"sort"
	"strconv"
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

// startSources polls the site's sources in the background until ctx is
// done, while this server holds the fleet's polling lease
// ([upstream.Leader]), and closes the channel returned once the polls in
// flight have finished; h serves /sources from the store on every server
// of the fleet, and status tells /healthz whether the store answers.
// leading reports whether this server holds the lease: the one server of
// the fleet that also tells WebSub hubs of changes.
func startSources(ctx context.Context, cfg serveConfig, db *store.DB, live *content.Live, fsys fs.FS, h *handlers.Server, metrics *handlers.Metrics, status *handlers.StoreStatus, log *slog.Logger) (done <-chan struct{}, leading func() bool) {
	if db == nil { // no store: nothing to poll into, and no fleet to lead
		closed := make(chan struct{})
		close(closed)
		return closed, func() bool { return true }
	}
	l := upstream.NewLeader(db, live, upstream.LeaderOptions{
		Term: cfg.leaseTerm,
		Poll: upstream.Options{FS: fsys, Logger: log, AllowPrivate: cfg.allowPrivate, OnResult: func(r upstream.Result) {
			metrics.ObservePoll(r.Source, r.Outcome.String())
		}},
		OnSources: h.SetSources,
		OnCheck:   status.Set,
	})
	return l.Start(ctx), l.Leading // Start checks once before serving
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
		if d.Tools, d.Reading, err = upstream.Draft(ctx, st); err != nil {
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
