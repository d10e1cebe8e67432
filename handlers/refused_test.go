package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A client refused with 429 again and again is one log line a minute
// with the count, not a line per request.
func TestRefusalsLoggedPerClientPerMinute(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) { d.RateLimit = 1; d.AccessLog = true })
	const abuser, other = "192.0.2.1:4000", "198.51.100.7:5000"
	for i := range 500 {
		want := http.StatusTooManyRequests
		if i == 0 {
			want = 200
		}
		if rec := ts.from(abuser, "GET", "/feed.atom"); rec.Code != want {
			t.Fatalf("download %d: %d, want %d", i+1, rec.Code, want)
		}
	}
	for range 3 {
		ts.from(other, "GET", "/feed.rss")
	}
	logs := ts.logs.String()
	if n := strings.Count(logs, "status=429"); n != 0 {
		t.Fatalf("%d lines for 429s within the minute, want none yet:\n%s", n, truncate(logs))
	}
	if n := strings.Count(logs, "msg=request"); n != 2 {
		t.Errorf("%d access log lines, want 2 (the two 200s)", n)
	}
	// The next minute's first response logs the last minute's refusals.
	ts.clock.Set(ts.clock.Now().Add(time.Minute))
	ts.from(other, "GET", "/")
	logs = ts.logs.String()
	for _, want := range []string{
		"msg=refused client=192.0.2.1 status=429 count=499 ",
		"msg=refused client=198.51.100.7 status=429 count=2 ",
	} {
		if strings.Count(logs, want) != 1 {
			t.Errorf("log lacks %q once:\n%s", want, truncate(logs))
		}
	}
	if n := strings.Count(logs, "msg=refused"); n != 2 {
		t.Errorf("%d refusal lines, want 2", n)
	}
	// Nothing left to log: a later minute adds nothing.
	ts.clock.Set(ts.clock.Now().Add(time.Minute))
	ts.from(other, "GET", "/")
	if n := strings.Count(ts.logs.String(), "msg=refused"); n != 2 {
		t.Errorf("%d refusal lines after another minute, want 2", n)
	}
}

// Counts are bounded: past maxRefusedClients in a minute, clients are
// counted together; flush logs what is held (at Shutdown).
func TestRefusalsBounded(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, nil)
	var r refusals
	at := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	for i := range maxRefusedClients + 5 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		r.add(context.Background(), h, at, a)
	}
	if buf.Len() != 0 {
		t.Fatal("logged within the minute")
	}
	r.flush(context.Background(), h)
	if n := strings.Count(buf.String(), "msg=refused"); n != maxRefusedClients+1 {
		t.Errorf("%d lines, want %d", n, maxRefusedClients+1)
	}
	if !strings.Contains(buf.String(), "client=others status=429 count=5 minute=2026-01-01T10:00:00.000Z") {
		t.Errorf("no line for the clients past the bound:\n%s", buf.String()[buf.Len()-300:])
	}
}
