package handlers

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// The fast path for feeds.
//
// Aggregators poll the subscription feeds every few minutes; most of the
// server's requests are a plain GET of /feed.atom or the like, answered
// with cached bytes or a 304. Through net/http and Echo such a request
// costs several times what the lookup and the write cost: a background
// read per request, a header map, a sorted header write, the headers and
// the body in two writes. Listener answers exactly those requests itself
// on the connection, in one write (writev), and passes every other
// connection to net/http at its first request that is anything else:
// another path, a query string, a body, HTTP/1.0, a header split over
// two reads. From then on net/http serves that connection, so every
// other rule of the server (timeouts on partial headers, body limits,
// 400s for malformed requests) stays net/http's.
//
// The answers are the feed handler's, byte for byte except the Date
// (fastpath_test.go compares them): the same snapshot, cache, prepared
// headers, conditional rules, abuse control (a client over its limit is
// handed to net/http, which answers the 429), metrics and access log.

// fastRoute is one subscription feed answered by the fast path.
type fastRoute struct {
	path   string
	spec   feed.Spec
	format feed.Format
}

// newListener returns a listener for h's http.Server that answers the
// plain feed requests of the connections ln accepts, and gives net/http
// the connections that ask anything else, with h's limits on both.
// Server.Serve makes it and Server.Shutdown closes it (through net/http)
// and waits for the responses the fast path is writing.
func newListener(ln net.Listener, h *Server) *Listener {
	l := &Listener{
		ln:                ln,
		h:                 h,
		readHeaderTimeout: cmp.Or(h.limits.ReadHeaderTimeout, h.limits.ReadTimeout), // as net/http falls back
		idleTimeout:       cmp.Or(h.limits.IdleTimeout, h.limits.ReadTimeout),
		writeTimeout:      h.limits.WriteTimeout,
		handoff:           make(chan net.Conn),
		done:              make(chan struct{}),
		conns:             map[*fastConn]struct{}{},
	}
	go l.acceptLoop()
	return l
}

// Listener is the fast path's net.Listener: what it accepts are the
// connections handed to net/http.
type Listener struct {
	ln                                           net.Listener
	h                                            *Server
	readHeaderTimeout, idleTimeout, writeTimeout time.Duration

	handoff   chan net.Conn
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	err       error // why accepting stopped, when not by Close; set before done closes

	mu    sync.Mutex
	conns map[*fastConn]struct{} // connections the fast path is serving
	wg    sync.WaitGroup         // one per entry of conns

	served atomic.Int64 // responses written by the fast path
}

// Accept returns the next connection for net/http.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.handoff:
		return c, nil
	case <-l.done:
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Addr is the address listened on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting and closes the connections that wait for their
// next request; those writing a response close when it is written.
func (l *Listener) Close() error {
	err := net.ErrClosed
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.ln.Close()
		l.mu.Lock()
		for fc := range l.conns {
			if fc.state.CompareAndSwap(connIdle, connClosed) {
				fc.c.Close()
			}
		}
		l.mu.Unlock()
	})
	return err
}

// Shutdown closes the listener and waits for the responses being written
// by the fast path, or until ctx is done, when it closes their connections.
func (l *Listener) Shutdown(ctx context.Context) error {
	_ = l.Close()
	waited := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		for fc := range l.conns {
			fc.c.Close()
		}
		l.mu.Unlock()
		return ctx.Err()
	}
}

func (l *Listener) closing() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *Listener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.closing() {
				return
			}
			var ne net.Error
			if errors.Is(err, net.ErrClosed) || !errors.As(err, &ne) {
				l.err = err
				l.Close()
				return
			}
			// Out of file descriptors and the like: wait, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
			case <-l.done:
				return
			}
			continue
		}
		delay = 0
		fc := &fastConn{c: c, br: bufio.NewReaderSize(c, fastReadBuffer)}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			fc.client = httpx.LimitKey(ap.Addr())
		}
		l.mu.Lock()
		if l.closing() {
			l.mu.Unlock()
			c.Close()
			return
		}
		l.conns[fc] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go l.serve(fc)
	}
}

