package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// Shutdown ends the preview's event stream, which it would otherwise
// wait for in vain, then Serve returns http.ErrServerClosed; a Serve
// after Shutdown closes its listener and serves nothing.
func TestServerShutdown(t *testing.T) {
	ts := newTestServer(t, fixture())
	h, err := NewServer(Deps{Content: ts.live, Feeds: ts.feeds, Now: ts.clock.Now, PreviewToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln) }()

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+ln.Addr().String()+"/preview/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/preview/events: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (the event stream held it up)", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}

	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Serve(ln2); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", ln2.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("Serve after Shutdown left its listener open")
	}
}

// Deps.Limits reach both paths: zero fields are the defaults, set ones
// are used by net/http and the fast path alike.
func TestServerLimits(t *testing.T) {
	ts := newTestServer(t, fixture())
	h, err := NewServer(Deps{Content: ts.live, Feeds: ts.feeds, Limits: Limits{ReadHeaderTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultLimits()
	want.ReadHeaderTimeout = time.Second
	if h.limits != want {
		t.Errorf("limits %+v, want %+v", h.limits, want)
	}
	if h.http.ReadHeaderTimeout != time.Second || h.http.IdleTimeout != want.IdleTimeout || h.http.MaxHeaderBytes != want.MaxHeaderBytes || h.http.Handler != h.e {
		t.Errorf("http.Server: %+v", h.http)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := h.listen(ln)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.readHeaderTimeout != time.Second || l.idleTimeout != want.IdleTimeout || l.writeTimeout != want.WriteTimeout {
		t.Errorf("fast path: header %v, idle %v, write %v", l.readHeaderTimeout, l.idleTimeout, l.writeTimeout)
	}
}
