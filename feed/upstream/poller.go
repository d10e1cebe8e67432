package upstream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/morningpost/morningpost/content"
)

// Options configures a [Poller]. The zero value of every field means its
// default.
type Options struct {
	// FS is the content root that "file:" sources are read from. Nil
	// means file sources fail with an error.
	FS fs.FS

	// Transport carries HTTP requests; nil means netguard's, with
	// ConnectTimeout: no loopback, private or link-local address but the
	// configured URL's own host and port. Tests set it. Redirect limit,
	// total timeout, size cap and decompression apply whatever the
	// transport.
	Transport http.RoundTripper
	// AllowPrivate lets sources and their redirects reach loopback,
	// private and link-local addresses (see package netguard).
	AllowPrivate bool

	UserAgent      string        // default DefaultUserAgent
	ConnectTimeout time.Duration // dial + TLS handshake; default DefaultConnectTimeout
	Timeout        time.Duration // whole request incl. body; default DefaultTimeout
	MaxBodySize    int64         // decoded bytes; default DefaultMaxBodySize
	MaxRedirects   int           // default DefaultMaxRedirects
	Concurrency    int           // polls at once; default DefaultConcurrency

	// MaxBackoff caps the delay after repeated errors (never below a
	// source's Interval). Default DefaultMaxBackoff.
	MaxBackoff time.Duration
	// MaxUpstreamDelay caps how far cache headers, ttl and Retry-After
	// can push a poll. Default DefaultMaxUpstreamDelay.
	MaxUpstreamDelay time.Duration

	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for backoff jitter; default
	// math/rand/v2.Float64. Called with a lock held, so it need not be
	// safe for concurrent use.
	Rand func() float64

	// Logger receives what Run cannot return: poll errors, store errors.
	// Default: discard.
	Logger *slog.Logger

	// OnResult, when set, is told the result of every poll, by Run and
	// PollAll alike, from the goroutine that polled (metrics count them).
	OnResult func(Result)
}

func (o Options) withDefaults() Options {
	o.UserAgent = cmp.Or(o.UserAgent, DefaultUserAgent)
	o.ConnectTimeout = cmp.Or(o.ConnectTimeout, DefaultConnectTimeout)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.MaxBodySize = cmp.Or(o.MaxBodySize, DefaultMaxBodySize)
	o.MaxRedirects = cmp.Or(o.MaxRedirects, DefaultMaxRedirects)
	o.Concurrency = cmp.Or(o.Concurrency, DefaultConcurrency)
	o.MaxBackoff = cmp.Or(o.MaxBackoff, DefaultMaxBackoff)
	o.MaxUpstreamDelay = cmp.Or(o.MaxUpstreamDelay, DefaultMaxUpstreamDelay)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Outcome is how a poll ended. Its String is the outcome's label in the
// poll metrics: "ok", "not-modified", "deferred" or "error".
type Outcome int

// Outcomes of a poll, as in [Result.Outcome]. The zero value is
// OutcomeError: a Result nobody filled in did not succeed.
const (
	OutcomeError       Outcome = iota // failed: Result.Err says why
	OutcomeOK                         // fetched, parsed and stored
	OutcomeNotModified                // the upstream answered 304
	OutcomeDeferred                   // not contacted: its Retry-After has not passed
)

func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeNotModified:
		return "not-modified"
	case OutcomeDeferred:
		return "deferred"
	}
	return "error"
}

// outcomeErrorPrefix starts the text of a failed poll, followed by the
// error (SourceState.LastResult, Result.String).
const outcomeErrorPrefix = "error: "

// lastResult is the text of outcome o for SourceState.LastResult and the
// CLI: "ok", "not-modified", "deferred (retry-after)", or "error: " and
// the start of err.
func lastResult(o Outcome, err error) string {
	switch {
	case o == OutcomeDeferred:
		return "deferred (retry-after)"
	case o != OutcomeError:
		return o.String()
	case err == nil:
		return o.String()
	}
	return outcomeErrorPrefix + content.Truncate(err.Error(), 200)
}

