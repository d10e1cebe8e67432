package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/morningpost/morningpost/handlers/desk"
)

const audienceToken = "audience-test-token"

// audienceJSON fetches /preview/audience.json from addr.
func audienceJSON(t *testing.T, addr, query string) (answer, map[string]any) {
	t.Helper()
	a := fetch(t, rawClient(), http.MethodGet, "http://"+addr+"/preview/audience.json"+query, "Authorization", "Bearer "+audienceToken)
	if a.status != 200 {
		return a, nil
	}
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("audience.json: %v\n%s", err, a.body)
	}
	return a, v
}

// TestAudienceBothPaths: every response of a subscription feed counts
// once, whether the fast path or net/http answered it; HEAD and 429 as
// requests only.
func TestAudienceBothPaths(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) {
		d.RateLimit = 1
		d.PreviewToken = audienceToken
	})
	const (
		newsboat = "newsboat/2.30.1 (Linux x86_64)"
		nnw      = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
		feedly   = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; feed-id=abc)"
	)
	// The fast path: a full GET, three 304s, a HEAD, Feedly's 304.
	r := dialRaw(t, fs.fast)
	before := fs.l.served.Load()
	r.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\nUser-Agent: " + newsboat + "\r\n\r\n")
	resp := r.read("GET")
	etag := resp.Header.Get("Etag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("first GET: %d %q", resp.StatusCode, etag)
	}
	for range 3 {
		r.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\nUser-Agent: " + newsboat + "\r\nIf-None-Match: " + etag + "\r\n\r\n")
		if resp := r.read("GET"); resp.StatusCode != 304 {
			t.Fatalf("conditional GET: %d", resp.StatusCode)
		}
	}
	r.send("HEAD /feed.atom HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8.5.0\r\n\r\n")
	r.read("HEAD")
	r.send("GET /feed.atom HTTP/1.1\r\nHost: a\r\nUser-Agent: " + feedly + "\r\nIf-None-Match: " + etag + "\r\n\r\n")
	r.read("GET")
	if n := fs.l.served.Load() - before; n != 6 {
		t.Fatalf("the fast path answered %d of 6", n)
	}

	// net/http: a 304 for another reader, a 429 (the full download is
	// over the limit of 1), a HEAD, a bot, and a request the fast path
	// hands over (a query string) for the same feed.
	c := rawClient()
	plain := "http://" + fs.plain + "/feed.atom"
	if a := fetch(t, c, http.MethodGet, plain, "User-Agent", nnw, "If-None-Match", etag); a.status != 304 {
		t.Fatalf("net/http 304: %d", a.status)
	}
	if a := fetch(t, c, http.MethodGet, plain, "User-Agent", nnw); a.status != 429 {
		t.Fatalf("net/http over the limit: %d", a.status)
	}
	fetch(t, c, http.MethodHead, plain, "User-Agent", nnw)
	fetch(t, c, http.MethodGet, plain, "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "If-None-Match", etag)
	if a := fetch(t, c, http.MethodGet, "http://"+fs.fast+"/feed.atom?utm=x", "User-Agent", "Thunderbird/115.3", "If-None-Match", etag); a.status != 304 {
		t.Fatalf("handed over: %d", a.status)
	}
	// Not a subscription feed: not counted.
	fetch(t, c, http.MethodGet, "http://"+fs.plain+"/issues/86", "User-Agent", newsboat)

	// The fast path counts a response once it is written: wait for it.
	var feedDay map[string]any
	var day map[string]any
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, v := audienceJSON(t, fs.plain, "")
		days := v["days"].([]any)
		day = days[len(days)-1].(map[string]any)
		feedDay, _ = day["feeds"].(map[string]any)["/feed.atom"].(map[string]any)
		if feedDay != nil && feedDay["requests"] == 11.0 || time.Now().After(deadline) {
			break
		}
	}
	want := map[string]float64{
		"requests":     11,     // 6 fast, 5 net/http
		"not_modified": 7,      // 3 newsboat, Feedly, NetNewsWire, Googlebot, Thunderbird
		"subscribers":  3 + 12, // newsboat, NetNewsWire, Thunderbird; Feedly's figure
	}
	for k, w := range want {
		if feedDay[k] != w {
			t.Errorf("/feed.atom %s = %v, want %v (%v)", k, feedDay[k], w, feedDay)
		}
	}
	if b, _ := feedDay["bytes"].(float64); b <= 0 {
		t.Errorf("bytes %v", feedDay["bytes"])
	}
	readers := day["readers"].(map[string]any)
	for name, n := range map[string]float64{"newsboat": 1, "NetNewsWire": 1, "Thunderbird": 1, "Feedly": 12} {
		if readers[name] != n {
			t.Errorf("readers[%s] = %v, want %v (%v)", name, readers[name], n, readers)
		}
	}
	if len(day["feeds"].(map[string]any)) != 1 {
		t.Errorf("feeds %v", day["feeds"])
	}
	// The Prometheus gauge is set from the same figure.
	m := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/metrics")
	contains(t, "/metrics", string(m.body), `morningpost_feed_subscribers{aggregator="feedly",feed="/feed.atom"} 12`)
}

