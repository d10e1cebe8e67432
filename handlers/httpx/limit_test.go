package httpx

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiterBounded(t *testing.T) {
	now := time.Date(2026, 4, 25, 6, 0, 0, 0, time.UTC) // the limiter runs on the clock it is given
	l := NewLimiter(1, func() time.Time { return now })
	l.max = 100
	for i := range 1000 {
		a := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		if ok, _ := l.Allow(a, "/feed.atom"); !ok {
			t.Fatalf("visitor %d refused on its first download", i)
		}
	}
	if n := l.Len(); n != 100 {
		t.Errorf("visitor table holds %d, want the bound 100", n)
	}
	// The most recent visitors are the ones kept.
	if ok, _ := l.Allow(netip.AddrFrom4([4]byte{198, 51, 3, 231}), "/feed.atom"); ok {
		t.Error("the last visitor was forgotten")
	}
}

// BenchmarkLimiterAllow is the cost of abuse control on a full response.
func BenchmarkLimiterAllow(b *testing.B) {
	now := time.Date(2026, 4, 25, 6, 0, 0, 0, time.UTC)
	l := NewLimiter(1<<30, func() time.Time { return now })
	a := netip.MustParseAddr("192.0.2.1")
	for b.Loop() {
		l.Allow(a, "/feed.atom")
	}
}
