package audience

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"log/slog"
	"math/bits"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Options configure a Counter.
type Options struct {
	// Feeds are the paths of the subscription feeds counted
	// ("/feed.atom", …); responses for any other path are not.
	Feeds []string
	// Location is the site's time zone, whose days the counts are per;
	// asked at the start of each day. UTC when nil.
	Location func() *time.Location
	// Store keeps the counts; nil keeps them in memory only.
	Store *Store
	// Logger receives failed writes; discarded when nil.
	Logger *slog.Logger
	// Now is the clock of flushes and of History; time.Now when nil.
	Now func() time.Time
	// MaxExact bounds the keyed hashes of one day kept to count
	// distinct readers exactly (DefaultMaxExact when 0); readers beyond
	// it are counted by HyperLogLog sketches of 4 KiB each.
	MaxExact int
	// Keep is how many days the store keeps (DefaultKeep when 0).
	Keep int
	// OnReport, when set, is told an aggregator's figure for a feed
	// (the sum over the ids it knows the feed by) whenever it reports
	// one: label is the agent's Label, or "other".
	OnReport func(feed, label string, subscribers int64)
}

// DefaultMaxExact bounds the exact set of a day: about 3 MB.
const DefaultMaxExact = 100_000

// DefaultKeep is how long days are kept: two years and more.
const DefaultKeep = 800

// FlushInterval is how often the counts are written to the store.
const FlushInterval = time.Minute

// maxReports bounds the (feed, aggregator, feed id) figures of a day;
// figures beyond it share one slot per feed and aggregator.
const maxReports = 10_000

// maxAgentCache bounds the parsed User-Agents remembered (for the day).
const maxAgentCache = 4096

// maxCachedAgent is the longest User-Agent remembered; longer ones are
// parsed on every request.
const maxCachedAgent = 256

// Counter counts the responses of the subscription feeds, per day, feed
// and agent. Count is called for every response and never waits for
// the store; Run writes the counts in batches.
type Counter struct {
	feeds     []string
	feedIndex map[string]int
	loc       func() *time.Location
	store     *Store
	log       *slog.Logger
	now       func() time.Time
	maxExact  int
	keep      int
	idSeed    maphash.Seed // aggregators' feed ids, which are no one's address
	onReport  func(feed, label string, subscribers int64)

	// flushing is held by Flush while it writes and by History while it
	// reads, so a page never misses counts on their way to the store.
	flushing sync.Mutex

	mu         sync.Mutex
	day        *dayState     // nil until the first response
	pending    map[Key]Tally // counted, not yet written
	agentCache map[string]Parsed
	pruned     string // the day the store was last pruned on
}

// dayState is what is counted of the current day. Its seed is the key
// of the readers' hashes: random, in memory only, and replaced with the
// day, so nothing kept can be joined with an address.
type dayState struct {
	date       string
	start, end int64 // Unix nanoseconds: [start, end)
	seed       maphash.Seed
	cells      []cell              // by feed*len(agents) + agent
	sketches   map[int]*sketch     // by cell: readers beyond the exact set
	seen       map[uint64]uint16   // keyed hashes of (feed, address, User-Agent): agent and flags
	reports    map[reportKey]int64 // the latest figure per feed id
}

type reportKey struct {
	cell int32
	id   uint64 // hash of the aggregator's feed id; 0 for none
}

// cell is one feed and agent of the day. The counters hold what was
// counted since the last flush. It holds no pointer, so the garbage
// collector never scans the day's cells.
type cell struct {
	requests, notModified, full, bytes int64
	distinct                           int64 // new exact readers since the last flush
	sketchFlushed                      int64 // the sketch's count at the last flush
	reported, reportedAt               int64
	reportDirty                        bool
}

