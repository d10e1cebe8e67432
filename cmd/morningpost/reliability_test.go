package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/handlers"
)

// A client that never finishes its headers, or sends them a byte at a
// time, is cut off after the header timeout, and the server keeps
// serving. The timeout is shortened: what is tested is that serve
// applies it, on the fast path and on net/http alike.
func TestSlowHeadersCutOff(t *testing.T) {
	t.Parallel()
	const readHeaderTimeout = 500 * time.Millisecond
	addr := strings.TrimPrefix(startServer(t, serveConfig{limits: handlers.Limits{ReadHeaderTimeout: readHeaderTimeout}}), "http://")
	var wg sync.WaitGroup
	for _, trickle := range []bool{false, true} {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			start := time.Now()
			if _, err := io.WriteString(conn, "GET /feed.atom HTTP/1.1\r\nHost: x\r\n"); err != nil {
				t.Error(err)
				return
			}
			limit := start.Add(readHeaderTimeout + 2*time.Second) // well before the default 5 s
			if trickle {                                          // one header byte every 200ms, for ever
				go func() {
					for time.Now().Before(limit) {
						if _, err := conn.Write([]byte("X")); err != nil {
							return
						}
						time.Sleep(200 * time.Millisecond)
					}
				}()
			}
			_ = conn.SetReadDeadline(limit)
			_, err = io.ReadAll(conn) // returns when the server closes
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("trickle=%v: the connection is still open after %v", trickle, time.Since(start))
			}
		})
	}
	wg.Wait()
	if r, _ := get(t, "GET", "http://"+addr+"/healthz"); r.StatusCode != 200 {
		t.Errorf("after slow clients: /healthz %d", r.StatusCode)
	}
}

// rawRequest sends request as bytes and returns the status line and the
// response's headers and body.
func rawRequest(t *testing.T, addr, request string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", request, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServeRefusesBodiesAndPathTricks(t *testing.T) {
	t.Parallel()
	addr := strings.TrimPrefix(startServer(t, serveConfig{}), "http://")

	// A large body is refused before it is read: the client has sent
	// none of its 100 MB when the answer comes.
	resp, _ := rawRequest(t, addr, "POST /feed.atom HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
		t.Errorf("100 MB body: %d (close %v), want 413 and close", resp.StatusCode, resp.Close)
	}
	resp, _ = rawRequest(t, addr, "GET /feed.atom HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body: %d, want 413", resp.StatusCode)
	}
	// Headers beyond maxHeaderBytes.
	resp, _ = rawRequest(t, addr, "GET /feed.atom HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 2*handlers.DefaultLimits().MaxHeaderBytes)+"\r\n\r\n")
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge headers: %d, want 431", resp.StatusCode)
	}

	for _, path := range []string{
		"/static/../go.mod", "/static/..%2f..%2fgo.mod", "/static/%2e%2e/%2e%2e/etc/passwd",
		"/../../etc/passwd", "/issues/..%2F..%2Fmain.go", "//etc/passwd", "/static/site.css/../../serve.go",
	} {
		resp, body := rawRequest(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "package main") || strings.Contains(body, "root:") {
			t.Errorf("GET %s: %d, want 404 and no file", path, resp.StatusCode)
		}
	}
}

