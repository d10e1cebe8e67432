package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// BenchmarkFediverseDelivery publishes one issue to 10,000 followers on
// 2,000 inboxes (test servers on 127.0.0.1, five followers sharing each
// server's shared inbox) and reports the time from the file's save to
// the last delivery, and how fast /feed.atom is answered while it runs:
// requests/s of the server and of nginx serving the same bytes (when
// nginx is installed), in alternating turns (loadWhile); the ratio is
// feed-vs-nginx. Run it once:
//
//	go test -run XXX -bench FediverseDelivery -benchtime 1x ./cmd/morningpost
func BenchmarkFediverseDelivery(b *testing.B) {
	const inboxes, perInbox = 2000, 5
	dir := b.TempDir()
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		b.Fatal(err)
	}
	data := b.TempDir()

	var delivered atomic.Int64
	var last atomic.Int64
	var servers []*httptest.Server
	for range inboxes {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			delivered.Add(1)
			last.Store(time.Now().UnixNano())
			w.WriteHeader(http.StatusAccepted)
		}))
		servers = append(servers, srv)
	}
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	// The followers, straight into the store before the server starts.
	db, err := store.Open(b.Context(), store.Options{Dir: data})
	if err != nil {
		b.Fatal(err)
	}
	for i, srv := range servers {
		for j := range perInbox {
			actor := srv.URL + "/users/u" + strconv.Itoa(j)
			if _, err := db.ExecContext(b.Context(), `INSERT INTO ap_followers (account, actor, inbox, shared_inbox, host, since) VALUES ('news', ?, ?, ?, ?, ?)`,
				actor, actor+"/inbox", srv.URL+"/inbox", srv.Listener.Addr().String(), int64(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	db.Close()

	// The server's address, taken last: the inboxes hold 2,000 ports.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	site, _ := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	writeTB(b, dir, "morningpost.yaml", string(site)+"activitypub:\n  username: news\n  allow_private_addresses: true\n")
	cfg := serveConfig{content: dir, data: data, baseURL: "http://" + addr + "/", addr: addr, rateLimit: 0}
	startAt(b, cfg)
	waitBaseline(b, data)
	feedURL := "http://" + addr + "/feed.atom"
	ngURL, stopNginx := startFeedNginx(b, feedURL)
	defer stopNginx()

	for b.Loop() {
		delivered.Store(0)
		n := strconv.Itoa(90 + b.N)
		now := time.Now().Add(-time.Minute).Format(time.RFC3339)
		writeTB(b, dir, "issues/"+n+"/lead.md", "---\ntitle: Delivered to ten thousand\nsection: lead\n---\nBody.\n")
		start := time.Now()
		writeTB(b, dir, "issues/"+n+"/issue.md", "---\ndate: "+now[:10]+"\npublished: "+now+"\n---\n")
		srvRPS, ngRPS := loadWhile(feedURL, ngURL, func() bool { return delivered.Load() < inboxes && time.Since(start) < time.Minute })
		took := time.Unix(0, last.Load()).Sub(start)
		if delivered.Load() < inboxes {
			b.Fatalf("%d of %d inboxes reached in %v", delivered.Load(), inboxes, time.Since(start))
		}
		b.ReportMetric(took.Seconds(), "s-to-last-delivery")
		b.ReportMetric(srvRPS, "feed-rps")
		if ngRPS > 0 {
			b.ReportMetric(ngRPS, "nginx-rps")
			b.ReportMetric(srvRPS/ngRPS, "feed-vs-nginx")
		}
		b.Logf("%d followers on %d inboxes: last delivery %v after the save; /feed.atom %.0f rps, nginx %.0f rps meanwhile", inboxes*perInbox, inboxes, took, srvRPS, ngRPS)
	}
}

// loadWhile asks for the feed (gzip, 16 connections) of the server and
// of nginx in turns while more says so, with wrk as
// ../shared/bench/vs-nginx does (turns of one second), or without wrk
// with Go's client (turns of 200 ms; its figures for nginx are not to be
// trusted: it waits on nginx's delayed ACKs), and returns each one's
// requests per second, averaged over its turns.
func loadWhile(srv, ng string, more func() bool) (float64, float64) {
	wrk, _ := exec.LookPath("wrk")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}}
	var sum [2]float64
	var turns [2]int
	for turn := 0; more(); turn = 1 - turn {
		url := srv
		if turn == 1 {
			if ng == "" {
				continue
			}
			url = ng
		}
		if wrk != "" {
			out, err := exec.Command(wrk, "-t1", "-c16", "-d1s", "-H", "Accept-Encoding: gzip", url).CombinedOutput()
			if m := wrkRPS.FindSubmatch(out); err == nil && m != nil {
				rps, _ := strconv.ParseFloat(string(m[1]), 64)
				sum[turn] += rps
				turns[turn]++
			}
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		var n atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for range 16 {
			wg.Go(func() {
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					req.Header.Set("Accept-Encoding", "gzip")
					resp, err := client.Do(req)
					if err != nil {
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						n.Add(1)
					}
				}
			})
		}
		wg.Wait()
		cancel()
		sum[turn] += float64(n.Load()) / time.Since(t0).Seconds()
		turns[turn]++
	}
	avg := func(i int) float64 {
		if turns[i] == 0 {
			return 0
		}
		return sum[i] / float64(turns[i])
	}
	return avg(0), avg(1)
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// startFeedNginx serves the bytes of feedURL (and their gzip) with nginx on
// a free port, as ../shared/bench/vs-nginx does; "" without nginx.
func startFeedNginx(b *testing.B, feedURL string) (string, func()) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			b.Log("no nginx: the feed's rate is reported alone")
			return "", func() {}
		}
		bin = "/usr/sbin/nginx"
	}
	// nginx's workers run as nobody: the folder must be readable by all.
	dir, err := os.MkdirTemp("", "feed-nginx")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	resp, err := http.Get(feedURL)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.WriteFile(filepath.Join(root, "feed.atom"), body, 0o644)
	gz, _ := os.Create(filepath.Join(root, "feed.atom.gz"))
	zw := gzip.NewWriter(gz)
	zw.Write(body)
	zw.Close()
	gz.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`worker_processes auto; pid %[1]s/nginx.pid; error_log %[1]s/error.log; daemon on;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp; uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  types { application/atom+xml atom; } sendfile on; tcp_nopush on; keepalive_requests 100000; gzip_static on;
  server { listen 127.0.0.1:%[2]d; root %[1]s/root; } }`, dir, port)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	if out, err := exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput(); err != nil {
		b.Logf("nginx did not start (%v): %s", err, out)
		return "", func() {}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/feed.atom", port)
	ok := false
	for range 50 {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			if ok = r.StatusCode == http.StatusOK; ok {
				break
			}
			b.Logf("nginx answers %s", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ok {
		errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		b.Logf("nginx does not serve the feed: %s", errs)
		return "", func() {}
	}
	return url, func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "nginx.pid")); err == nil {
			if p, err := strconv.Atoi(string(trimNL(pid))); err == nil {
				if proc, err := os.FindProcess(p); err == nil {
					proc.Signal(syscall.SIGQUIT) // the master stops its workers
				}
			}
		}
	}
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func writeTB(tb testing.TB, dir, name, body string) {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}