// NewCounter returns a counter of opts.Feeds.
func NewCounter(opts Options) *Counter {
	c := &Counter{
		feeds:      append([]string(nil), opts.Feeds...),
		feedIndex:  make(map[string]int, len(opts.Feeds)),
		loc:        opts.Location,
		store:      opts.Store,
		log:        opts.Logger,
		now:        opts.Now,
		maxExact:   opts.MaxExact,
		keep:       opts.Keep,
		idSeed:     maphash.MakeSeed(),
		onReport:   opts.OnReport,
		pending:    map[Key]Tally{},
		agentCache: map[string]Parsed{},
	}
	for i, f := range c.feeds {
		c.feedIndex[f] = i
	}
	if c.loc == nil {
		c.loc = func() *time.Location { return time.UTC }
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxExact <= 0 {
		c.maxExact = DefaultMaxExact
	}
	if c.keep <= 0 {
		c.keep = DefaultKeep
	}
	return c
}

// Feed is the index of a counted feed's path, for Response.Feed; -1
// for a path that is not counted.
func (c *Counter) Feed(path string) int {
	if i, ok := c.feedIndex[path]; ok {
		return i
	}
	return -1
}

// Response is one finished response.
type Response struct {
	Feed      int       // Counter.Feed of the path answered
	Time      time.Time // when it started
	Head      bool
	Status    int
	Bytes     int64 // body bytes written
	Client    netip.Addr
	UserAgent string
}

// The value of a seen hash: the agent's index, and flags.
const (
	seenAgent   = 0xff    // the agent's index
	seenCounted = 1 << 8  // counted as a subscriber
	seenReports = 1 << 9  // its User-Agent reports a figure
	seenBot     = 1 << 10 // a bot's: never a subscriber
)

// Count counts one response. Every response of a counted feed is a
// request; a 200 or 304 to a GET is also a subscriber: the aggregator's
// reported figure, or one per distinct address and User-Agent of the
// day. HEAD requests, other statuses and bots are never subscribers.
// A client seen before that day costs a keyed hash and a map lookup,
// and allocates nothing.
func (c *Counter) Count(r *Response) {
	if r.Feed < 0 || r.Feed >= len(c.feeds) {
		return
	}
	t := r.Time.UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.day
	if d == nil || t >= d.end {
		d = c.rotate(r.Time)
	}
	sum := readerHash(d.seed, r.Feed, r.Client, r.UserAgent)

	v, known := d.seen[sum]
	var p Parsed // parsed for a client new today, and for every figure reported
	if !known {
		p = c.parse(r.UserAgent)
		v = uint16(p.Agent)
		if p.Reported >= 0 {
			v |= seenReports
		}
		if agents[p.Agent].Kind == Bot {
			v |= seenBot
		}
	}
	ci := r.Feed*len(agents) + int(v&seenAgent)
	ce := &d.cells[ci]
	ce.requests++
	ce.bytes += max(r.Bytes, 0)
	subscriber := !r.Head && v&seenBot == 0
	switch r.Status {
	case http.StatusNotModified:
		ce.notModified++
	case http.StatusOK:
		if !r.Head {
			ce.full++
		}
	default:
		subscriber = false
	}
	switch {
	case subscriber && v&seenReports != 0:
		if known {
			p = c.parse(r.UserAgent)
		}
		c.report(d, ce, int32(ci), p, t)
	case subscriber && v&seenCounted == 0:
		if known || len(d.seen) < c.maxExact {
			v |= seenCounted
			ce.distinct++
		} else {
			sk := d.sketches[ci]
			if sk == nil {
				sk = new(sketch)
				d.sketches[ci] = sk
			}
			sk.add(sum)
			return
		}
	case known:
		return
	}
	if known || len(d.seen) < c.maxExact {
		d.seen[sum] = v
	}
}

// readerHash is the keyed hash of a reader of a feed: the User-Agent
// hashed with the day's key, mixed with the address and the feed (the
// mix of wyhash: a 128-bit product folded), so nothing about the address
// can be learnt from it without the key.
func readerHash(seed maphash.Seed, feed int, addr netip.Addr, ua string) uint64 {
	a := addr.As16()
	hi := binary.LittleEndian.Uint64(a[:8])
	lo := binary.LittleEndian.Uint64(a[8:])
	k := maphash.String(seed, ua)
	// The feed goes into the low byte of the address's second half,
	// which is 0 for IPv4 (as ::ffff:a.b.c.d) and IPv6 /64s alike.
	return fmix(mix(k^hi^0xa0761d6478bd642f, k^lo^uint64(feed)^0xe7037ed1a0b428db))
}

// fmix is MurmurHash3's 64-bit finaliser. One folded product leaves
// structure when only a few bits vary (IPv4 addresses in a range, one
// User-Agent): the sketch picks registers by the top bits and needs
// every bit of the hash to depend on every bit of the input.
func fmix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// report records an aggregator's figure: the latest for its feed id.
func (c *Counter) report(d *dayState, ce *cell, ci int32, p Parsed, t int64) {
	k := reportKey{cell: ci}
	if p.FeedID != "" {
		k.id = maphash.String(c.idSeed, p.FeedID) | 1
	}
	old, ok := d.reports[k]
	if !ok && len(d.reports) >= maxReports {
		k.id = 0
		old = d.reports[k]
	}
	d.reports[k] = p.Reported
	ce.reported += p.Reported - old
	ce.reportedAt = max(ce.reportedAt+1, t) // later than any figure before it
	ce.reportDirty = true
	if c.onReport != nil {
		label := agents[p.Agent].Label
		if label == "" {
			label = Other
		}
		c.onReport(c.feeds[int(ci)/len(agents)], label, ce.reported)
	}
}

// parse is Parse, remembered for the User-Agents seen most.
func (c *Counter) parse(ua string) Parsed {
	if p, ok := c.agentCache[ua]; ok {
		return p
	}
	p := Parse(ua)
	if len(ua) <= maxCachedAgent && len(c.agentCache) < maxAgentCache {
		c.agentCache[ua] = p
	}
	return p
}

// rotate ends the current day, if any, and starts the day of t in the
// site's time zone with a new key. What the day counted moves to
// pending; its hashes and key are dropped. c.mu is held.
func (c *Counter) rotate(t time.Time) *dayState {
	if c.day != nil {
		c.collect(c.day, c.pending, true)
	}
	loc := c.location()
	lt := t.In(loc)
	y, m, dd := lt.Date()
	start := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	d := &dayState{
		date:     lt.Format(time.DateOnly),
		start:    start.UnixNano(),
		end:      time.Date(y, m, dd+1, 0, 0, 0, 0, loc).UnixNano(),
		seed:     maphash.MakeSeed(),
		cells:    make([]cell, len(c.feeds)*len(agents)),
		seen:     map[uint64]uint16{},
		reports:  map[reportKey]int64{},
		sketches: map[int]*sketch{},
	}
	c.day = d
	clear(c.agentCache) // bounded per day, as the agents of a flood change
	return d
}

// collect adds what d counted since the last flush to into; reset marks
// it flushed. c.mu is held.
func (c *Counter) collect(d *dayState, into map[Key]Tally, reset bool) {
	for i := range d.cells {
		ce := &d.cells[i]
		t := Tally{
			Requests:    ce.requests,
			NotModified: ce.notModified,
			Full:        ce.full,
			Bytes:       ce.bytes,
			Distinct:    ce.distinct,
		}
		if sk := d.sketches[i]; sk != nil {
			n := sk.count()
			t.Distinct += max(n-ce.sketchFlushed, 0)
			if reset {
				ce.sketchFlushed = max(n, ce.sketchFlushed)
			}
		}
		if ce.reportDirty {
			t.Reported, t.ReportedAt = ce.reported, ce.reportedAt
		}
		if t.zero() {
			continue
		}
		merge(into, Key{Day: d.date, Feed: c.feeds[i/len(agents)], Agent: agents[i%len(agents)].Name}, t)
		if reset {
			ce.requests, ce.notModified, ce.full, ce.bytes, ce.distinct = 0, 0, 0, 0, 0
			ce.reportDirty = false
		}
	}
}

// Flush writes what was counted since the last flush in one
// transaction. When the write fails, the counts are kept for the next.
// A day that has ended is closed first, its key dropped.
func (c *Counter) Flush(ctx context.Context) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	now := c.now()
	c.mu.Lock()
	if c.day != nil && now.UnixNano() >= c.day.end {
		c.rotate(now)
	}
	if c.day != nil {
		c.collect(c.day, c.pending, true)
	}
	if c.store == nil {
		c.mu.Unlock()
		return nil
	}
	rows := make([]Row, 0, len(c.pending))
	for k, t := range c.pending {
		rows = append(rows, Row{Key: k, Tally: t})
	}
	clear(c.pending)
	c.mu.Unlock()
	if len(rows) == 0 {
		return c.prune(ctx, now)
	}
	if err := c.store.Add(ctx, rows); err != nil {
		c.mu.Lock()
		for _, r := range rows {
			merge(c.pending, r.Key, r.Tally)
		}
		c.mu.Unlock()
		return err
	}
	return c.prune(ctx, now)
}

// prune deletes the days older than Keep, once a day.
func (c *Counter) prune(ctx context.Context, now time.Time) error {
	local := now.In(c.location())
	today := local.Format(time.DateOnly)
	c.mu.Lock()
	done := c.pruned == today
	c.pruned = today
	c.mu.Unlock()
	if done {
		return nil
	}
	y, m, d := local.Date()
	before := time.Date(y, m, d-c.keep+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	_, err := c.store.Prune(ctx, before)
	return err
}

func (c *Counter) location() *time.Location {
	if loc := c.loc(); loc != nil {
		return loc
	}
	return time.UTC
}

// Run flushes every FlushInterval until ctx is done, then once more
// (given up to 10 s), so a restart loses at most the last interval.
func (c *Counter) Run(ctx context.Context) {
	tick := time.NewTicker(FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := c.Flush(ctx); err != nil && !errors.Is(err, context.Canceled) {
				c.log.Error("audience: counts not written; kept for the next try", "error", err)
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := c.Flush(fctx); err != nil {
				c.log.Error("audience: the last counts were not written", "error", err)
			}
			cancel()
			return
		}
	}
}
