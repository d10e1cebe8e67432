package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Live holds the content being served and replaces it when the files
// change. A load that fails keeps the last good content in place and
// records its problems, so readers never see a broken edit.
type Live struct {
	fsys    fs.FS
	baseURL *url.URL
	log     *slog.Logger
	now     func() time.Time

	cur      atomic.Pointer[Content]
	mu       sync.Mutex // serialises reloads; guards ld, problems and subs
	ld       *loader    // what was parsed, so reloads parse only changes
	problems Problems
	reloads  uint64
	failed   uint64 // reloads that kept the last good content
	subs     map[chan Event]struct{}
	// stopPrerender stops the rendering of the bodies of the content
	// served last (Content.Prerender); l.mu is held, but at start.
	stopPrerender context.CancelFunc
	lazy          bool // LiveOptions.Lazy
}

// Event tells subscribers that a reload happened.
type Event struct {
	Version  string   // version now served
	Problems Problems // problems of the reload; empty when it succeeded
}

// LiveOptions configure a Live.
type LiveOptions struct {
	// BaseURL, when set, replaces the base_url of morningpost.yaml (the
	// --base-url flag), e.g. when the site is served behind a proxy.
	BaseURL *url.URL
	Logger  *slog.Logger
	// Record, when set, dates entries by when they first became public
	// (see Record); every load is dated by it as soon as it is served.
	Record Record
	// Slugs, when set, keeps every article's URL: the one it went out
	// under, and every one it had (see Slugs).
	Slugs Slugs
	// Now is the clock that says which issues are published, for the
	// rule that a reload never takes every one away, and the moment a
	// load is dated at; time.Now when nil.
	Now func() time.Time
	// WebSubHubs, when not nil, replaces the websub_hubs of
	// morningpost.yaml (MORNINGPOST_WEBSUB_HUBS); check them with HubURL.
	WebSubHubs []string
	// Lazy, when set, renders an article's body when a page or feed first
	// asks for it, never in the background: a static export, which reads
	// most documents back from its last files, needs few of them.
	Lazy bool
}

// NewLive loads fsys. It fails when the first load fails: there is no
// last good content to fall back on yet.
func NewLive(fsys fs.FS, opts LiveOptions) (*Live, error) {
	l := &Live{fsys: fsys, baseURL: opts.BaseURL, log: opts.Logger, now: opts.Now, lazy: opts.Lazy, subs: map[chan Event]struct{}{}}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.ld = &loader{baseURL: opts.BaseURL, hubs: opts.WebSubHubs, record: opts.Record, slugs: opts.Slugs}
	c, err := l.ld.load(context.Background(), fsys)
	if err != nil {
		return nil, err
	}
	l.serve(c)
	return l, nil
}

// serve makes c the content served. With a record or slugs, what is
// public now is dated and given its URLs at once: an article dropped
// into a published issue is dated by its arrival, and an article just
// published is pinned under the URL it went out with, not by the first
// request that happens to see it.
func (l *Live) serve(c *Content) {
	if c.record != nil || c.slugs != nil {
		c.At(l.now())
	}
	l.cur.Store(c)
	if l.stopPrerender != nil {
		l.stopPrerender() // what it had not rendered, c renders if it still holds it
	}
	if l.lazy {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopPrerender = cancel
	go c.Prerender(ctx)
}

// Close stops the background work of the content served: the rendering
// of its articles' bodies. Pages and feeds asked for later render what
// they need.
func (l *Live) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopPrerender != nil {
		l.stopPrerender()
	}
}

// Content returns the content being served.
func (l *Live) Content() *Content { return l.cur.Load() }

// At is shorthand for Content().At(now).
func (l *Live) At(now time.Time) *Snapshot { return l.Content().At(now) }

// Problems returns the problems of the last reload: empty when the content
// served is the content on disk.
func (l *Live) Problems() Problems {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problems
}

// Reloads counts reloads attempted since start.
func (l *Live) Reloads() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reloads
}

// ReloadErrors counts reloads that failed since start.
func (l *Live) ReloadErrors() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// Reload reads the content again. On success the new content is served;
// on failure the last good content stays and the problems are returned
// (and kept for Problems) until a later reload succeeds.
//
// Every file is read again, but only issue folders whose files changed
// are parsed again.
func (l *Live) Reload() error { return l.ReloadContext(context.Background()) }

