package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestBlocked(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.9.9.9": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "172.31.255.255": true,
		"192.168.1.1": true, "169.254.169.254": true, "fe80::1": true, "fc00::1": true, "fd12:3456::1": true,
		"::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true, "0.0.0.0": true, "::": true, "100.64.0.1": true,
		"224.0.0.1": true, "255.255.255.255": true, "64:ff9b::7f00:1": true, "2002:7f00:1::1": true,
		"8.8.8.8": false, "93.184.216.34": false, "172.32.0.1": false, "2001:4860:4860::8888": false, "100.128.0.1": false,
	} {
		if got := Blocked(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Blocked(%s) = %v, want %v", addr, got, want)
		}
	}
}

// client is a client over a guarded transport, following redirects
// under the guard's rule, as upstream and websub build theirs.
func client(o Options) *http.Client {
	tr := NewTransport(o)
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, _ []*http.Request) error { return tr.CheckRedirect(req) }}
}

func get(t *testing.T, c *http.Client, ctx context.Context, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// A loopback server is refused, by address and by a name resolving to
// it, unless the request's URL is the one configured (Allow) or the
// setting allows every address.
func TestLoopbackRefusedUnlessConfigured(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	byName := "http://localhost:" + port + "/"
	c := client(Options{})
	ctx := t.Context()
	for _, u := range []string{srv.URL, byName} {
		if _, err := get(t, c, ctx, u); !errors.Is(err, ErrBlocked) {
			t.Errorf("GET %s: %v, want ErrBlocked", u, err)
		}
	}
	if resp, err := get(t, c, Allow(ctx, srv.URL), srv.URL); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %s, configured: %v", srv.URL, err)
	}
	if _, err := get(t, c, Allow(ctx, srv.URL), byName); !errors.Is(err, ErrBlocked) {
		t.Errorf("GET %s while %s is configured: %v, want ErrBlocked", byName, srv.URL, err)
	}
	if resp, err := get(t, client(Options{AllowPrivate: true}), ctx, byName); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %s with AllowPrivate: %v", byName, err)
	}
}

// A configured source on this machine that redirects elsewhere inside
// (another port, a private network, the cloud's metadata service) is
// refused at that hop; a redirect within the configured host and port
// is followed.
func TestRedirectInsideRefused(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer internal.Close()
	var target string
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/here" {
			w.Write([]byte("ok"))
			return
		}
		http.Redirect(w, r, target, http.StatusFound)
	}))
	defer src.Close()
	c := client(Options{})
	ctx := Allow(t.Context(), src.URL)
	for _, to := range []string{internal.URL + "/internal.xml", "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]:1/", "http://localhost" + strings.TrimPrefix(internal.URL, "http://127.0.0.1")} {
		target = to
		if _, err := get(t, c, ctx, src.URL+"/feed"); !errors.Is(err, ErrBlocked) {
			t.Errorf("redirect to %s: %v, want ErrBlocked", to, err)
		}
	}
	target = src.URL + "/here"
	if resp, err := get(t, c, ctx, src.URL+"/feed"); err != nil || resp.StatusCode != 200 {
		t.Errorf("redirect within the configured host: %v", err)
	}
}

// Whether an internal port is open or closed, the refusal reads the
// same: no connection is tried. Nor does it tell what a name resolved to.
func TestRefusalTellsNothingOfPorts(t *testing.T) {
	open := httptest.NewServer(http.NotFoundHandler())
	defer open.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()
	c := client(Options{})
	var msgs []string
	for _, addr := range []string{strings.TrimPrefix(open.URL, "http://"), closedAddr} {
		_, port, _ := net.SplitHostPort(addr)
		for _, host := range []string{"127.0.0.1", "localhost"} {
			_, err := get(t, c, t.Context(), "http://"+host+":"+port+"/")
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("%s:%s: %v", host, port, err)
			}
			if host == "localhost" && (strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "::1")) {
				t.Errorf("the refusal tells what localhost resolves to: %v", err)
			}
			msgs = append(msgs, strings.ReplaceAll(err.Error(), port, "PORT"))
		}
	}
	if msgs[0] != msgs[2] || msgs[1] != msgs[3] {
		t.Errorf("open and closed ports answer differently:\n%s", strings.Join(msgs, "\n"))
	}
}
