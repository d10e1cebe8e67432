package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startNginxProxy runs nginx with a config made of server blocks, under a
// prefix of its own, until the test ends; it returns the port nginx
// listens on. Without nginx the test is skipped (failed under CI=true).
func startNginxProxy(t *testing.T, conf func(port int) string) int {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin = "/usr/sbin/nginx"; !fileExists(bin) {
			if os.Getenv("CI") == "true" {
				t.Fatal("nginx not installed")
			}
			t.Skip("nginx not installed")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	prefix := t.TempDir()
	for _, d := range []string{"logs", "cache", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp;
	uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
	%[2]s
}
`, prefix, conf(port))
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(prefix, "logs/error.log"))
			t.Fatalf("nginx did not start:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestNginxCacheInFrontOfTwoReplicas is the README's fleet: two replicas
// on one store behind an nginx proxy_cache that alternates between them.
// The cache revalidates an expired feed with the other replica and gets
// a 304: the validators are the fleet's, not one server's.
func TestNginxCacheInFrontOfTwoReplicas(t *testing.T) {
	dir := e2eContent(t)
	write(t, dir, "morningpost.yaml", e2eSite+"cache_max_age: 1s\n")
	clk := newClock(time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC))
	cfg := serveConfig{content: dir, now: clk.now, data: t.TempDir(), rateLimit: 0}
	one, two := startServer(t, cfg), startServer(t, cfg)
	port := startNginxProxy(t, func(port int) string {
		return fmt.Sprintf(`proxy_cache_path cache keys_zone=mp:1m; # under the prefix
	upstream morningpost { server %s; server %s; }
	server {
		listen 127.0.0.1:%d;
		location / {
			proxy_pass http://morningpost;
			proxy_cache mp;
			proxy_cache_revalidate on;
			proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
			proxy_cache_lock on;
			add_header X-Cache-Status $upstream_cache_status always;
		}
	}`, strings.TrimPrefix(one, "http://"), strings.TrimPrefix(two, "http://"), port)
	})
	front := fmt.Sprintf("http://127.0.0.1:%d", port)
	status := func(r *http.Response) string { return r.Header.Get("X-Cache-Status") }

	r1, b1 := get(t, "GET", front+"/feed.atom")
	r2, _ := get(t, "GET", front+"/feed.atom")
	if r1.StatusCode != 200 || status(r1) != "MISS" || status(r2) != "HIT" {
		t.Fatalf("first requests: %d %s, then %s", r1.StatusCode, status(r1), status(r2))
	}
	direct, _ := get(t, "GET", two+"/feed.atom")
	if direct.Header.Get("ETag") != r1.Header.Get("ETag") || direct.Header.Get("Last-Modified") != r1.Header.Get("Last-Modified") {
		t.Errorf("the cache's validators %q %q, the second replica's %q %q", r1.Header.Get("ETag"), r1.Header.Get("Last-Modified"), direct.Header.Get("ETag"), direct.Header.Get("Last-Modified"))
	}
	// Expired (nginx counts whole seconds): revalidated with the other
	// replica (nginx takes them in turn), which answers 304.
	time.Sleep(2100 * time.Millisecond)
	r, b := get(t, "GET", front+"/feed.atom")
	if status(r) != "REVALIDATED" || string(b) != string(b1) {
		t.Errorf("after expiry: %s (%d bytes), want REVALIDATED and the same feed", status(r), len(b))
	}
}