// outcomeOf is the outcome whose text is a stored LastResult.
func outcomeOf(lastResult string) Outcome {
	switch lastResult {
	case OutcomeOK.String():
		return OutcomeOK
	case OutcomeNotModified.String():
		return OutcomeNotModified
	}
	return OutcomeError
}

// Result is the outcome of polling one source.
type Result struct {
	Source  string
	Outcome Outcome
	// Err is what went wrong when Outcome is OutcomeError. It is nil for
	// a scheduled poll skipped because a manual one polled meanwhile:
	// Outcome is then that poll's.
	Err error
	// NewItems counts items stored for the first time (and kept).
	NewItems int
	// NextPoll is when the source is next due.
	NextPoll time.Time
}

// String is one line for the CLI, e.g.
// "trending-models: ok, 5 new, next poll 2026-04-25 10:00 UTC".
func (r Result) String() string {
	next := "-"
	if !r.NextPoll.IsZero() {
		next = r.NextPoll.UTC().Format("2006-01-02 15:04 UTC")
	}
	outcome := content.Line(lastResult(r.Outcome, r.Err)) // errors can span lines
	return fmt.Sprintf("%s: %s, %d new, next poll %s", r.Source, outcome, r.NewItems, next)
}

// Results are the results of [Poller.PollAll], in source order.
type Results []Result

// String is one line per source, each ending in a newline.
func (rs Results) String() string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Err joins the errors of all results (nil if every source was fine).
func (rs Results) Err() error {
	var errs []error
	for _, r := range rs {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Source, r.Err))
		}
	}
	return errors.Join(errs...)
}

// Poller polls a fixed set of sources into a Store.
//
// [Poller.Run] polls each source when it is due, until its context is
// done; [Poller.PollAll] polls every source now and waits. Both may run at
// once: a source is never polled by two goroutines at the same time.
type Poller struct {
	store   *Store
	sources []content.Source // defaults applied
	urls    []sourceURL
	locks   []sync.Mutex // one per source
	opts    Options
	fetcher *fetcher
	san     *sanitizer
	// sem bounds polls in flight across Run and PollAll together.
	sem chan struct{}

	randMu sync.Mutex
}

// NewPoller returns a poller for sources, storing into store. It validates
// the sources (names must be unique) and records their URLs and sections
// in the store.
func NewPoller(ctx context.Context, store *Store, sources []content.Source, opts Options) (*Poller, error) {
	if err := content.ValidateSources(sources); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	p := &Poller{
		store: store,
		locks: make([]sync.Mutex, len(sources)),
		opts:  opts,
		san:   newSanitizer(),
		sem:   make(chan struct{}, opts.Concurrency),
	}
	for _, s := range sources {
		p.sources = append(p.sources, s.WithDefaults())
		p.urls = append(p.urls, sourceURLOf(s))
	}
	p.fetcher = &fetcher{
		client:    newHTTPClient(opts),
		fsys:      opts.FS,
		userAgent: opts.UserAgent,
		maxBody:   opts.MaxBodySize,
		maxDelay:  opts.MaxUpstreamDelay,
		now:       opts.Now,
	}
	if err := store.syncSources(ctx, p.sources); err != nil {
		return nil, err
	}
	return p, nil
}

// Close releases idle HTTP connections. The poller must not be used after.
func (p *Poller) Close() { p.fetcher.client.CloseIdleConnections() }

// Sources returns the poller's sources, with defaults applied.
func (p *Poller) Sources() []content.Source { return slices.Clone(p.sources) }

