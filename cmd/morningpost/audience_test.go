package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const audienceToken = "audience-token-9d3a"

// The readers of the audience's tests; the marker must never reach disk.
var audienceReaders = []string{
	"newsboat/2.30.1 (Linux x86_64; marker-7f3e2a)",
	"Mozilla/5.0 (compatible; Miniflux/2.0.50; +https://miniflux.app)",
	"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1,000 subscribers; feed-id=marker-feed-id)",
}

// pollAsReaders fetches the feed once as each reader, and once more
// conditionally.
func pollAsReaders(t *testing.T, base, feed string) {
	t.Helper()
	for _, ua := range audienceReaders {
		resp, _ := get(t, "GET", base+feed, "User-Agent", ua, "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 {
			t.Fatalf("%s as %s: %d", feed, ua, resp.StatusCode)
		}
		get(t, "GET", base+feed, "User-Agent", ua, "If-None-Match", resp.Header.Get("Etag"), "Accept-Encoding", "gzip")
	}
}

type audienceDay struct {
	Date        string `json:"date"`
	Subscribers int64  `json:"subscribers"`
	Feeds       map[string]struct {
		Subscribers, Requests, Bytes int64
		NotModified                  int64 `json:"not_modified"`
	} `json:"feeds"`
	Readers map[string]int64 `json:"readers"`
}

func audienceToday(t *testing.T, base string) audienceDay {
	t.Helper()
	resp, b := get(t, "GET", base+"/preview/audience.json", "Authorization", "Bearer "+audienceToken)
	if resp.StatusCode != 200 {
		t.Fatalf("audience.json: %d", resp.StatusCode)
	}
	var v struct{ Days []audienceDay }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.Days[len(v.Days)-1]
}

