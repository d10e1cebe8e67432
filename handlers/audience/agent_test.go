package audience

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		ua       string
		agent    string
		reported int64
		feedID   string
	}{
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; feed-id=x1)", "Feedly", 123, "x1"},
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1 subscriber; feed-id=x1)", "Feedly", 1, "x1"},
		{"Mozilla/5.0 (compatible; Inoreader/1.0; +http://www.inoreader.com/feed-fetcher; 45 subscribers; )", "Inoreader", 45, ""},
		{"NewsBlur Feed Fetcher - 12 subscribers - http://www.newsblur.com/site/6123/morning (Mozilla/5.0)", "NewsBlur", 12, "6123"},
		{"Feedbin feed-id:1373711 - 142 subscribers", "Feedbin", 142, "1373711"},
		{"Mozilla/5.0 (compatible; theoldreader.com; 4 subscribers; feed-id=y)", "The Old Reader", 4, "y"},
		{"Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 3 readers)", "BazQux", 3, ""},
		{"Feedly/1.0 (1,234 subscribers)", "Feedly", 1234, ""},
		{"SomeReader/2 (7 subscribers)", Other, 7, ""},
		{"newsboat/2.30.1 (Linux x86_64)", "newsboat", -1, ""},
		{"NetNewsWire (RSS Reader; https://netnewswire.com/)", "NetNewsWire", -1, ""},
		{"Mozilla/5.0 (compatible; Miniflux/2.0.50; +https://miniflux.app)", "Miniflux", -1, ""},
		{"FreshRSS/1.21.0 (Linux; https://freshrss.org)", "FreshRSS", -1, ""},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.3.1", "Thunderbird", -1, ""},
		{"Tiny Tiny RSS/21.04 (https://tt-rss.org/)", "Tiny Tiny RSS", -1, ""},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", -1, ""},
		{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Meta crawler", -1, ""},
		{"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot", -1, ""},
		{"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "UptimeRobot", -1, ""},
		{"FeedValidator/1.3", "Feed validator", -1, ""},
		{"SuperCrawler/1.0 (12 subscribers)", OtherBot, -1, ""}, // a bot's figure is no figure
		{"curl/8.5.0", Other, -1, ""},
		{"", Other, -1, ""},
		// Absurd and hostile figures.
		{"Feedly/1.0 (1000000000000000000 subscribers)", "Feedly", MaxReported, ""},
		{"Feedly/1.0 (99999999999999999999999999999999999 subscribers)", "Feedly", MaxReported, ""},
		{"Feedly/1.0 (-5 subscribers)", "Feedly", -1, ""},
		{"Feedly/1.0 (v2 subscribers)", "Feedly", -1, ""},
		{"Feedly/1.0 (subscribers)", "Feedly", -1, ""},
		{"Feedly/1.0 ( subscribers; 9 subscribers)", "Feedly", 9, ""},
		{"Feedly/1.0 1 2 3 subscribers 4 readers", "Feedly", 3, ""},
		{"Feedly/1.0 (0 subscribers)", "Feedly", 0, ""},
	}
	for _, c := range cases {
		p := Parse(c.ua)
		if got := agents[p.Agent].Name; got != c.agent || p.Reported != c.reported || p.FeedID != c.feedID {
			t.Errorf("Parse(%q) = %s %d %q, want %s %d %q", c.ua, got, p.Reported, p.FeedID, c.agent, c.reported, c.feedID)
		}
	}
}

// TestAgentsTable: every name is unique, every entry but the last
// matches something, and matches are lower case (Parse lower-cases).
func TestAgentsTable(t *testing.T) {
	seen := map[string]bool{}
	for i, a := range agents {
		if seen[a.Name] {
			t.Errorf("agent %q twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.match) == 0 && a.Name != Other {
			t.Errorf("agent %q matches nothing", a.Name)
		}
		for _, m := range a.match {
			if m != strings.ToLower(m) {
				t.Errorf("agent %q: match %q is not lower case", a.Name, m)
			}
			// Its own match names it (or an agent before it, which would shadow it).
			if p := Parse("x " + m + " y"); p.Agent != i {
				t.Errorf("%q names %q, not %q: an earlier entry shadows it", m, agents[p.Agent].Name, a.Name)
			}
		}
		if (a.Label != "") != (a.Kind == Aggregator) {
			t.Errorf("agent %q: a label is for aggregators only", a.Name)
		}
	}
	if agents[len(agents)-1].Name != Other || len(agents) > seenAgent {
		t.Errorf("the table must end with %q and hold at most %d agents", Other, seenAgent)
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	ua := "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; feed-id=x1) " + strings.Repeat("x", 1000)
	if n := testing.AllocsPerRun(100, func() { Parse(ua) }); n != 0 {
		t.Errorf("Parse allocates %v times", n)
	}
}

// FuzzParse: any User-Agent, of any length and bytes, parses to an agent
// of the table and a figure within [−1, MaxReported]; a figure needs a
// number before "subscriber" or "reader".
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; feed-id=x)",
		"NewsBlur Feed Fetcher - 12 subscribers - http://www.newsblur.com/site/6123/x",
		"Feedly 1000000000000000000 subscribers",
		"x -5 readers",
		"\xff\xfe 12 subscribers \x00",
		strings.Repeat("9", 600) + " subscribers",
		strings.Repeat("1 subscribers ", 100),
		"newsboat/2.30",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		p := Parse(ua)
		if p.Agent < 0 || p.Agent >= len(agents) {
			t.Fatalf("agent %d", p.Agent)
		}
		if p.Reported < -1 || p.Reported > MaxReported {
			t.Fatalf("reported %d", p.Reported)
		}
		low := strings.ToLower(ua)
		if p.Reported >= 0 && !strings.Contains(low, " subscriber") && !strings.Contains(low, " reader") {
			t.Fatalf("a figure from %q", ua)
		}
		if p.Reported < 0 && p.FeedID != "" || !strings.Contains(ua, p.FeedID) {
			t.Fatalf("feed id %q", p.FeedID)
		}
		if agents[p.Agent].Kind == Bot && p.Reported >= 0 {
			t.Fatalf("a bot reports")
		}
	})
}

// FuzzCount: whatever a client sends, counting takes it: every response
// is one request, and no figure exceeds its cap.
func FuzzCount(f *testing.F) {
	f.Add("Feedly/1.0 (1000000000000000000 subscribers; feed-id=\xff)", 304, false)
	f.Add("newsboat/2.30", 200, true)
	f.Add("\x00\xfe -1 readers 2 subscribers", 429, false)
	f.Fuzz(func(t *testing.T, ua string, status int, head bool) {
		// The counter's clock is the fixtures' own: History reads its
		// Now, so a real clock would make "today" another day than noon's.
		c := NewCounter(Options{Feeds: []string{"/feed.atom"}, Now: func() time.Time { return noon }})
		for i := range 3 {
			c.Count(&Response{Feed: 0, Time: noon, Status: status, Head: head, Client: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), UserAgent: ua})
		}
		days, err := c.History(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		d := days[0]
		if d.Requests != 3 || d.Subscribers < 0 || d.Subscribers > max(3, MaxReported) {
			t.Fatalf("%q %d: %+v", ua, status, d)
		}
		if (head || status != 200 && status != 304) && d.Subscribers != 0 {
			t.Fatalf("%q %d head=%v: %d subscribers", ua, status, head, d.Subscribers)
		}
	})
}
