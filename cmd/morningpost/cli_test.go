package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store"
	"github.com/morningpost/morningpost/feed/upstream"
)

// setVersion sets the version -ldflags -X would set, until the test ends.
func setVersion(t *testing.T, v string) {
	old := version
	version = v
	t.Cleanup(func() { version = old })
}

func TestVersionCommand(t *testing.T) {
	setVersion(t, "v1.2.3-test")
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		code, out, errOut := runCmd(t, nil, args...)
		if code != 0 || out != "morningpost v1.2.3-test\n" {
			t.Errorf("%v: code %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

// Without -X, the version is what the toolchain recorded: module
// version, commit, its time, and whether the checkout had changes.
func TestDescribeBuild(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		version string
		set     []debug.BuildSetting
		want    string
	}{
		{"v1.4.0", nil, "v1.4.0"},
		{"(devel)", settings("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false"), "(devel) 0123456789ab 2026-12-01T10:00:00Z"},
		{"(devel)", settings("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "true"), "(devel) 0123456789ab+dirty 2026-12-01T10:00:00Z"},
		{"", nil, ""},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/morningpost/morningpost", Version: c.version}, Settings: c.set}
		if got := describeBuild(bi); got != c.want {
			t.Errorf("describeBuild(%q, %v) = %q, want %q", c.version, c.set, got, c.want)
		}
	}
}

// /healthz's build is the program's version, as the README says.
func TestHealthzBuild(t *testing.T) {
	setVersion(t, "v1.2.3-test")
	base := startServer(t, serveConfig{})
	_, b := get(t, "GET", base+"/healthz")
	var h struct {
		Build string `json:"build"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if h.Build != "v1.2.3-test" {
		t.Errorf("/healthz build = %q, want v1.2.3-test:\n%s", h.Build, b)
	}
}

// Flags after a command's folder are read as flags, as before it.
func TestFlagsAfterFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, out, errOut := runCmd(t, nil, "init", dir, "--issues", "3"); code != 0 || !strings.Contains(out, "archive of 3 issues") {
		t.Fatalf("init DIR --issues 3: code %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, nil, "check", "--content", dir); code != 0 || !strings.Contains(out, "ok: 3 issues") {
		t.Fatalf("check: code %d %s", code, out)
	}
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, errOut := runCmd(t, nil, "export", out, "--content", dir, "--data", t.TempDir(), "--base-url", "https://post.example/")
	if code != 0 {
		t.Fatalf("export OUTDIR --content DIR: code %d\n%s%s", code, stdout, errOut)
	}
	if !strings.Contains(stdout, "to "+out) {
		t.Errorf("export: %s", stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, "issues.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "https://post.example/") {
		t.Error("the export did not read --base-url given after its folder")
	}
	// Still one folder: a second argument is refused, wherever it is.
	if code, _, _ := runCmd(t, nil, "init", filepath.Join(t.TempDir(), "a"), "--issues", "2", "b"); code != 2 {
		t.Errorf("init A --issues 2 B: code %d, want 2", code)
	}
	// After "--", a dash is part of a name.
	odd := filepath.Join(t.TempDir(), "x")
	if code, _, errOut := runCmd(t, nil, "init", "--issues", "1", "--", odd); code != 0 {
		t.Errorf("init --issues 1 -- DIR: code %d %s", code, errOut)
	}
	t.Chdir(t.TempDir())
	if code, _, errOut := runCmd(t, nil, "init", "--", "--issues"); code != 0 {
		t.Errorf(`init -- --issues: code %d, want a folder named "--issues": %s`, code, errOut)
	} else if _, err := os.Stat("--issues/morningpost.yaml"); err != nil {
		t.Error(err)
	}
}

// serve's usage line names every flag serve has, and so does the help.
func TestServeUsageListsEveryFlag(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: code %d", code)
	}
	synopsis, defaults, ok := strings.Cut(errOut, "Flags:")
	if !ok {
		t.Fatalf("serve --help:\n%s", errOut)
	}
	names := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(defaults, -1)
	if len(names) < 12 {
		t.Fatalf("serve has %d flags listed in its defaults, want at least 12:\n%s", len(names), defaults)
	}
	_, help, _ := strings.Cut(usage, "morningpost serve")
	help, _, _ = strings.Cut(help, "morningpost init")
	for _, n := range names {
		if !strings.Contains(synopsis, "--"+n[1]) {
			t.Errorf("serve's usage line lacks --%s:\n%s", n[1], synopsis)
		}
		if !strings.Contains(help, "--"+n[1]) {
			t.Errorf("morningpost help's serve lacks --%s", n[1])
		}
	}
}

func TestPreviewTokenRules(t *testing.T) {
	code, _, errOut := runCmd(t, nil, "serve", "--preview-token", "short-token")
	if code != 2 || !strings.Contains(errOut, "at least 16") {
		t.Errorf("a token of 11 characters: code %d, %q", code, errOut)
	}
	dir := t.TempDir()
	write(t, dir, "short", "abc\n")
	write(t, dir, "good", "0123456789abcdef0123\nignored\n")
	if code, _, errOut := runCmd(t, nil, "serve", "--preview-token-file", filepath.Join(dir, "short")); code != 2 || !strings.Contains(errOut, "at least 16") {
		t.Errorf("a token file of 3 characters: code %d, %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "serve", "--preview-token-file", filepath.Join(dir, "missing")); code != 2 || !strings.Contains(errOut, "--preview-token-file") {
		t.Errorf("a missing token file: code %d, %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, map[string]string{"MORNINGPOST_PREVIEW_TOKEN": "0123456789abcdef0123"}, "serve", "--preview-token-file", filepath.Join(dir, "good")); code != 2 || !strings.Contains(errOut, "both") {
		t.Errorf("a token and a token file: code %d, %q", code, errOut)
	}
	if tok, err := previewToken("", filepath.Join(dir, "good")); err != nil || tok != "0123456789abcdef0123" {
		t.Errorf("token file: %q, %v", tok, err)
	}
	if tok, err := previewToken("", ""); err != nil || tok != "" {
		t.Errorf("no token: %q, %v", tok, err)
	}
}

// The token of --preview-token-file opens the desk, and is nowhere in
// the command line.
func TestPreviewTokenFileOpensDesk(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "token", "0123456789abcdef0123\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data", t.TempDir(), "--preview-token-file", filepath.Join(dir, "token")}, func(string) string { return "" }, &syncBuffer{}, &syncBuffer{})
	}()
	defer func() { cancel(); <-done }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d", code)
		default:
		}
		if i == 200 {
			t.Fatal("serve did not listen")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if resp, _ := get(t, "GET", "http://"+addr+"/preview", "Authorization", "Bearer 0123456789abcdef0123"); resp.StatusCode != 200 {
		t.Errorf("/preview with the file's token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, "GET", "http://"+addr+"/preview", "Authorization", "Bearer 0123456789abcdef0124"); resp.StatusCode != 404 {
		t.Errorf("/preview with another token: %d", resp.StatusCode)
	}
}

// With its address in use, serve fails before it touches the sources:
// no source is listed in the store, none polled.
func TestServePortInUseFailsBeforePolling(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "post")
	if code, _, errOut := runCmd(t, nil, "init", dir); code != 0 {
		t.Fatal(errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := t.TempDir()
	logs := &syncBuffer{}
	err = runServer(t.Context(), serveConfig{addr: ln.Addr().String(), content: dir, data: data}, logs)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("serve on an address in use: %v", err)
	}
	db, err := store.Open(t.Context(), store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srcs, err := upstream.New(db).Sources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) > 0 {
		t.Errorf("serve touched %d sources before failing to listen:\n%s", len(srcs), logs)
	}
	items, err := upstream.New(db).Items(t.Context(), upstream.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) > 0 {
		t.Errorf("serve polled %d items before failing to listen", len(items))
	}
}