// fastReadBuffer holds a connection's pending requests. A plain feed
// request is a few hundred bytes; one that does not fit goes to net/http.
const fastReadBuffer = 4 << 10

// The states of a fast connection, for Close.
const (
	connIdle   int32 = iota // waiting for a request
	connActive              // answering one
	connClosed              // closed by Close while idle
)

// fastConn is one connection while the fast path serves it.
type fastConn struct {
	c      net.Conn
	br     *bufio.Reader
	client netip.Addr // as the limiter counts it
	state  atomic.Int32
	out    []byte // the response's headers, reused
	block  [httpx.MaxFields]httpx.Field
	vec    [2][]byte
}

// serve answers the connection's requests while they are plain feed
// requests, then hands the connection to net/http or closes it.
//
// It waits for requests as net/http's conn.serve does, so that a client
// sees no difference: the first request's headers must arrive within
// the header timeout of the connection's start; between requests it
// waits, up to the idle timeout, for 4 bytes (not 1), which also leaves
// a stray CRLF or 1–3 bytes after a request unanswered until more come
// or the connection ends. A connection handed over keeps the deadlines
// of the request it was handed over at (handedConn).
func (l *Listener) serve(fc *fastConn) {
	handedOff := false
	defer func() {
		if p := recover(); p != nil {
			l.h.s.log.Error("fast path: panic", "error", p, "stack", string(debug.Stack()))
		}
		l.mu.Lock()
		delete(l.conns, fc)
		l.mu.Unlock()
		l.wg.Done()
		if !handedOff {
			fc.c.Close()
		}
	}()
	start := time.Now() // when the request being read started to count
	if l.readHeaderTimeout > 0 {
		_ = fc.c.SetReadDeadline(start.Add(l.readHeaderTimeout))
	}
	wait := 1 // bytes to wait for: any, for the first request
	for {
		if _, err := fc.br.Peek(wait); err != nil {
			return // closed, idle too long, or closed by Close
		}
		if wait > 1 {
			start = time.Now() // net/http starts the header timeout here
		}
		if !fc.state.CompareAndSwap(connIdle, connActive) {
			return
		}
		buf, _ := fc.br.Peek(fc.br.Buffered())
		req, ok := parseFastRequest(buf, l.h.routes)
		if ok {
			ok = l.answer(fc, &req)
		}
		if !ok {
			// net/http reads this request from the start.
			_ = fc.c.SetDeadline(time.Time{})
			hc := &handedConn{Conn: fc.c, r: fc.br}
			hc.shift.Store(int64(time.Since(start)))
			select {
			case l.handoff <- hc:
				handedOff = true
			case <-l.done:
			}
			return
		}
		_, _ = fc.br.Discard(req.n)
		if req.close {
			return
		}
		fc.state.Store(connIdle)
		if l.closing() {
			return
		}
		if l.idleTimeout > 0 {
			_ = fc.c.SetReadDeadline(time.Now().Add(l.idleTimeout))
		}
		wait = 4
	}
}