// PollAll polls every source now, at most Options.Concurrency at a time,
// and returns one result per source in source order. Sources whose
// Retry-After has not passed are not contacted (OutcomeDeferred): a manual
// refresh must not make an upstream that asked us to wait angrier.
func (p *Poller) PollAll(ctx context.Context) Results {
	results := make(Results, len(p.sources))
	jobs := make(chan int)
	var wg sync.WaitGroup
	// A fixed pool of workers, not a goroutine per source: 500 sources
	// cost Concurrency goroutines.
	for range min(p.opts.Concurrency, len(p.sources)) {
		wg.Go(func() {
			for i := range jobs {
				results[i] = p.report(p.poll(ctx, i, false))
			}
		})
	}
	for i := range p.sources {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

// Run polls each source whenever it is due (its persisted next-poll time,
// so a restart does not refetch everything), at most Options.Concurrency
// at a time, until ctx is done. It then waits for polls in flight and
// returns nil. It returns an error only if it cannot read the store when
// starting.
func (p *Poller) Run(ctx context.Context) error {
	n := len(p.sources)
	next := make([]time.Time, n)
	for i, s := range p.sources {
		st, _, err := p.store.Source(ctx, s.Name)
		if err != nil {
			return err
		}
		next[i] = st.NextPoll // zero: due now
	}

	type done struct {
		i    int
		next time.Time
	}
	doneCh := make(chan done)
	inflight := make([]bool, n)
	running := 0
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()

	for {
		now := p.opts.Now()
		var earliest time.Time
		for i := range n {
			if inflight[i] {
				continue
			}
			if !next[i].After(now) {
				if running >= p.opts.Concurrency {
					continue // due, waits for a free slot (a done message)
				}
				inflight[i] = true
				running++
				go func() {
					r := p.report(p.poll(ctx, i, true))
					if r.Err != nil && ctx.Err() == nil {
						p.opts.Logger.Warn("poll failed", "source", r.Source, "err", r.Err, "next", r.NextPoll)
					}
					doneCh <- done{i, r.NextPoll}
				}()
				continue
			}
			if earliest.IsZero() || next[i].Before(earliest) {
				earliest = next[i]
			}
		}
		var timerC <-chan time.Time
		if !earliest.IsZero() {
			timer.Reset(earliest.Sub(now))
			timerC = timer.C
		}
		select {
		case <-ctx.Done():
			for running > 0 {
				<-doneCh
				running--
			}
			return nil
		case d := <-doneCh:
			inflight[d.i] = false
			running--
			next[d.i] = d.next
			if d.next.IsZero() {
				next[d.i] = p.opts.Now().Add(p.sources[d.i].Interval)
			}
		case <-timerC:
		}
	}
}

// report tells Options.OnResult about r and returns it.
func (p *Poller) report(r Result) Result {
	if p.opts.OnResult != nil {
		p.opts.OnResult(r)
	}
	return r
}

// poll polls source i. scheduled polls (from Run) re-check the persisted
// next-poll time, which PollAll may have moved; manual ones (PollAll)
// only respect Retry-After.
func (p *Poller) poll(ctx context.Context, i int, scheduled bool) Result {
	p.locks[i].Lock()
	defer p.locks[i].Unlock()

	src := p.sources[i]
	res := Result{Source: src.Name}
	now := p.opts.Now()
	st, _, err := p.store.Source(ctx, src.Name)
	if err != nil {
		return p.failed(res, err, now.Add(src.Interval))
	}
	if st.RetryAfterUntil.After(now) {
		res.Outcome = OutcomeDeferred
		res.NextPoll = latest(st.NextPoll, st.RetryAfterUntil)
		return res
	}
	if scheduled && st.NextPoll.After(now) {
		// Polled meanwhile (by PollAll): nothing to do until then.
		res.Outcome = outcomeOf(st.LastResult)
		res.NextPoll = st.NextPoll
		return res
	}

	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		return p.failed(res, ctx.Err(), st.NextPoll)
	}
	resp, err := p.fetcher.fetch(ctx, p.urls[i], st.ETag, st.LastModified)
	if ctx.Err() != nil {
		// We are shutting down: not the upstream's fault, record nothing.
		return p.failed(res, ctx.Err(), st.NextPoll)
	}
	now = p.opts.Now() // the fetch took time; schedule from its end
	st.LastPoll = now
	var items []Item
	delay := time.Duration(0)
	if err == nil {
		delay = resp.delay
		if !resp.notModified {
			var pf parsedFeed
			pf, err = parse(resp.body, resp.charset)
			if err == nil {
				items = p.items(src, pf, resp.base, now)
				st.FeedTitle = plainLine(pf.feed.Title, maxTitleLen)
				st.FeedLink = webURL(pf.feed.Link, resp.base)
				st.TTL = time.Duration(pf.ttl) * time.Minute
			}
		}
		// After a 304 the document, and so its ttl, is the one we have.
		delay = max(delay, min(st.TTL, p.opts.MaxUpstreamDelay))
	}

	if err != nil {
		st.ErrorStreak++
		st.LastError = content.Truncate(err.Error(), 1000)
		st.LastResult = lastResult(OutcomeError, err)
		st.NextPoll = now.Add(p.backoff(src.Interval, st.ErrorStreak))
		var se *StatusError
		if errors.As(err, &se) && !se.RetryAfter.IsZero() {
			st.RetryAfterUntil = se.RetryAfter
			st.NextPoll = latest(st.NextPoll, se.RetryAfter)
		}
		// ETag and Last-Modified stay: a failure says nothing about our copy.
	} else {
		st.ErrorStreak = 0
		st.LastError = ""
		st.RetryAfterUntil = time.Time{}
		st.LastSuccess = now
		st.ETag, st.LastModified = resp.etag, resp.lastModified
		res.Outcome = OutcomeOK
		if resp.notModified {
			res.Outcome = OutcomeNotModified
		}
		st.LastResult = lastResult(res.Outcome, nil)
		st.NextPoll = now.Add(max(src.Interval, delay))
	}

	rec := pollRecord{source: src, state: st, items: items, now: now, keepOld: p.urls[i].http == nil}
	newItems, serr := p.store.savePoll(ctx, rec)
	if serr != nil {
		return p.failed(res, serr, st.NextPoll)
	}
	if err != nil {
		return p.failed(res, err, st.NextPoll)
	}
	res.NewItems = newItems
	res.NextPoll = st.NextPoll
	return res
}

func (p *Poller) failed(res Result, err error, next time.Time) Result {
	res.Err = err
	res.Outcome = OutcomeError
	res.NextPoll = next
	return res
}

// items converts a parsed feed's items, newest first, at most Keep of them
// (older ones would be deleted by retention right away).
func (p *Poller) items(src content.Source, pf parsedFeed, fetched *url.URL, now time.Time) []Item {
	base := feedBase(pf.feed, fetched)
	items := make([]Item, 0, len(pf.feed.Items))
	for _, it := range pf.feed.Items {
		if it == nil {
			continue
		}
		items = append(items, p.san.cleanItem(src.Name, it, base, now))
	}
	slices.SortStableFunc(items, func(a, b Item) int { return b.Date().Compare(a.Date()) })
	if len(items) > src.Keep {
		items = items[:src.Keep]
	}
	return items
}

// backoff is the delay after the streak-th consecutive error: Interval
// doubled per error, capped at MaxBackoff, with up to 50% random jitter so
// sources that failed together (a network outage) do not retry together.
// Jitter is added below the cap and subtracted at it, and the result is
// never shorter than the interval.
func (p *Poller) backoff(interval time.Duration, streak int) time.Duration {
	ceiling := max(p.opts.MaxBackoff, interval)
	d := interval
	for i := 1; i < streak && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	p.randMu.Lock()
	r := p.opts.Rand()
	p.randMu.Unlock()
	jitter := time.Duration(r * float64(d) / 2)
	if d+jitter > ceiling {
		return max(interval, ceiling-jitter)
	}
	return d + jitter
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
