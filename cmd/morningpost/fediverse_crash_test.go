package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/morningpost/morningpost/content/store"
)

// TestDeliveryQueueSurvivesKill9 kills the real binary (SIGKILL) in the
// middle of delivering an issue to 30 inboxes, and starts it again on
// the same store: every inbox gets every article, and none that an
// inbox took before the kill is sent to it again (only a request in
// flight at that moment may come twice, which the receiver knows by the
// activity's ID).
func TestDeliveryQueueSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := sampleDir(t)
	data := t.TempDir()
	site, _ := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	write(t, dir, "morningpost.yaml", string(site)+"activitypub:\n  username: news\n  allow_private_addresses: true\n")

	type ack struct{ count int }
	var mu sync.Mutex
	acks := map[string]*ack{} // activity + inbox
	inflight := 0
	var inboxes []string
	for range 30 {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var act struct{ ID string }
			json.Unmarshal(body, &act)
			mu.Lock()
			inflight++
			mu.Unlock()
			defer func() { mu.Lock(); inflight--; mu.Unlock() }()
			select {
			case <-time.After(300 * time.Millisecond): // a slow inbox
			case <-r.Context().Done():
				return // the sender is gone: not taken
			}
			mu.Lock()
			k := act.ID + " " + srv.URL
			if acks[k] == nil {
				acks[k] = &ack{}
			}
			acks[k].count++
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}))
		t.Cleanup(srv.Close)
		inboxes = append(inboxes, srv.URL)
	}
	db, err := store.Open(t.Context(), store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range inboxes {
		actor := in + "/users/u" + strconv.Itoa(i)
		if _, err := db.ExecContext(t.Context(), `INSERT INTO ap_followers (account, actor, inbox, shared_inbox, host, since) VALUES ('news', ?, ?, '', ?, 0)`,
			actor, in+"/inbox", in[len("http://"):]); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"--addr", addr, "--base-url", "http://" + addr + "/", "--content", dir, "--data", data, "--access-log=false"}
	c := startChild(t, bin, args...)
	waitBaseline(t, data)

	now := time.Now().Add(-time.Minute).Format(time.RFC3339)
	for _, a := range []string{"one", "two", "three", "four"} {
		write(t, dir, "issues/88/"+a+".md", "---\ntitle: Article "+a+"\nsection: deep-dive\n---\nBody.\n")
	}
	write(t, dir, "issues/88/issue.md", "---\ndate: "+now[:10]+"\npublished: "+now+"\n---\n")
	const want = 4 * 30
	taken := func() int { mu.Lock(); defer mu.Unlock(); return len(acks) }
	deadline := time.Now().Add(30 * time.Second)
	for taken() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if taken() < 20 || taken() >= want {
		t.Fatalf("%d of %d deliveries taken before the kill: the test wants the kill mid-delivery", taken(), want)
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	mu.Lock()
	before, flying := len(acks), inflight
	mu.Unlock()
	t.Logf("killed with %d of %d deliveries taken, %d in flight", before, want, flying)

	// What the killed process had not yet recorded as delivered is still
	// queued: only those may be sent again (an inbox may have taken one
	// whose answer the process did not live to record).
	queued := map[string]bool{}
	db, err = store.Open(t.Context(), store.Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(), `SELECT activity, inbox FROM ap_deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var activity, inbox string
		if err := rows.Scan(&activity, &inbox); err != nil {
			t.Fatal(err)
		}
		queued[activity+" "+strings.TrimSuffix(inbox, "/inbox")] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	db.Close()
	mu.Lock()
	recorded := 0
	for k := range acks {
		if !queued[k] {
			recorded++
		}
	}
	mu.Unlock()
	if recorded == 0 {
		t.Fatalf("none of the %d deliveries taken was recorded before the kill: the test wants some", before)
	}

	// The new process takes the activitypub lease once the killed one's
	// term (30 s) has run out, as a replica of a fleet would.
	startChild(t, bin, args...)
	deadline = time.Now().Add(60 * time.Second)
	for taken() < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // a resend would come now
	mu.Lock()
	defer mu.Unlock()
	if len(acks) != want {
		t.Errorf("after the restart %d of %d deliveries were taken: some were lost", len(acks), want)
	}
	for k, a := range acks {
		if a.count > 1 && !queued[k] {
			t.Errorf("%s: recorded as delivered before the kill, and sent again after it", k)
		}
	}
}
