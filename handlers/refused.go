package handlers

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxRefusedClients bounds the clients counted apart in one minute;
// those past it are counted together (logged as client "others").
const maxRefusedClients = 10_000

// refusals counts the requests refused with 429 per client per minute,
// for the log: a client hammering a feed is one line a minute, not one
// line per request (a 15 s abuser made 92 MB of access log).
//
// The counts of a minute are logged by the first response recorded in a
// later minute, or by flush (at Shutdown).
type refusals struct {
	pending atomic.Bool  // counts wait to be logged
	minute  atomic.Int64 // the minute counted, Unix seconds

	mu     sync.Mutex
	counts map[netip.Addr]int
	others int // refusals of clients past maxRefusedClients
}

// minuteOf is t's minute, in Unix seconds.
func minuteOf(t time.Time) int64 { return t.Unix() - t.Unix()%60 }

// add counts a refusal of client at t; when t is of a later minute than
// the counts held, those are logged first.
func (r *refusals) add(ctx context.Context, h slog.Handler, t time.Time, client netip.Addr) {
	m := minuteOf(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending.Load() && r.minute.Load() != m {
		r.logLocked(ctx, h)
	}
	if r.counts == nil {
		r.counts = map[netip.Addr]int{}
	}
	if _, ok := r.counts[client]; ok || len(r.counts) < maxRefusedClients {
		r.counts[client]++
	} else {
		r.others++
	}
	r.minute.Store(m)
	r.pending.Store(true)
}

// due logs the counts held when t is of a later minute; two atomic loads
// when there is nothing to log.
func (r *refusals) due(ctx context.Context, h slog.Handler, t time.Time) {
	if !r.pending.Load() || r.minute.Load() == minuteOf(t) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending.Load() && r.minute.Load() != minuteOf(t) {
		r.logLocked(ctx, h)
	}
}

// flush logs the counts held, whatever their minute.
func (r *refusals) flush(ctx context.Context, h slog.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending.Load() {
		r.logLocked(ctx, h)
	}
}

// logLocked writes one line per client counted, in the order of their
// addresses, and forgets the counts.
func (r *refusals) logLocked(ctx context.Context, h slog.Handler) {
	start := time.Unix(r.minute.Load(), 0).UTC()
	line := func(client string, n int) {
		rec := slog.NewRecord(start.Add(time.Minute), slog.LevelInfo, "refused", 0)
		rec.AddAttrs(
			slog.String("client", client),
			slog.Int("status", 429),
			slog.Int("count", n),
			slog.Time("minute", start),
		)
		_ = h.Handle(ctx, rec)
	}
	clients := make([]netip.Addr, 0, len(r.counts))
	for a := range r.counts {
		clients = append(clients, a)
	}
	slices.SortFunc(clients, netip.Addr.Compare)
	for _, a := range clients {
		line(a.String(), r.counts[a])
	}
	if r.others > 0 {
		line("others", r.others)
	}
	clear(r.counts)
	r.others = 0
	r.pending.Store(false)
}