// audienceUntil is audienceToday once ok holds of it, or after 5 s:
// the fast path counts a response after writing it, so a client may
// have read it first.
func audienceUntil(t *testing.T, base string, ok func(audienceDay) bool) audienceDay {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := audienceToday(t, base)
		if ok(d) || time.Now().After(deadline) {
			return d
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAudienceAcrossRestart: counts survive a graceful restart (the
// last minute is written at shutdown), add up after it, and the data
// folder holds no address or User-Agent.
func TestAudienceAcrossRestart(t *testing.T) {
	data := t.TempDir()
	clk := newClock(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	cfg := serveConfig{data: data, now: clk.now, previewToken: audienceToken}
	base, stop := startStoppable(t, cfg)
	pollAsReaders(t, base, "/feed.atom")
	stop()

	base, stop = startStoppable(t, cfg)
	d := audienceToday(t, base)
	atom := d.Feeds["/feed.atom"]
	if d.Date != "2026-04-25" || atom.Requests != 6 || atom.NotModified != 3 || atom.Subscribers != 1002 || atom.Bytes == 0 {
		t.Errorf("after a restart: %+v", d)
	}
	if d.Readers["Feedly"] != 1000 || d.Readers["newsboat"] != 1 || d.Readers["Miniflux"] != 1 {
		t.Errorf("readers %v", d.Readers)
	}
	pollAsReaders(t, base, "/feed.rss")
	if d := audienceUntil(t, base, func(d audienceDay) bool { return d.Feeds["/feed.rss"].Requests == 6 }); d.Subscribers != 2004 || d.Feeds["/feed.rss"].Requests != 6 {
		t.Errorf("after more polls: %+v", d)
	}
	stop()

	err := filepath.WalkDir(data, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{"127.0.0.1", "marker-", "Mozilla/5.0", "fetcher.html"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q", path, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowserAudience: the page an editor opens, in Chromium: the
// numbers, the charts drawn and visible, and on a phone's width too.
func TestBrowserAudience(t *testing.T) {
	ctx := newBrowser(t)
	clk := newClock(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{now: clk.now, previewToken: audienceToken})
	// Yesterday a reader; today three, on two feeds.
	clk.set(time.Date(2026, 4, 24, 11, 0, 0, 0, time.UTC))
	get(t, "GET", base+"/feed.atom", "User-Agent", audienceReaders[0])
	audienceUntil(t, base, func(d audienceDay) bool { return d.Feeds["/feed.atom"].Requests == 1 }) // counted yesterday
	clk.set(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	pollAsReaders(t, base, "/feed.atom")
	get(t, "GET", base+"/issues/feed.rss", "User-Agent", audienceReaders[0])
	audienceUntil(t, base, func(d audienceDay) bool {
		return d.Feeds["/issues/feed.rss"].Requests == 1 && d.Feeds["/feed.atom"].Requests == 6
	})

	do(t, ctx, "sign in", chromedp.Navigate(base+"/preview?token="+audienceToken))
	do(t, ctx, "follow the desk's link", chromedp.Click(chromedp.CSS(`a[href="/preview/audience"]`)))
	waitFor(t, ctx, "the audience page", `location.pathname === "/preview/audience" && document.getElementById("today-subscribers")`, 10*time.Second)
	check := func(width string) {
		t.Helper()
		for sel, want := range map[string]string{
			"#today-subscribers": "1,003",
			"#today-requests":    "7",
			"#today-share":       "43%",
		} {
			if got := run1(t, ctx, sel, chromedp.Evaluate[string](`document.querySelector("`+sel+`").innerText`)); got != want {
				t.Errorf("%s: %s = %q, want %q", width, sel, got, want)
			}
		}
		text := strings.ToLower(run1(t, ctx, "text", chromedp.Evaluate[string](`document.body.innerText`))) // headings are in capitals
		for _, want := range []string{"/feed.atom", "/issues/feed.rss", "Feedly", "newsboat", "Miniflux", "Subscribers per day", "Requests and 304s per day"} {
			if !strings.Contains(text, strings.ToLower(want)) {
				t.Errorf("%s: the page lacks %q", width, want)
			}
		}
		for _, id := range []string{"chart-subscribers", "chart-requests"} {
			// Drawn, on screen, inside the page's width, with a bar per day
			// of the 90 charted, two of them with counts.
			box := run1(t, ctx, id, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("`+id+`").getBoundingClientRect(); return [r.width, r.height, r.right, document.querySelectorAll("#`+id+` g.bar").length, document.querySelectorAll("#`+id+` rect[height]:not([height='0.00'])").length]; })()`))
			vw := run1(t, ctx, "width", chromedp.Evaluate[float64](`document.documentElement.clientWidth`))
			if box[0] < 200 || box[1] < 60 || box[2] > vw || box[3] != 90 || box[4] < 2 {
				t.Errorf("%s: chart %s: box %v, viewport %v", width, id, box, vw)
			}
			title := run1(t, ctx, "title", chromedp.Evaluate[string](`document.querySelector("#`+id+` > title").textContent + " | " + document.querySelector("#`+id+` > desc").textContent`))
			if !strings.Contains(title, "per day | 90 days") { // the days before the first count too, as zeros
				t.Errorf("%s: chart %s: title and description %q", width, id, title)
			}
		}
		if over := run1(t, ctx, "overflow", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`)); over {
			t.Errorf("%s: the page scrolls sideways", width)
		}
	}
	check("desktop")
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	do(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "the audience page on a phone", `document.getElementById("today-subscribers")`, 10*time.Second)
	check("phone")
}

// TestAudienceStoreUnavailable: a data folder that cannot be made does
// not stop a site without sources: it is served, its audience counted in
// memory.
func TestAudienceStoreUnavailable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	clk := newClock(time.Date(2026, 4, 25, 11, 0, 0, 0, time.UTC))
	base := startServer(t, serveConfig{content: e2eContent(t), data: filepath.Join(file, "data"), now: clk.now, previewToken: audienceToken})
	if resp, _ := get(t, "GET", base+"/feed.atom", "User-Agent", audienceReaders[0]); resp.StatusCode != 200 {
		t.Fatalf("/feed.atom: %d", resp.StatusCode)
	}
	if d := audienceUntil(t, base, func(d audienceDay) bool { return d.Subscribers == 1 }); d.Subscribers != 1 {
		t.Errorf("in memory: %+v", d)
	}
}
