package httpx

import (
	"container/list"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Abuse control. A feed reader that polls politely is never limited: a
// conditional request answered 304 costs nothing and is never counted,
// and a reader that fetches a feed in full once a minute stays inside
// the default. What is limited is one client downloading the same feed
// in full over and over: each (client, feed) pair has a token bucket
// holding an hour's allowance, refilled evenly over the hour.

// maxVisitors bounds the visitor table. When it is full the client seen
// least recently is forgotten, which at worst gives it a fresh bucket.
const maxVisitors = 100_000

// visitor identifies a bucket: a client and what it downloads (a feed).
type visitor struct {
	client netip.Addr // IPv6 clients by their /64, which one host can rotate through
	key    string     // what is downloaded: a feed's path
}

type bucket struct {
	key    visitor
	tokens float64
	last   time.Time
}

// Limiter is a token bucket per visitor, with the least recently used
// visitor forgotten when the table is full. One mutex guards it: the
// critical section is a map lookup and some arithmetic, taken only for
// full feed responses (a few per feed per content change per client).
type Limiter struct {
	burst float64 // bucket size: an hour's allowance
	rate  float64 // tokens per second
	max   int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[visitor]*list.Element // of *bucket
	lru     list.List                 // front: most recently used
}

// NewLimiter allows perHour full responses per visitor per hour; nil
// (no limit) when perHour is not positive.
func NewLimiter(perHour int, now func() time.Time) *Limiter {
	if perHour <= 0 {
		return nil
	}
	return &Limiter{
		burst:   float64(perHour),
		rate:    float64(perHour) / 3600,
		max:     maxVisitors,
		now:     now,
		buckets: map[visitor]*list.Element{},
	}
}

// Allow takes a token from the visitor's bucket. When the bucket is
// empty it returns false and how long until a token is back.
func (l *Limiter) Allow(client netip.Addr, key string) (ok bool, retryAfter time.Duration) {
	v := visitor{client, key}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, found := l.buckets[v]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
		if d := now.Sub(b.last).Seconds(); d > 0 {
			b.tokens = math.Min(l.burst, b.tokens+d*l.rate)
		}
		b.last = now
	} else {
		if len(l.buckets) >= l.max {
			oldest := l.lru.Back()
			delete(l.buckets, oldest.Value.(*bucket).key)
			l.lru.Remove(oldest)
		}
		b = &bucket{key: v, tokens: l.burst, last: now}
		l.buckets[v] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Len is the number of visitors remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientAddr is the client of a request as the limiter counts it: the
// address echo's IPExtractor gives (the connection's peer unless trusted
// proxies are configured), with IPv6 addresses cut to their /64.
func ClientAddr(c echo.Context) netip.Addr {
	a, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return netip.Addr{}
	}
	return LimitKey(a)
}

// LimitKey is the address the limiter counts a client by: IPv4 as is,
// IPv6 cut to its /64.
func LimitKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		a = p.Addr()
	}
	return a
}

// IPExtractor returns how echo finds the client's address. Without
// trusted proxies it is the connection's peer, and X-Forwarded-For is
// ignored whoever sends it. With them, X-Forwarded-For is read from the
// right, through the trusted proxies only: loopback and private
// addresses are not trusted unless listed.
func IPExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{
			IP:   net.IP(p.Addr().AsSlice()),
			Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen()),
		}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Over decides the 429: whether a full download of what key names (a
// feed's path) by client is over the limit, and when the client may try
// again. Only full downloads of a GET count: a 304 is answered before
// this is asked, and a HEAD sends no body. Write and the fast path both
// ask it. A nil Limiter limits nothing; nor does an empty key.
func (l *Limiter) Over(client netip.Addr, key string, head bool) (over bool, retryAfter time.Duration) {
	if l == nil || head || key == "" {
		return false, 0
	}
	ok, wait := l.Allow(client, key)
	return !ok, wait
}
