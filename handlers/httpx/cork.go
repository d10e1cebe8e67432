package httpx

import (
	"context"
	"net"
	"syscall"
)

// A feed larger than net/http's connection buffer (4 KiB) leaves the
// server in two writes: the headers with the first bytes, then the rest.
// On their own they become two transmissions and two wake-ups of the
// reader; corked (TCP_CORK, where the system has it), they leave as full
// segments, as a static file server's sendfile does.

type connKey struct{}

// ConnContext remembers each connection's raw socket in its requests'
// context, for corking. Set it as the http.Server's ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if w, ok := c.(interface{ NetConn() net.Conn }); ok { // handed over by the fast path
		c = w.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			return context.WithValue(ctx, connKey{}, raw)
		}
	}
	return ctx
}

// CorkThreshold is the body size from which a response is written in
// two pieces by net/http, and so worth corking.
const CorkThreshold = 3 << 10

// Cork holds back partial segments of the connection of ctx until the
// returned function is called; it does nothing when the connection is
// unknown or the system cannot cork.
func Cork(ctx context.Context) (uncork func()) {
	raw, ok := ctx.Value(connKey{}).(syscall.RawConn)
	if !ok || !setCork(raw, true) {
		return func() {}
	}
	return func() { setCork(raw, false) }
}