// A broken edit never reaches readers: the last good content is served,
// /healthz (still 200) names the file, line and message, and fixing the
// file clears it.
func TestServeBrokenEditAndRecovery(t *testing.T) {
	t.Parallel()
	dir := e2eContent(t)
	clk := newClock(time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{content: dir, now: clk.now, previewToken: "desk-token"})
	_, good := get(t, "GET", base+"/feed.atom")

	// Editors (with the token) see the problems; anyone sees their count.
	type health struct {
		Problems int `json:"problems"`
		Errors   []struct {
			Path    string `json:"path"`
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	healthz := func() (int, health) {
		r, b := get(t, "GET", base+"/healthz", "Authorization", "Bearer desk-token")
		var h health
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatalf("/healthz: %v\n%s", err, b)
		}
		return r.StatusCode, h
	}
	waitFor := func(what string, ok func(health) bool) health {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			code, h := healthz()
			if code != 200 {
				t.Fatalf("/healthz answered %d; a load balancer would drop the instance", code)
			}
			if ok(h) {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen at /healthz: %+v", what, h)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	write(t, dir, "issues/1/lead.md", "---\ntitle: Published lead\nrating: lots\n---\nBroken.\n")
	h := waitFor("the broken edit", func(h health) bool { return len(h.Errors) > 0 })
	e := h.Errors[0]
	if e.Path != "issues/1/lead.md" || e.Line != 3 || !strings.Contains(e.Message, `rating "lots"`) {
		t.Errorf("/healthz error = %+v, want issues/1/lead.md line 3 about the rating", e)
	}
	if _, b := get(t, "GET", base+"/healthz"); !bytes.Contains(b, []byte(`"problems": 1`)) || bytes.Contains(b, []byte("issues/1/lead.md")) {
		t.Errorf("public /healthz with a broken edit:\n%s", b)
	}
	if _, b := get(t, "GET", base+"/feed.atom"); !bytes.Equal(b, good) {
		t.Error("the feed changed after a broken edit")
	}
	if r, b := get(t, "GET", base+"/issues/1"); r.StatusCode != 200 || !bytes.Contains(b, []byte("Hello")) {
		t.Errorf("page after a broken edit: %d", r.StatusCode)
	}

	write(t, dir, "issues/1/lead.md", "---\ntitle: Fixed lead\n---\nFixed.\n")
	waitFor("the fix", func(h health) bool { return len(h.Errors) == 0 })
	if _, b := get(t, "GET", base+"/feed.atom"); !bytes.Contains(b, []byte("Fixed lead")) {
		t.Error("the fix is not served")
	}
}

// An edit is served however soon after the start it is saved: one
// saved after the content is first read but before it is watched (a
// deploy's last file, an editor's save), and one saved the moment
// /healthz first answers. Both used to wait for the next edit.
func TestServeSeesEditsSavedAtStart(t *testing.T) {
	t.Parallel()
	dir := e2eContent(t)
	clk := newClock(time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC))
	// The site's title: an edit of issue 1 later reads issue 1 again, not
	// morningpost.yaml, so it cannot carry this one along.
	loaded := func() {
		write(t, dir, "morningpost.yaml", strings.Replace(e2eSite, "The Test Post", "Saved while starting", 1))
	}
	base := startServer(t, serveConfig{content: dir, now: clk.now, loaded: loaded})
	if r, _ := get(t, "GET", base+"/healthz"); r.StatusCode != 200 {
		t.Fatalf("/healthz %d", r.StatusCode)
	}
	write(t, dir, "issues/1/secret.md", "---\ntitle: Saved at the first answer\n---\nNow.\n")

	deadline := time.Now().Add(5 * time.Second) // the watcher's debounce is 150 ms
	for {
		_, b := get(t, "GET", base+"/feed.atom")
		start, first := bytes.Contains(b, []byte("Saved while starting")), bytes.Contains(b, []byte("Saved at the first answer"))
		if start && first {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: edit saved while starting served %v, edit saved at the first answer served %v", start, first)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// built is the command built once for every test that runs it as a
// process of its own; TestMain removes it.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildBinary builds the command, once per test run, into a temporary
// folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "morningpost-test-")
		if built.err != nil {
			return
		}
		bin := filepath.Join(built.dir, "morningpost")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// child is the command running as a process of its own.
type child struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	addr   string
	done   chan struct{} // closed once the process has exited and been waited for
	err    error         // what Wait returned; read only after done is closed
}

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{stderr: &syncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	c.cmd.Dir = t.TempDir()
	c.cmd.Env = append(os.Environ(), "MORNINGPOST_DATA="+filepath.Join(t.TempDir(), "data"))
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	// Generous: on a loaded machine the content of a large archive takes
	// a while to load.
	deadline := time.Now().Add(90 * time.Second)
	for c.addr == "" {
		if m := servingRE.FindStringSubmatch(c.stderr.String()); m != nil {
			c.addr = m[1]
			break
		}
		select {
		case <-c.done:
			t.Fatalf("server exited: %v\n%s", c.err, c.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", c.stderr)
		}
	}
	return c
}

// wait waits for the process to exit and returns its exit code.
func (c *child) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("still running %v after the signal:\n%s", within, c.stderr)
	}
	return -1
}

// TestSIGTERMFinishesInFlightDownload runs the real binary and sends it a
// real SIGTERM while a slow reader is in the middle of a large feed: the
// server stops accepting, the download completes, and the exit code is 0.
func TestSIGTERMFinishesInFlightDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)

	// An archive whose issues feed is several megabytes: more than the
	// socket buffers hold, so the server is still writing when the
	// signal comes.
	dir := t.TempDir()
	write(t, dir, "morningpost.yaml", e2eSite+"feed_length: 500\n")
	last := time.Now().UTC().AddDate(0, 0, -2)
	issues := map[string]bool{}
	for name, body := range content.Synthetic(500, last) {
		write(t, dir, name, body)
		issues[filepath.Dir(name)] = true
	}
	c := startChild(t, bin, "--content", dir, "--rate-limit", "0")

	conn, err := net.Dial("tcp", c.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(256 << 10) // more than one loopback segment, less than the feed
	_ = conn.SetDeadline(time.Now().Add(50 * time.Second))
	if _, err := io.WriteString(conn, "GET /issues/feed.json HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength < 4<<20 {
		t.Fatalf("status %d, %d bytes: want a large 200", resp.StatusCode, resp.ContentLength)
	}
	if testing.Verbose() {
		t.Logf("downloading %d bytes", resp.ContentLength)
	}
	first := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}

	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(c.stderr.String(), "shutting down") {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown after SIGTERM:\n%s", c.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// No new connections while the download goes on…
	if nc, err := net.DialTimeout("tcp", c.addr, 2*time.Second); err == nil {
		nc.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}
	// …and the process waits for it.
	select {
	case <-c.done:
		t.Fatalf("exited before the download in flight finished:\n%s", c.stderr)
	case <-time.After(500 * time.Millisecond):
	}

	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("download cut short after %d bytes: %v\n%s", len(first)+len(rest), err, c.stderr)
	}
	body := append(first, rest...)
	if int64(len(body)) != resp.ContentLength {
		t.Fatalf("got %d bytes of %d", len(body), resp.ContentLength)
	}
	var doc struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Items) != len(issues) {
		t.Fatalf("the feed downloaded across SIGTERM: %d items, %v", len(doc.Items), err)
	}
	if code := c.wait(t, shutdownTimeout+5*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", code, c.stderr)
	}
	if !strings.Contains(c.stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", c.stderr)
	}
}

