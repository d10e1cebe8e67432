// Package websub tells WebSub hubs when subscription feeds change, so
// that readers subscribed through a hub get a change at once instead of
// at their next poll (W3C WebSub, §6 "Publishing").
//
// Watch follows the content: after every reload, and at every scheduled
// publication (a new issue going public with no file event), it renders
// each subscription feed and hands the feeds whose bytes changed to a
// Publisher. The Publisher POSTs hub.mode=publish&hub.url=FEED&hub.topic=FEED
// to every hub, one request per changed feed, each bounded by a timeout
// and retried with backoff; nothing it does delays serving or reloading.
//
// The spec leaves the publish request's parameters to each hub, and
// hubs differ: some read hub.url, others hub.topic and refuse a request
// without it. Both name the same feed, so one request suits both.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/morningpost/morningpost/feed/netguard"
)

// Result is the outcome of one publish request.
type Result struct {
	Hub, Feed string
	Attempt   int   // 1 for the first try
	Err       error // nil when the hub accepted it
	Final     bool  // no retry follows: accepted, or given up
}

// Options configure a Publisher.
type Options struct {
	// Client sends the requests; by default one with Timeout that
	// follows no redirect (a hub that redirects a publish is failing),
	// over netguard's transport: a hub may be on a private network only
	// when its configured URL says so, or AllowPrivate is set.
	Client *http.Client
	// AllowPrivate lets the default client reach every address.
	AllowPrivate bool
	// Timeout bounds each request of the default client (default 10s).
	Timeout time.Duration
	// UserAgent identifies morningpost to hubs (required; the one
	// upstream polls send).
	UserAgent string
	// Attempts is how many times one ping is tried (default 8); the
	// waits between them double from Backoff (default 2s) up to
	// MaxBackoff (default 10m).
	Attempts            int
	Backoff, MaxBackoff time.Duration
	Logger              *slog.Logger
	// OnResult is told of every request, for metrics.
	OnResult func(Result)
	// Leading, when set, says whether this server is the one of its
	// fleet that tells hubs of changes; the others see the same changes
	// and stay silent, so each change is one request per hub and feed.
	Leading func() bool
}

// Publisher sends publish pings. It is safe for concurrent use.
type Publisher struct {
	o   Options
	ctx context.Context
	wg  sync.WaitGroup

	mu      sync.Mutex
	pending map[ping]*state // pings being sent or waiting to be retried
}

type ping struct{ hub, feed string }

// state is a ping being sent or waiting to be retried.
type state struct {
	again bool          // the feed changed again since the last request started
	wake  chan struct{} // a new change: a ping waiting to be retried goes at once
}

// NewPublisher returns a Publisher whose pings stop when ctx is done.
func NewPublisher(ctx context.Context, o Options) *Publisher {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{
			Transport:     netguard.NewTransport(netguard.Options{AllowPrivate: o.AllowPrivate}),
			Timeout:       o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.Attempts <= 0 {
		o.Attempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{o: o, ctx: ctx, pending: map[ping]*state{}}
}

// Publish tells every hub that each of feeds (absolute URLs) changed. It
// returns at once; the requests are sent in the background. A ping
// already under way for a hub and feed is sent once more when it ends,
// rather than twice at the same time; one waiting to be retried is sent
// at once, its attempts counted afresh: a new change never waits for an
// old one's backoff.
func (p *Publisher) Publish(hubs, feeds []string) {
	if p.o.Leading != nil && !p.o.Leading() {
		p.o.Logger.Debug("websub: another server of the fleet tells the hubs", "feeds", len(feeds))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hubs {
		for _, f := range feeds {
			k := ping{h, f}
			if st, busy := p.pending[k]; busy {
				st.again = true
				select {
				case st.wake <- struct{}{}:
				default: // already woken
				}
				continue
			}
			st := &state{wake: make(chan struct{}, 1)}
			p.pending[k] = st
			p.wg.Add(1)
			go p.send(k, st)
		}
	}
}

// Wait waits for the pings under way; call it after ctx is done.
func (p *Publisher) Wait() { p.wg.Wait() }

func (p *Publisher) send(k ping, st *state) {
	defer p.wg.Done()
	for {
		p.deliver(k, st)
		p.mu.Lock()
		if !st.again || p.ctx.Err() != nil {
			delete(p.pending, k)
			p.mu.Unlock()
			return
		}
		st.again = false
		p.mu.Unlock()
	}
}

// deliver sends one ping, retrying with backoff until the hub accepts
// it, the attempts run out, or the publisher stops. A change published
// while it waits to retry cuts the wait short and starts the attempts
// again: the next request tells of both.
func (p *Publisher) deliver(k ping, st *state) {
	wait := p.o.Backoff
	for attempt := 1; ; attempt++ {
		p.mu.Lock()
		st.again = false // this request tells of every change so far
		select {
		case <-st.wake:
		default:
		}
		p.mu.Unlock()
		err := p.post(k)
		r := Result{Hub: k.hub, Feed: k.feed, Attempt: attempt, Err: err, Final: err == nil || attempt == p.o.Attempts}
		if p.o.OnResult != nil {
			p.o.OnResult(r)
		}
		switch {
		case err == nil:
			p.o.Logger.Info("websub: hub told of a change", "hub", k.hub, "feed", k.feed, "attempt", attempt)
			return
		case r.Final:
			p.o.Logger.Error("websub: hub not told of a change; giving up", "hub", k.hub, "feed", k.feed, "attempts", attempt, "error", err)
			return
		}
		p.o.Logger.Warn("websub: publish failed; retrying", "hub", k.hub, "feed", k.feed, "attempt", attempt, "retry_in", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-p.ctx.Done():
			t.Stop()
			return
		case <-t.C:
			wait = min(2*wait, p.o.MaxBackoff)
		case <-st.wake:
			t.Stop()
			attempt, wait = 0, p.o.Backoff
		}
	}
}

// post sends hub.mode=publish for the feed, form-encoded (WebSub §6).
func (p *Publisher) post(k ping) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.o.Timeout)
	defer cancel()
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {k.feed}, "hub.topic": {k.feed}}
	// The hub's URL is configured (websub_hubs): it may point inside.
	req, err := http.NewRequestWithContext(netguard.Allow(ctx, k.hub), http.MethodPost, k.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", p.o.UserAgent)
	resp, err := p.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is logged beside it
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if loc := resp.Header.Get("Location"); loc != "" {
			return fmt.Errorf("hub answered %s, redirecting to %s", resp.Status, loc)
		}
		return fmt.Errorf("hub answered %s", resp.Status)
	}
	return nil
}
