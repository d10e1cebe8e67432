package upstream

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// LeaseName names the lease of the server that polls the upstream
// sources: one server of a fleet polls them, whoever holds it.
const LeaseName = "upstream-poller"

// DefaultLeaseTerm is how long the polling lease lasts without renewal:
// a fleet's poller that dies is replaced within it, far within the
// shortest poll interval (5m). It is renewed, and the store's health
// checked, every third of it.
const DefaultLeaseTerm = 30 * time.Second

// LeaderOptions configures a [Leader]. The zero value of every field
// means its default.
type LeaderOptions struct {
	// Term is the term of the polling lease; default DefaultLeaseTerm.
	Term time.Duration
	// Poll configures every poller the leader runs. Its Logger also
	// receives the leader's own lines (lease, store, sources changed).
	Poll Options
	// OnSources, when set, is given the store of the sources before
	// every check while the site reads sources (the handlers serve
	// /sources from it, on every server of the fleet).
	OnSources func(*Store)
	// OnCheck, when set, is told the outcome of every question to the
	// store (err nil: it answered), whether this server polls, and when.
	OnCheck func(err error, polling bool, at time.Time)
}

// Leader is one server's share of polling the site's upstream sources:
// it holds the fleet's polling lease ([LeaseName], in content/store)
// while the store answers, and polls while it holds it. The store is
// asked for the lease every third of its term, which is also how
// OnCheck learns whether the store answers: while it does not, polling
// pauses; it resumes when the store answers and the lease is this
// server's again. A site that reads no sources polls nothing until a
// reload adds the first one.
//
// The steps, in order: [Leader.Start] checks once before it returns,
// then in the background checks on every tick and on edits that add the
// first source or remove the last; when its context is done, it pauses
// (polls in flight finish), then releases the lease so another server
// takes over at once.
type Leader struct {
	db    *store.DB
	lease *store.Lease
	term  time.Duration
	live  *content.Live
	store *Store
	opts  LeaderOptions
	log   *slog.Logger

	// Owned by the goroutine of run (and by the first check, before run
	// starts).
	polling <-chan struct{}    // while this server polls: closed when its polls end
	stop    context.CancelFunc // stops the polling
	failing bool               // the store did not answer the last check

	leads atomic.Bool // this server holds the lease
}

// NewLeader returns the leader of the sources of live, polling into db.
func NewLeader(db *store.DB, live *content.Live, opts LeaderOptions) *Leader {
	term := cmp.Or(opts.Term, DefaultLeaseTerm)
	log := opts.Poll.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Leader{
		db:    db,
		lease: store.NewLease(db, LeaseName, term, nil),
		term:  term,
		live:  live,
		store: New(db),
		opts:  opts,
		log:   log,
	}
}

// Start checks the lease once (so the store lists the configured
// sources from the first request on), then polls the site's sources in
// the background while this server holds the lease, until ctx is done.
// The channel returned is closed once the polls in flight have finished
// and the lease is released.
func (l *Leader) Start(ctx context.Context) (done <-chan struct{}) {
	l.check(ctx)
	finished := make(chan struct{})
	go l.run(ctx, finished)
	return finished
}

// Leading reports whether this server holds the lease: the one server of
// the fleet that polls, and that also tells WebSub hubs of changes. Safe
// for concurrent use.
func (l *Leader) Leading() bool { return l.leads.Load() }

// hasSources reports whether the site reads any sources.
func (l *Leader) hasSources() bool { return len(l.live.Content().Site.Sources) > 0 }

// check asks the store for the lease, then polls or pauses accordingly
// and tells OnCheck whether the store answers.
func (l *Leader) check(ctx context.Context) {
	hasSources := l.hasSources()
	if hasSources && l.opts.OnSources != nil {
		l.opts.OnSources(l.store)
	}
	held, err := l.acquire(ctx)
	if ctx.Err() != nil {
		return
	}
	l.leads.Store(err == nil && held)
	switch lead := err == nil && held && hasSources; {
	case lead && l.polling == nil:
		l.poll(ctx)
	case !lead && l.polling != nil:
		l.pause()
		l.log.Info("upstream polling paused", "held_by_this_server", held, "store_error", err != nil)
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", l.db, err) // for editors: which store
	}
	if l.opts.OnCheck != nil {
		l.opts.OnCheck(err, l.polling != nil, time.Now())
	}
}

// acquire asks the store for the lease, within a third of its term, and
// logs when the store stops or starts answering.
func (l *Leader) acquire(ctx context.Context) (held bool, err error) {
	actx, cancel := context.WithTimeout(ctx, l.term/3)
	held, err = l.lease.Acquire(actx)
	cancel()
	if ctx.Err() != nil {
		return false, ctx.Err()
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
func (l *Leader) poll(ctx context.Context) {
	var pctx context.Context
	pctx, l.stop = context.WithCancel(ctx)
	l.polling = pollSources(pctx, l.live, l.store, l.opts.Poll, l.log)
	l.log.Info("polling upstream sources", "sources", len(l.live.Content().Site.Sources), "store", l.store.Path(), "lease", l.lease.Holder())
}

// pause stops polling, if it polls, once the polls in flight finish.
func (l *Leader) pause() {
	if l.polling != nil {
		l.stop()
		<-l.polling
		l.polling = nil
	}
}

// run checks the lease every third of its term, and when an edit adds
// the first source or removes the last, until ctx is done; then it
// pauses, releases the lease and closes finished.
func (l *Leader) run(ctx context.Context, finished chan<- struct{}) {
	defer close(finished)
	events, unsubscribe := l.live.Subscribe()
	defer unsubscribe()
	tick := time.NewTicker(l.term / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			l.pause()
			l.release()
			return
		case <-events:
			if l.hasSources() == (l.polling != nil) {
				continue // pollSources follows edits of sources: itself
			}
		case <-tick.C:
		}
		l.check(ctx)
	}
}

// release gives the lease up, so another server takes over at once.
func (l *Leader) release() {
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
func pollSources(ctx context.Context, live *content.Live, store *Store, opts Options, log *slog.Logger) <-chan struct{} {
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
func startPoller(ctx context.Context, store *Store, srcs []content.Source, opts Options, log *slog.Logger) pollerRun {
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	p, err := NewPoller(pctx, store, srcs, opts)
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