// answer writes the response to req. It returns false, having written
// nothing, when net/http must answer instead; then req is not consumed.
func (l *Listener) answer(fc *fastConn, req *fastRequest) bool {
	s := l.h.s
	if req.forwarded && s.trustsProxies {
		return false // the client is named by X-Forwarded-For: echo's IPExtractor reads it
	}
	start := time.Now()
	r, cc, err := getFeed(s, req.route)
	if err != nil {
		return false // the feed handler reports it
	}
	b := httpx.BodyFor(r, httpx.AcceptEncoding(req.acceptEncoding))
	status := http.StatusOK
	if httpx.NotModifiedBy(req.ifNoneMatch[:req.nINM], req.ifModifiedSince, b.ETag, r.LastModified) {
		status = http.StatusNotModified
	} else if over, _ := s.limiter.Over(fc.client, req.route.path, req.head); over {
		return false // the feed handler answers 429
	}

	// httpx.Write's header block, then what net/http adds: Date, and
	// Connection: close when the client asked.
	out := fc.out[:0]
	if status == http.StatusOK {
		out = append(out, "HTTP/1.1 200 OK\r\n"...)
	} else {
		out = append(out, "HTTP/1.1 304 Not Modified\r\n"...)
	}
	out = httpx.AppendFields(out, httpx.Block(fc.block[:0], r, b, status, cc, httpx.VaryAcceptEncoding, true))
	out = append(out, "Date: "...)
	out = appendDate(out, start)
	if req.close {
		out = append(out, "\r\nConnection: close"...)
	}
	out = append(out, "\r\n\r\n"...)
	fc.out = out

	var body []byte
	if status == http.StatusOK && !req.head {
		body = b.Bytes
	}
	l.served.Add(1)
	if l.writeTimeout > 0 {
		_ = fc.c.SetWriteDeadline(start.Add(l.writeTimeout))
	}
	var n int64
	if len(body) > 0 {
		fc.vec = [2][]byte{out, body}
		bufs := net.Buffers(fc.vec[:])
		n, err = bufs.WriteTo(fc.c)
	} else {
		_, err = fc.c.Write(out)
	}
	sent := int64(len(body))
	if err != nil {
		req.close = true // the client is gone: nothing more to answer
		// Count the body bytes written, as net/http's writer does: a
		// download aborted part-way is not a whole one.
		sent = max(0, n-int64(len(out)))
	}
	method := http.MethodGet
	if req.head {
		method = http.MethodHead
	}
	s.record(context.Background(), start, time.Since(start), method, req.route.path, req.route.path, status, sent, req.userAgent, fc.client)
	return true
}

// getFeed is the feed handler's subscriptionFeed. A panic while
// rendering is returned as an error: the request then goes to the feed
// handler, whose guard turns it into a 500 and a log line.
func getFeed(s *server, r *fastRoute) (resp *feed.Response, cc []string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return s.site.SubscriptionFeed(r.spec, r.format)
}

// fastRequest is a plain request for a subscription feed.
type fastRequest struct {
	n               int // bytes, up to and with the blank line
	head            bool
	route           *fastRoute
	acceptEncoding  string // the first Accept-Encoding, as Header.Get gives it
	ifNoneMatch     [maxIfNoneMatch]string
	nINM            int
	ifModifiedSince string
	userAgent       string
	close           bool // Connection: close
	forwarded       bool // X-Forwarded-For is present
}

// maxIfNoneMatch bounds the If-None-Match lines the fast path reads;
// more go to net/http.
const maxIfNoneMatch = 4

// maxFastHeaders bounds the header lines of a request the fast path
// answers; more go to net/http.
const maxFastHeaders = 64

