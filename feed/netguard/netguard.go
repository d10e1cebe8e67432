// Package netguard keeps the server's outbound requests (upstream
// sources, WebSub hubs, deliveries to other servers) away from the
// networks the server itself stands on.
//
// A URL from outside (a source's redirect, an actor's inbox) must not
// make the server fetch from its own loopback, private or link-local
// addresses: what it fetched could be published, and how the fetch
// failed would tell which internal ports are open. The rule is checked
// where it cannot be dodged: on the address a connection is actually
// made to, after DNS resolution, for every connection of every hop of
// a redirect chain.
//
// Two exceptions. A URL the site's owner configured may name such an
// address (a source on the same machine, a hub on the LAN): [Allow]
// marks its host and port, for one request and its redirects; a
// redirect elsewhere is checked as ever. And Options.AllowPrivate lets
// every request through, for a site whose whole world is private.
//
// Connections made under the first exception are pooled apart from the
// others, so a request that is not allowed never reuses one.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// ErrBlocked is returned (wrapped) for a request to an address the
// guard refuses, before any connection is tried: the error reads the
// same whether anything listens there, and names no resolved address.
var ErrBlocked = errors.New("refused: a loopback, private or link-local address")

// Options configure a Client.
type Options struct {
	// ConnectTimeout bounds the dial and the TLS handshake (default 10s).
	ConnectTimeout time.Duration
	// AllowPrivate lets every request reach every address.
	AllowPrivate bool
	// MaxIdleConnsPerHost bounds idle connections kept per host (default 2).
	MaxIdleConnsPerHost int
}

// Transport is an http.RoundTripper whose every connection is checked:
// a request carries on to its host only if the address dialled is not
// Blocked, or the request's context allows that host (Allow). It
// honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY; the proxy named there
// is the operator's choice and may be private (then the proxy, not this
// guard, decides what lies behind it).
type Transport struct {
	guarded, allowed *http.Transport
	allowAll         bool
}

// NewTransport returns a guarded transport. It asks for no compression:
// callers that cap sizes decode bodies themselves.
func NewTransport(o Options) *Transport {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 2
	}
	proxies := proxyAddrs()
	plain := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	checked := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second, ControlContext: control}
	guardedDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[addr] {
			return plain.DialContext(ctx, network, addr)
		}
		conn, err := checked.DialContext(ctx, network, addr)
		if errors.Is(err, ErrBlocked) {
			// net's error names the resolved address: name only the one asked for.
			return nil, fmt.Errorf("dial %s: %w", addr, ErrBlocked)
		}
		return conn, err
	}
	newTransport := func(dial func(context.Context, string, string) (net.Conn, error)) *http.Transport {
		return &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            dial,
			TLSHandshakeTimeout:    o.ConnectTimeout,
			IdleConnTimeout:        90 * time.Second,
			MaxIdleConnsPerHost:    o.MaxIdleConnsPerHost,
			MaxResponseHeaderBytes: 64 << 10,
			DisableCompression:     true,
			ForceAttemptHTTP2:      true,
		}
	}
	t := &Transport{guarded: newTransport(guardedDial), allowAll: o.AllowPrivate}
	t.allowed = newTransport(plain.DialContext)
	return t
}

// Configure applies f to both of t's pools (timeouts, pool sizes).
func (t *Transport) Configure(f func(*http.Transport)) {
	f(t.guarded)
	f(t.allowed)
}

// RoundTrip sends req through the pool its host is allowed to use.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.allowAll || allowed(req.Context(), req.URL) {
		return t.allowed.RoundTrip(req)
	}
	if err := checkLiteral(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return t.guarded.RoundTrip(req)
}

// CloseIdleConnections closes both pools' idle connections.
func (t *Transport) CloseIdleConnections() {
	t.guarded.CloseIdleConnections()
	t.allowed.CloseIdleConnections()
}

// CheckRedirect is the rule for a redirect's next hop, for an
// http.Client's CheckRedirect: a hop to an address named literally is
// refused at once (a hop to a name is checked when it is dialled).
func (t *Transport) CheckRedirect(req *http.Request) error {
	if t.allowAll || allowed(req.Context(), req.URL) {
		return nil
	}
	return checkLiteral(req.URL)
}

// Blocked reports whether a is an address outbound requests must not
// reach: loopback, private (RFC 1918, RFC 4193), link-local (cloud
// metadata services live at 169.254.169.254), shared (RFC 6598),
// unspecified, multicast, broadcast or reserved, in IPv4, IPv6 or
// IPv4-mapped IPv6.
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and 255.255.255.255
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64: an IPv4 address in disguise
	netip.MustParsePrefix("2002::/16"),     // 6to4: likewise
}

// control refuses a connection about to be made to a Blocked address:
// address is what DNS resolved to, so a name pointing inside is caught.
func control(_ context.Context, network, address string, _ syscall.RawConn) error {
	// The error names no address: what an internal name resolves to is
	// not for whoever wrote the redirect to learn.
	ap, err := netip.ParseAddrPort(address)
	if err != nil || Blocked(ap.Addr()) {
		return ErrBlocked
	}
	return nil
}

// checkLiteral refuses a URL whose host is a Blocked address, before
// any connection is tried.
func checkLiteral(u *url.URL) error {
	if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && Blocked(a) {
		return fmt.Errorf("%w (%s)", ErrBlocked, a)
	}
	return nil
}

type allowKey struct{}

// Allow returns ctx under which requests to rawURL's host and port may
// reach any address: the URL is one the site's owner configured. A
// redirect to another host or port is checked as ever.
func Allow(ctx context.Context, rawURL string) context.Context {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, allowKey{}, hostPort(u))
}

func allowed(ctx context.Context, u *url.URL) bool {
	hp, ok := ctx.Value(allowKey{}).(string)
	return ok && hp != "" && hp == hostPort(u)
}

// hostPort is u's host and port, the port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// proxyAddrs are the host:port of the proxies the environment names.
func proxyAddrs() map[string]bool {
	out := map[string]bool{}
	cfg := httpproxy.FromEnvironment()
	for _, p := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if p == "" {
			continue
		}
		if !strings.Contains(p, "://") {
			p = "http://" + p
		}
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			out[hostPort(u)] = true
		}
	}
	return out
}
