package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckRejectsBadHub(t *testing.T) {
	dir := e2eContent(t)
	write(t, dir, "morningpost.yaml", e2eSite+"websub_hubs:\n  - https://hub.example/\n  - ftp://hub.example/\n")
	code, out, _ := runCmd(t, nil, "check", "--content", dir)
	if code != 1 || !strings.Contains(out, "morningpost.yaml:9: websub_hubs: hub \"ftp://hub.example/\" must be an absolute http(s) URL") {
		t.Errorf("check: code %d\n%s", code, out)
	}
}

func TestHubsFromEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "MORNINGPOST_WEBSUB_HUBS" {
				return v
			}
			return ""
		}
	}
	if hubs, err := hubsFromEnv(env("")); hubs != nil || err != nil {
		t.Errorf("unset: %v %v", hubs, err)
	}
	if hubs, err := hubsFromEnv(env(" https://a.example/hub , https://b.example/,")); err != nil || len(hubs) != 2 || hubs[0] != "https://a.example/hub" {
		t.Errorf("two hubs: %q %v", hubs, err)
	}
	if _, err := hubsFromEnv(env("https://a.example/,not a url")); err == nil || !strings.Contains(err.Error(), "MORNINGPOST_WEBSUB_HUBS") {
		t.Errorf("a bad hub: %v", err)
	}
	if code, _, errOut := runCmd(t, map[string]string{"MORNINGPOST_WEBSUB_HUBS": "mailto:x"}, "serve", "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errOut, "MORNINGPOST_WEBSUB_HUBS") {
		t.Errorf("serve with a bad hub: %d %s", code, errOut)
	}
}

// TestServePingsHubOnEdit: the running server tells the hub (given as
// MORNINGPOST_WEBSUB_HUBS would) of an edit within seconds, and feeds
// name it.
func TestServePingsHubOnEdit(t *testing.T) {
	var mu sync.Mutex
	var pinged []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		pinged = append(pinged, r.PostForm.Get("hub.mode")+" "+r.PostForm.Get("hub.url")+" "+r.UserAgent())
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hub.Close()
	dir := e2eContent(t)
	clk := newClock(time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{content: dir, now: clk.now, hubs: []string{hub.URL + "/"}})
	r, _ := get(t, "GET", base+"/feed.atom")
	if want := "<" + hub.URL + `/>; rel="hub", <https://post.example/feed.atom>; rel="self"`; r.Header.Get("Link") != want {
		t.Errorf("Link %q, want %q", r.Header.Get("Link"), want)
	}
	write(t, dir, "issues/2/lead.md", "---\ntitle: Second day lead, corrected\n---\nLater.\n")
	deadline := time.Now().Add(5 * time.Second)
	want := "publish https://post.example/feed.atom morningpost/1.0 (+https://github.com/morningpost/morningpost)"
	for {
		mu.Lock()
		got := strings.Join(pinged, "\n")
		mu.Unlock()
		if strings.Contains(got, want) {
			if strings.Contains(got, "/sections/opinion/") {
				t.Errorf("an unchanged feed was pinged:\n%s", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ping within 5 s of the edit; hub got:\n%s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Counted once the hub's answer is in.
	for {
		_, m := get(t, "GET", base+"/metrics")
		if strings.Contains(string(m), `morningpost_websub_pings_total{hub="`+hub.URL+`/",result="ok"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/metrics does not count the pings")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