// With the embedded sample (which polls its upstream source and opens
// the store), SIGTERM and SIGINT both end the server with exit code 0.
func TestSignalsExitZeroWithDefaultContent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		c := startChild(t, bin)
		resp, err := http.Get("http://" + c.addr + "/feed.atom")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("/feed.atom: %d", resp.StatusCode)
		}
		if err := c.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if code := c.wait(t, shutdownTimeout+5*time.Second); code != 0 {
			t.Errorf("%v: exit code %d, want 0:\n%s", sig, code, c.stderr)
		}
		for _, want := range []string{"msg=\"shutting down: finishing requests in flight\"", "msg=stopped"} {
			if !strings.Contains(c.stderr.String(), want) {
				t.Errorf("%v: log lacks %s:\n%s", sig, want, c.stderr)
			}
		}
	}
}

// The serve command takes abuse control and logging from flags and the
// environment, and refuses values it cannot use.
func TestServeObserveFlags(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want serveConfig
		err  bool
	}{
		{want: serveConfig{rateLimit: 60, accessLog: true}},
		{env: map[string]string{"MORNINGPOST_RATE_LIMIT": "0", "MORNINGPOST_ACCESS_LOG": "false"}, want: serveConfig{rateLimit: 0, accessLog: false}},
		{env: map[string]string{"MORNINGPOST_RATE_LIMIT": "5"}, args: []string{"--rate-limit", "7", "--access-log=false"}, want: serveConfig{rateLimit: 7}},
		{env: map[string]string{"MORNINGPOST_RATE_LIMIT": "many"}, err: true},
		{args: []string{"--rate-limit", "-1"}, err: true},
		{args: []string{"--trusted-proxies", "10.0.0.0/8,nonsense"}, err: true},
		{env: map[string]string{"MORNINGPOST_TRUSTED_PROXIES": "300.1.1.1"}, err: true},
	}
	for i, c := range cases {
		fs := flags("serve", "", io.Discard)
		var cfg serveConfig
		err := observeFlags(fs, &cfg, func(k string) string { return c.env[k] })
		if err == nil {
			err = fs.Parse(c.args)
		}
		if (err != nil) != c.err {
			t.Errorf("%d: error %v, want error %v", i, err, c.err)
			continue
		}
		if !c.err && (cfg.rateLimit != c.want.rateLimit || cfg.accessLog != c.want.accessLog) {
			t.Errorf("%d: rate limit %d access log %v, want %d %v", i, cfg.rateLimit, cfg.accessLog, c.want.rateLimit, c.want.accessLog)
		}
	}
	ps, err := parsePrefixes(" 10.0.0.0/8, 2001:db8::/32,192.0.2.7 ,10.1.2.3/8")
	if err != nil || fmt.Sprint(ps) != "[10.0.0.0/8 2001:db8::/32 192.0.2.7/32 10.0.0.0/8]" {
		t.Errorf("parsePrefixes = %v, %v", ps, err)
	}
}