// TestAudienceJSONShape: the names of the contract, oldest day first,
// today last; the token is required.
func TestAudienceJSONShape(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) { d.PreviewToken = audienceToken })
	c := rawClient()
	// Yesterday and today, in the site's time zone.
	fs.clock.Set(testNow.Add(-24 * time.Hour))
	fetch(t, c, http.MethodGet, "http://"+fs.plain+"/feed.rss", "User-Agent", "Miniflux/2.0")
	fs.clock.Set(testNow)
	fetch(t, c, http.MethodGet, "http://"+fs.plain+"/feed.rss", "User-Agent", "Miniflux/2.0")

	if a := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview/audience.json"); a.status != 404 {
		t.Errorf("without the token: %d", a.status)
	}
	a, v := audienceJSON(t, fs.plain, "")
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" || a.header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("audience.json: %d %v", a.status, a.header)
	}
	if len(v) != 1 || v["days"] == nil {
		t.Fatalf("top level %v", v)
	}
	days := v["days"].([]any)
	if len(days) != desk.AudienceDays {
		t.Fatalf("%d days, want %d: %v", len(days), desk.AudienceDays, days)
	}
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	prev := ""
	for _, d := range days {
		day := d.(map[string]any)
		ds, _ := day["date"].(string)
		if !date.MatchString(ds) || ds <= prev {
			t.Errorf("date %q after %q", ds, prev)
		}
		prev = ds
		if _, ok := day["subscribers"].(float64); !ok {
			t.Errorf("%s: subscribers %v", ds, day["subscribers"])
		}
		if _, ok := day["readers"].(map[string]any); !ok {
			t.Errorf("%s: readers %v", ds, day["readers"])
		}
		feeds, ok := day["feeds"].(map[string]any)
		if !ok {
			t.Fatalf("%s: feeds %v", ds, day["feeds"])
		}
		for path, f := range feeds {
			for _, k := range []string{"subscribers", "requests", "not_modified", "bytes"} {
				if _, ok := f.(map[string]any)[k].(float64); !ok {
					t.Errorf("%s %s: %s missing in %v", ds, path, k, f)
				}
			}
		}
	}
	today := testNow.In(fs.live.Content().Site.Location).Format(time.DateOnly)
	if prev != today {
		t.Errorf("last day %s, want today %s", prev, today)
	}
	if rs := days[len(days)-1].(map[string]any)["readers"].(map[string]any); rs["Miniflux"] != 1.0 {
		t.Errorf("today's readers %v", rs)
	}
	if a, _ := audienceJSON(t, fs.plain, "?days=x"); a.status != 400 {
		t.Errorf("?days=x: %d", a.status)
	}
	if _, v := audienceJSON(t, fs.plain, "?days=1"); len(v["days"].([]any)) != 1 {
		t.Errorf("?days=1: %v", v)
	}
	// As many days as asked, though only the last two have counts.
	_, v = audienceJSON(t, fs.plain, "?days=7")
	days = v["days"].([]any)
	if len(days) != 7 || days[6].(map[string]any)["date"] != today || days[5].(map[string]any)["requests"] != 1.0 || days[0].(map[string]any)["requests"] != 0.0 {
		t.Errorf("?days=7: %d days %v", len(days), days)
	}
}

// TestAudiencePage: the page, behind the token, with today's numbers
// and a chart per measure, linked from the desk.
func TestAudiencePage(t *testing.T) {
	fs := newFastServer(t, func(d *Deps) { d.PreviewToken = audienceToken })
	c := rawClient()
	for _, ua := range []string{"newsboat/2.30", "Miniflux/2.0", "Feedly/1.0 (1,024 subscribers)"} {
		fetch(t, c, http.MethodGet, "http://"+fs.plain+"/feed.atom", "User-Agent", ua)
	}
	if a := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview/audience"); a.status != 404 {
		t.Errorf("without the token: %d", a.status)
	}
	a := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview/audience", "Authorization", "Bearer "+audienceToken)
	if a.status != 200 || a.header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("page: %d %v", a.status, a.header)
	}
	page := string(a.body)
	contains(t, "/preview/audience", page,
		`<dd id="today-subscribers">1,026</dd>`,
		`<dd id="today-requests">3</dd>`,
		`<code>/feed.atom</code>`,
		`<th scope="row">Feedly</th><td>1,024</td>`,
		`<th scope="row">newsboat</th><td>1</td>`,
		`<svg class="chart" id="chart-subscribers"`, `<svg class="chart" id="chart-requests"`,
		`<title id="chart-subscribers-title">Subscribers per day</title>`,
		`The values, day by day`,
	)
	if strings.Contains(page, "<script src=\"http") {
		t.Error("the page loads a script from elsewhere")
	}
	desk := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview", "Authorization", "Bearer "+audienceToken)
	contains(t, "/preview", string(desk.body), `href="/preview/audience"`)

	// ?days=N charts N days, as the JSON gives them.
	a = fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview/audience?days=7", "Authorization", "Bearer "+audienceToken)
	if a.status != 200 {
		t.Fatalf("?days=7: %d", a.status)
	}
	if n := strings.Count(string(a.body), `<g class="bar">`); n != 2*7 {
		t.Errorf("?days=7: %d bars in two charts, want 14", n)
	}
	contains(t, "/preview/audience?days=7", string(a.body), `<desc id="chart-subscribers-desc">7 days, `)
	if a := fetch(t, c, http.MethodGet, "http://"+fs.plain+"/preview/audience?days=x", "Authorization", "Bearer "+audienceToken); a.status != 400 {
		t.Errorf("?days=x: %d, want 400", a.status)
	}
}