// ReloadContext is Reload, abandoned when ctx is done first: the load
// stops between issue folders, the content served and the problems
// kept stay as they were, and ctx's error is returned.
func (l *Live) ReloadContext(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reload(guarded(func() (*Content, error) { return l.ld.load(ctx, l.fsys) }))
}

// ReloadPaths is Reload when only the named files or folders may have
// changed (slash-separated paths inside the content root, as a file
// watcher reports them). When every path lies inside an issue folder,
// only those folders are read and parsed again; any other path (such as
// morningpost.yaml) makes it a full Reload.
func (l *Live) ReloadPaths(paths []string) error {
	return l.reloadPaths(context.Background(), paths)
}

// reloadPaths is ReloadPaths, abandoned as ReloadContext is when ctx is
// done first.
func (l *Live) reloadPaths(ctx context.Context, paths []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	names, ok := issueFolders(paths)
	if !ok {
		return l.reload(guarded(func() (*Content, error) { return l.ld.load(ctx, l.fsys) }))
	}
	return l.reload(guarded(func() (*Content, error) { return l.ld.update(ctx, l.fsys, names) }))
}

// issueFolders returns the issue folders the paths lie in, and false if
// a path lies outside every issue folder.
func issueFolders(paths []string) ([]string, bool) {
	seen := map[string]bool{}
	var names []string
	for _, p := range paths {
		rest, ok := strings.CutPrefix(p, "issues/")
		name, _, _ := strings.Cut(rest, "/")
		if !ok || name == "" || name == "." || name == ".." {
			return nil, false
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, true
}

// guarded runs a reload's load, turning a panic into a problem: a bug
// the loader meets in some edit must not take the server down, which
// keeps serving the last good content while /healthz shows the problem.
func guarded(load func() (*Content, error)) (c *Content, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, Problems{{Path: ".", Msg: fmt.Sprintf("internal error while loading the content (a bug: please report it): %v", r)}}
		}
	}()
	return load()
}