// parseFastRequest parses the request at the start of buf when it is one
// the fast path answers: complete in buf, GET or HEAD of a subscription
// feed's exact path (no query), HTTP/1.1, one valid Host, no body, and
// no header that asks for more than a feed (Expect, Upgrade, a
// Connection option other than keep-alive or close). Anything else,
// including anything net/http would refuse, is left to net/http.
func parseFastRequest(buf []byte, routes map[string]*fastRoute) (fastRequest, bool) {
	var r fastRequest
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return r, false
	}
	r.n = end + 4
	head := string(buf[:end+2]) // every line ends with CRLF
	line, rest, _ := strings.Cut(head, "\r\n")
	method, line, _ := strings.Cut(line, " ")
	switch method {
	case http.MethodGet:
	case http.MethodHead:
		r.head = true
	default:
		return r, false
	}
	target, proto, _ := strings.Cut(line, " ")
	if proto != "HTTP/1.1" {
		return r, false
	}
	if r.route = routes[target]; r.route == nil {
		return r, false
	}
	hosts, lines := 0, 0
	seenAE, seenIMS, seenUA := false, false, false
	for rest != "" {
		line, rest, _ = strings.Cut(rest, "\r\n")
		if lines++; lines > maxFastHeaders {
			return r, false
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validFieldName(name) {
			return r, false // also a continuation line, which starts with a space
		}
		value = strings.Trim(value, " \t")
		if !validFieldValue(value) {
			return r, false
		}
		switch {
		case strings.EqualFold(name, "Host"):
			if hosts++; !validHost(value) {
				return r, false
			}
		case strings.EqualFold(name, "Accept-Encoding"):
			if !seenAE {
				r.acceptEncoding, seenAE = value, true
			}
		case strings.EqualFold(name, "If-None-Match"):
			if r.nINM == maxIfNoneMatch {
				return r, false
			}
			r.ifNoneMatch[r.nINM] = value
			r.nINM++
		case strings.EqualFold(name, "If-Modified-Since"):
			if !seenIMS {
				r.ifModifiedSince, seenIMS = value, true
			}
		case strings.EqualFold(name, "User-Agent"):
			if !seenUA {
				r.userAgent, seenUA = value, true
			}
		case strings.EqualFold(name, "Connection"):
			for opt := range strings.SplitSeq(value, ",") {
				switch opt = strings.TrimSpace(opt); {
				case strings.EqualFold(opt, "close"):
					r.close = true
				case opt == "", strings.EqualFold(opt, "keep-alive"):
				default:
					return r, false
				}
			}
		case strings.EqualFold(name, "X-Forwarded-For"):
			r.forwarded = true
		case strings.EqualFold(name, "Content-Length"), strings.EqualFold(name, "Transfer-Encoding"),
			strings.EqualFold(name, "Expect"), strings.EqualFold(name, "Upgrade"):
			return r, false
		}
	}
	return r, hosts == 1
}

// validFieldName reports whether s is a token (RFC 9110 §5.1).
func validFieldName(s string) bool { return s != "" && alnumOr(s, "!#$%&'*+-.^_`|~") }

// validFieldValue reports whether s has no control character but tab.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHost accepts the Host values of ordinary requests: a name or
// address and a port. Anything unusual goes to net/http, which has the
// full rules.
func validHost(s string) bool { return s != "" && alnumOr(s, ".-:[]_") }

// alnumOr reports whether every byte of s is an ASCII letter or digit or
// one of extra.
func alnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// handedConn is a connection given to net/http with the bytes the fast
// path read and did not answer.
//
// net/http starts the header and request timeouts of the first request
// when it starts reading it, which for a handed connection is when the
// fast path gave up on it: shift is how long before that the request
// started to count (the connection's start, or the end of the previous
// request), and the read deadlines net/http sets are brought forward by
// it until the first response is written. A slow client gets the same
// 5 s it gets from net/http alone, not 5 s more.
type handedConn struct {
	net.Conn
	r     *bufio.Reader
	shift atomic.Int64 // a time.Duration; 0 once net/http writes
}

func (c *handedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *handedConn) SetReadDeadline(t time.Time) error {
	if d := c.shift.Load(); d > 0 && !t.IsZero() {
		t = t.Add(-time.Duration(d))
	}
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline and Write mark the end of the first request's
// reading: net/http sets the write deadline once it has read the
// headers, and writes only when answering.
func (c *handedConn) SetWriteDeadline(t time.Time) error {
	c.shift.Store(0)
	return c.Conn.SetWriteDeadline(t)
}

func (c *handedConn) Write(p []byte) (int, error) {
	c.shift.Store(0)
	return c.Conn.Write(p)
}

// CloseWrite half-closes the connection, which net/http does after a
// 431 or 413 so the client reads the answer and a FIN, not a reset.
func (c *handedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// NetConn is the connection underneath, for connContext.
func (c *handedConn) NetConn() net.Conn { return c.Conn }

// appendDate appends t as an HTTP date, formatting it once per second.
func appendDate(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return append(dst, d.text...)
	}
	d := &httpDate{sec: sec, text: t.UTC().AppendFormat(nil, http.TimeFormat)}
	lastDate.Store(d)
	return append(dst, d.text...)
}

type httpDate struct {
	sec  int64
	text []byte
}

var lastDate atomic.Pointer[httpDate]
