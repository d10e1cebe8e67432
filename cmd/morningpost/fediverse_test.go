package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store"
)

// fedifyDir is where .ci/deps installs the Fedify test peer's packages
// (MORNINGPOST_FEDIFY_DIR, or ~/.cache/morningpost-fedify).
func fedifyDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MORNINGPOST_FEDIFY_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "morningpost-fedify")
	}
	_, err := os.Stat(filepath.Join(dir, "node_modules", "@fedify", "fedify", "package.json"))
	_, nodeErr := exec.LookPath("node")
	if err != nil || nodeErr != nil {
		msg := "the Fedify test peer is not installed (run .ci/deps): node or " + dir + "/node_modules/@fedify/fedify missing"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// peerEvents runs the Fedify peer against actor and returns its events.
func peerEvents(t *testing.T, dir, actor, handle string) <-chan map[string]any {
	t.Helper()
	work := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "fedify", "peer.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "peer.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", "peer.mjs", actor, handle)
	cmd.Dir = work
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	events := make(chan map[string]any, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			}
		}
	}()
	return events
}

// TestFediversePeer follows the account from a real fediverse
// implementation (a Fedify peer, testdata/fedify/peer.mjs), publishes an
// issue, edits it and withdraws an article: the peer gets the Accept, a
// Create, an Update and a Delete, each signature verified by Fedify, and
// never the draft.
func TestFediversePeer(t *testing.T) {
	fedify := fedifyDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := sampleDir(t)
	data := t.TempDir()
	site, _ := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	write(t, dir, "morningpost.yaml", string(site)+"activitypub:\n  username: news\n  allow_private_addresses: true\n")
	cfg := serveConfig{content: dir, data: data, baseURL: "http://" + addr + "/", addr: addr}
	startAt(t, cfg)
	waitBaseline(t, data)

	events := peerEvents(t, fedify, "http://"+addr+"/ap/news", "@news@"+addr)
	var seen []map[string]any
	next := func(want string) map[string]any {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatalf("the peer stopped before %s; it saw %v", want, seen)
				}
				seen = append(seen, ev)
				if ev["event"] == "error" {
					t.Fatalf("peer: %v", ev["error"])
				}
				if ev["event"] == want {
					return ev
				}
			case <-timeout:
				t.Fatalf("no %s within 30s; the peer saw %v", want, seen)
			}
		}
	}
	wf := next("webfinger")
	if wf["self"] != "http://"+addr+"/ap/news" || wf["subject"] != "acct:news@"+addr || wf["acctSelf"] != wf["self"] {
		t.Errorf("webfinger: %v", wf)
	}
	actor := next("actor")
	if actor["preferredUsername"] != "news" || actor["sharedInbox"] != "http://"+addr+"/ap/inbox" || actor["manuallyApprovesFollowers"] != false {
		t.Errorf("actor: %v", actor)
	}
	next("accept")

	// An issue goes out: its lead and column, not its draft.
	now := time.Now().Add(-time.Minute).Format(time.RFC3339)
	write(t, dir, "issues/88/deep.md", "---\ntitle: Fedify deep dive\nsection: deep-dive\nstandfirst: A deep dive.\n---\nThe deep dive.\n")
	write(t, dir, "issues/88/secret.md", "---\ntitle: Secret draft column\nsection: opinion\ndraft: true\n---\nNot yet.\n")
	write(t, dir, "issues/88/lead.md", "---\ntitle: Fedify lead story\nsection: lead\nstandfirst: The lead, federated.\ntags: [open-source]\n---\nThe lead's body, with [a link](/issues/87).\n")
	write(t, dir, "issues/88/issue.md", "---\ndate: "+now[:10]+"\npublished: "+now+"\n---\n")
	created := map[string]map[string]any{}
	for len(created) < 2 {
		ev := next("create")
		obj, _ := ev["object"].(map[string]any)
		name, _ := obj["name"].(string)
		created[name] = obj
	}
	lead := created["Fedify lead story"]
	if lead == nil || lead["type"] != "Article" || !strings.Contains(lead["content"].(string), `href="http://`+addr+`/issues/87"`) {
		t.Fatalf("creates: %v", created)
	}

	// An edit: an Update.
	write(t, dir, "issues/88/lead.md", "---\ntitle: Fedify lead story\nsection: lead\nstandfirst: The lead, federated.\ntags: [open-source]\n---\nThe lead's body, corrected.\n")
	upd := next("update")
	if obj, _ := upd["object"].(map[string]any); obj["name"] != "Fedify lead story" || !strings.Contains(obj["content"].(string), "corrected") {
		t.Errorf("update: %v", upd)
	}

	// A withdrawal: a Delete.
	write(t, dir, "issues/88/deep.md", "---\ntitle: Fedify deep dive\nsection: deep-dive\ndraft: true\n---\nThe deep dive.\n")
	del := next("delete")
	if !strings.HasSuffix(del["object"].(string), "/issues/88/fedify-deep-dive") {
		t.Errorf("delete: %v", del)
	}
	for _, ev := range seen {
		if b, _ := json.Marshal(ev); strings.Contains(string(b), "Secret draft") {
			t.Errorf("the draft reached the peer: %s", b)
		}
	}
}

// startAt is startServer on a given address (the base URL must name it).
func startAt(t testing.TB, cfg serveConfig) {
	t.Helper()
	addr := make(chan string, 1)
	cfg.ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- runServer(ctx, cfg, logs) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	select {
	case <-addr:
	case err := <-done:
		t.Fatalf("server did not start: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not start:\n%s", logs)
	}
}

// waitBaseline waits until the account has recorded what was public
// when it started (the backlog, never sent).
func waitBaseline(t testing.TB, data string) {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var v string
		if db.QueryRowContext(t.Context(), "SELECT value FROM ap_state WHERE name = 'baseline'").Scan(&v) == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the account never recorded its baseline")
}