func (l *Live) reload(c *Content, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // abandoned: nothing changed, nothing to tell
	}
	l.reloads++
	if err == nil {
		err = l.checkNotEmptied(c)
	}
	var ps Problems
	if err != nil {
		if !errors.As(err, &ps) {
			ps = Problems{{Path: ".", Msg: err.Error()}}
		}
		l.problems = ps
		l.failed++
		for _, p := range ps {
			l.log.Error("content reload failed; serving the last good content", "file", p.Path, "line", p.Line, "error", p.Msg)
		}
	} else {
		if old := l.cur.Load(); old == nil || old.Version != c.Version {
			l.log.Info("content reloaded", "version", c.Version, "issues", len(c.Issues))
			for _, w := range c.Warnings {
				l.log.Warn("content warning", "file", w.Path, "line", w.Line, "warning", w.Msg)
			}
		}
		if len(l.problems) > 0 {
			l.log.Info("content problems fixed; serving the new content", "fixed", len(l.problems), "version", c.Version)
		}
		l.serve(c)
		l.problems = nil
	}
	ev := Event{Version: l.cur.Load().Version, Problems: l.problems}
	for ch := range l.subs {
		select {
		case ch <- ev:
		default: // a slow subscriber misses an event, never blocks a reload
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// checkNotEmptied refuses a reload that would take every published
// issue away: that is a folder moved or swapped by a deploy, or a
// mount gone, far more often than an editor's wish, and serving it would
// empty every feed (with new ETags, so every reader would fetch the
// empty feed). The last good content stays until the issues are back.
// Removing some issues works as ever.
func (l *Live) checkNotEmptied(c *Content) error {
	old := l.cur.Load()
	if old == nil {
		return nil
	}
	now := l.now()
	before := len(old.At(now).Issues)
	if before == 0 || len(c.At(now).Issues) > 0 {
		return nil
	}
	// What the loader remembers is the emptied folder: the next reload
	// reads every folder, not only those a watcher names.
	l.ld.folders = nil
	return Problems{{Path: "issues", Msg: fmt.Sprintf("this change would take every published issue away (%d published now, none after it); the last good content is kept until issues are back (restart the server to publish an empty site)", before)}}
}

// Subscribe returns a channel that receives an Event after every reload,
// and a function to stop receiving.
func (l *Live) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 4)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// WaitForChange waits until what is public may have changed: a reload
// (an Event on events, from Subscribe) or next, the moment the next
// scheduled issue goes public with no file changing (Snapshot.Next;
// zero: none). It reports false when ctx is done first. The loops that
// follow what is public (the search index, WebSub pings) wait with it.
func WaitForChange(ctx context.Context, events <-chan Event, next time.Time, now func() time.Time) bool {
	var publication <-chan time.Time
	if !next.IsZero() {
		timer := time.NewTimer(max(next.Sub(now()), 0))
		defer timer.Stop()
		publication = timer.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-events:
	case <-publication:
	}
	return true
}

// Debounce is how long Watch waits after the last file event before
// reloading: editors save in bursts (write, rename, chmod).
const Debounce = 150 * time.Millisecond

// Watch reloads whenever a file under dir (the directory fsys reads)
// changes, until ctx is done. It copes with editors that save by renaming
// a temporary file over the original, with bursts of saves, and with new
// folders (new issues), which it starts watching as they appear.
//
// An edit saved between the load and Watch raises no event, so Watch
// reads the folder once more after its watches are in place. A server
// that must miss nothing from its first answer on, without that second
// read, makes a Watcher before loading and hands it to Follow.
func (l *Live) Watch(ctx context.Context, dir string) error {
	w, err := NewWatcher(dir)
	if err != nil {
		return err
	}
	_ = l.Reload() // problems are logged and kept by Reload
	return l.Follow(ctx, w)
}

// Watcher watches a content folder and every folder under it. Made
// before the content is loaded, it keeps every change saved from then on
// (the kernel queues the events) until Follow reads them: nothing saved
// during the load, or between the load and Follow, is lost.
type Watcher struct {
	w   *fsnotify.Watcher
	dir string
}

// NewWatcher starts watching dir.
func NewWatcher(dir string) (*Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	if err := addTree(w, dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	return &Watcher{w: w, dir: dir}, nil
}

// Close stops watching; Follow closes its Watcher when it returns.
func (w *Watcher) Close() error { return w.w.Close() }

// Follow reloads l on every change w sees, as Watch does, until ctx is
// done; then it closes w.
func (l *Live) Follow(ctx context.Context, w *Watcher) error {
	return l.watch(ctx, w.dir, w.w)
}

func (l *Live) watch(ctx context.Context, dir string, w *fsnotify.Watcher) error {
	defer w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// changed collects the paths of a burst of events, so that the reload
	// parses only the issue folders they lie in.
	changed := map[string]bool{}
	// A reload runs while events keep coming. One that a newer change
	// supersedes is abandoned (its paths go to the next reload), and so
	// is one running at shutdown: a save never waits for a render of
	// what is no longer on disk, nor a SIGTERM for a load.
	var running *watchReload
	defer func() { running.abandon() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !hidden(dir, ev.Name) {
				for _, p := range running.abandon() {
					changed[p] = true
				}
				running = nil
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					_ = addTree(w, ev.Name) // a new issue folder; files written into it arrive as events
				}
			}
			if hidden(dir, ev.Name) {
				continue
			}
			if rel, err := filepath.Rel(dir, ev.Name); err == nil {
				changed[filepath.ToSlash(rel)] = true
			} else {
				changed[SiteFile] = true // outside what we know: reload everything
			}
			timer.Reset(Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			l.log.Warn("watching content", "dir", dir, "error", err)
		case <-timer.C:
			paths := make([]string, 0, len(changed))
			for p := range changed {
				paths = append(paths, p)
			}
			clear(changed)
			running = l.startReload(ctx, paths)
		}
	}
}

// watchReload is a reload Watch runs in the background.
type watchReload struct {
	paths  []string
	cancel context.CancelFunc
	done   chan struct{}
}

// startReload reloads paths in the background until ctx is done or the
// reload is abandoned. Problems are logged and kept by reload.
func (l *Live) startReload(ctx context.Context, paths []string) *watchReload {
	ctx, cancel := context.WithCancel(ctx)
	r := &watchReload{paths: paths, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		_ = l.reloadPaths(ctx, paths)
	}()
	return r
}

// abandon stops the reload if it is still running, waits for it, and
// returns its paths when it did not finish (nil otherwise, and for a
// nil r).
func (r *watchReload) abandon() []string {
	if r == nil {
		return nil
	}
	select {
	case <-r.done:
		r.cancel()
		return nil
	default:
	}
	r.cancel()
	<-r.done
	return r.paths
}

// hidden reports whether a path is hidden (.git, editor swap files) or an
// editor's backup (file~), which never affect the content.
func hidden(root, name string) bool {
	rel, err := filepath.Rel(root, name)
	if err != nil {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." || strings.HasSuffix(part, "~") {
			return true
		}
	}
	return false
}

func addTree(w *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
}
