package handlers

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// wireOutcome is everything a client gets on a connection after sending
// some bytes: what it reads, and how the reading ends.
type wireOutcome struct {
	bytes string // with every Date header's value blanked
	end   string // "EOF", "reset" or "open" (nothing more within the wait)
}

var dateHeader = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

// wireExchange dials addr, writes each part of parts (pausing between
// parts), and reads until the connection ends or stays quiet for quiet.
func wireExchange(t *testing.T, addr string, quiet time.Duration, parts ...string) wireOutcome {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, p := range parts {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
	}
	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		_ = c.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.Read(buf)
		got.Write(buf[:n])
		var ne net.Error
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			return wireOutcome{dateHeader.ReplaceAllString(got.String(), "Date: -\r"), "EOF"}
		case errors.As(err, &ne) && ne.Timeout():
			return wireOutcome{dateHeader.ReplaceAllString(got.String(), "Date: -\r"), "open"}
		case isReset(err):
			return wireOutcome{dateHeader.ReplaceAllString(got.String(), "Date: -\r"), "reset"}
		default:
			t.Fatalf("read: %v", err)
		}
	}
}

// On the wire, a connection through the fast path is indistinguishable
// from one through net/http alone: the same bytes (but Date), and the
// connection ends the same way, also after a stray CRLF, leftover
// bytes, or an error that net/http answers and half-closes.
func TestFastPathWireAsNetHTTP(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) {
		d.Limits.IdleTimeout = 2 * time.Second
		d.Limits.MaxHeaderBytes = 8 << 10
	})
	get := "GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n"
	head := "HEAD /feed.rss HTTP/1.1\r\nHost: a\r\n\r\n"
	huge := "GET /feed.atom HTTP/1.1\r\nHost: a\r\nCookie: " + strings.Repeat("x", 20<<10) + "\r\n\r\n"
	cases := []struct {
		name  string
		parts []string
	}{
		{"one request", []string{get}},
		{"stray CRLF", []string{get + "\r\n"}},
		{"stray CRLF, later", []string{get, "\r\n"}},
		{"one byte left", []string{head + "G"}},
		{"two bytes left", []string{head + "GE"}},
		{"three bytes left", []string{head + "GET"}},
		{"stray LF", []string{head + "\n"}},
		{"CRLF then a request", []string{get + "\r\n" + get}},
		{"CRLF, then a request later", []string{get + "\r\n", get}},
		{"three bytes, then the rest", []string{head + "GET", " /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"pipelined", []string{get + head + get}},
		{"leading CRLF", []string{"\r\n" + get}},
		{"close", []string{"GET /feed.json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get}},
		{"431 after a fast answer", []string{head + huge}},
		{"431", []string{huge}},
		{"413", []string{"GET /feed.atom HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1000\r\n"+strings.Repeat("x", 4096)+"\r\n", 4)}},
		{"413 after a fast answer", []string{head + "GET /feed.atom HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 20000)}},
		{"400", []string{head + "GET /feed.atom HTTP/1.1\r\nHost: a/b\r\n\r\n"}},
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Go(func() {
			var want, got wireOutcome
			var inner sync.WaitGroup
			inner.Go(func() { want = wireExchange(t, fs.plain, time.Second, c.parts...) })
			inner.Go(func() { got = wireExchange(t, fs.fast, time.Second, c.parts...) })
			inner.Wait()
			if got != want {
				t.Errorf("%s: the fast path's connection:\n%.600q, %s\nnet/http's:\n%.600q, %s", c.name, got.bytes, got.end, want.bytes, want.end)
			}
		})
	}
	wg.Wait()
}

// A request handed over to net/http keeps the header deadline that
// started with the connection: a client trickling its headers is cut
// off when net/http alone would cut it off, not a header timeout later.
func TestFastPathHandoverKeepsHeaderDeadline(t *testing.T) {
	const timeout = 600 * time.Millisecond
	fs := newFastServer(t, func(d *Deps) { d.Limits.ReadHeaderTimeout = timeout })
	closedAfter := func(addr string) time.Duration {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Error(err)
			return 0
		}
		defer c.Close()
		start := time.Now()
		time.Sleep(timeout * 5 / 6)
		done := make(chan struct{})
		go func() { // the rest of a request, a byte at a time
			defer close(done)
			for _, b := range []byte("GET /feed.atom HTTP/1.1\r\nHost: a\r\nX: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.Copy(io.Discard, c) // net/http may send a 408 or just close
		d := time.Since(start)
		c.Close()
		<-done
		return d
	}
	var plain, fast time.Duration
	var wg sync.WaitGroup
	wg.Go(func() { plain = closedAfter(fs.plain) })
	wg.Go(func() { fast = closedAfter(fs.fast) })
	wg.Wait()
	// net/http alone: the timeout after connecting. Without the shift:
	// the timeout after the first byte, which comes 5/6 of it later.
	if limit := timeout * 5 / 3; fast > limit || plain > limit {
		t.Errorf("closed after %v through the fast path, %v through net/http; want both within %v of connecting", fast, plain, limit)
	}
}

// The deadlines net/http sets on a handed connection are brought forward
// by the time its request had already waited, until net/http answers.
func TestHandedConnDeadlines(t *testing.T) {
	rc := &deadlineConn{}
	hc := &handedConn{Conn: rc, r: bufio.NewReader(rc)}
	hc.shift.Store(int64(4 * time.Second))
	now := time.Now()
	_ = hc.SetReadDeadline(now.Add(5 * time.Second))
	if want := now.Add(time.Second); !rc.read.Equal(want) {
		t.Errorf("header deadline %v, want %v", rc.read.Sub(now), want.Sub(now))
	}
	_ = hc.SetReadDeadline(time.Time{})
	if !rc.read.IsZero() {
		t.Errorf("no deadline became %v", rc.read)
	}
	_ = hc.SetWriteDeadline(now.Add(time.Minute))
	_ = hc.SetReadDeadline(now.Add(5 * time.Second))
	if want := now.Add(5 * time.Second); !rc.read.Equal(want) || !rc.write.Equal(now.Add(time.Minute)) {
		t.Errorf("after the first response: read deadline %v, write %v", rc.read.Sub(now), rc.write.Sub(now))
	}
	if err := hc.CloseWrite(); err != nil || !rc.closedWrite {
		t.Errorf("CloseWrite: %v, passed on %v", err, rc.closedWrite)
	}
}

type deadlineConn struct {
	net.Conn
	read, write time.Time
	closedWrite bool
}

func (c *deadlineConn) Read([]byte) (int, error)           { return 0, io.EOF }
func (c *deadlineConn) SetReadDeadline(t time.Time) error  { c.read = t; return nil }
func (c *deadlineConn) SetWriteDeadline(t time.Time) error { c.write = t; return nil }
func (c *deadlineConn) CloseWrite() error                  { c.closedWrite = true; return nil }

// A download cut off part-way counts the bytes written, in the access
// log and in morningpost_http_response_bytes_total, not the whole body.
func TestFastPathCountsBytesWritten(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) { d.AccessLog = true })
	req, ok := parseFastRequest([]byte("GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n"), fs.h.routes)
	if !ok {
		t.Fatal("not a fast request")
	}
	whole := &shortConn{limit: 1 << 30}
	if !fs.l.answer(&fastConn{c: whole}, &req) {
		t.Fatal("not answered")
	}
	head := bytes.Index(whole.buf.Bytes(), []byte("\r\n\r\n")) + 4
	bodyLen := whole.buf.Len() - head
	if bodyLen < 1000 {
		t.Fatalf("a body of %d bytes", bodyLen)
	}
	cut := &shortConn{limit: head + 700}
	req, _ = parseFastRequest([]byte("GET /feed.atom HTTP/1.1\r\nHost: a\r\n\r\n"), fs.h.routes)
	fs.l.answer(&fastConn{c: cut}, &req)
	if !req.close {
		t.Error("the connection stays open after a failed write")
	}
	logs := fs.logs.String()
	for _, want := range []string{"status=200 bytes=" + strconv.Itoa(bodyLen) + " ", "status=200 bytes=700 "} {
		if !strings.Contains(logs, want) {
			t.Errorf("access log lacks %q:\n%s", want, logs)
		}
	}
	m := fetch(t, rawClient(), http.MethodGet, "http://"+fs.plain+"/metrics")
	contains(t, "/metrics", string(m.body), `morningpost_http_response_bytes_total{format="atom",route="/feed.atom"} `+strconv.Itoa(bodyLen+700)+"\n")
}

var errConnReset = errors.New("write: connection reset by peer")

// shortConn takes limit bytes, then fails as a reset connection does.
type shortConn struct {
	discardConn
	limit int
	buf   bytes.Buffer
}

func (c *shortConn) Write(p []byte) (int, error) {
	if room := c.limit - c.buf.Len(); len(p) > room {
		c.buf.Write(p[:room])
		return room, errConnReset
	}
	return c.buf.Write(p)
}
