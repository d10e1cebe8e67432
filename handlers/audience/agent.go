package audience

import (
	"bytes"
	"strings"
)

// Kind is what a User-Agent is to the audience.
type Kind uint8

const (
	// Reader is a feed reader run by one person (newsboat, NetNewsWire,
	// Thunderbird, a self-hosted Miniflux): one subscriber per
	// distinct network address and User-Agent.
	Reader Kind = iota
	// Aggregator is a service fetching a feed once for many people; the
	// known ones say how many in the User-Agent ("123 subscribers").
	// Without a figure it counts as a Reader.
	Aggregator
	// Bot is a client that is nobody's subscription: search crawlers,
	// link previewers, uptime checkers, validators. Its requests are
	// counted, never as a subscriber.
	Bot
)

// Agent is a name of the agents table.
type Agent struct {
	Name string // as shown and stored: "Feedly", "newsboat", "other"
	Kind Kind
	// Label is the Prometheus label of an aggregator that reports
	// subscribers (morningpost_feed_subscribers); "" for the others.
	Label string
	match []string // lower-case substrings of the User-Agent, any of which names it
	// matchB is match as bytes, made once: a conversion per request
	// could allocate.
	matchB [][]byte
}

// Other names every client the table does not know; OtherBot a client
// whose User-Agent says bot, crawler or spider but is not in the table.
const (
	Other    = "other"
	OtherBot = "other bot"
)

// agents is the one table of User-Agents the audience recognises,
// searched in order (the first match wins) without regard to case. To
// recognise a new reader, add a line: Name is what the page and the
// store say, match the substrings that identify it. Aggregators first:
// their User-Agents often say "like FeedFetcher" or name a browser.
var agents = []Agent{
	// Aggregators: services that report "N subscribers" or "N readers".
	{Name: "Feedly", Kind: Aggregator, Label: "feedly", match: []string{"feedly"}},
	{Name: "Inoreader", Kind: Aggregator, Label: "inoreader", match: []string{"inoreader"}},
	{Name: "NewsBlur", Kind: Aggregator, Label: "newsblur", match: []string{"newsblur"}},
	{Name: "The Old Reader", Kind: Aggregator, Label: "theoldreader", match: []string{"theoldreader"}},
	{Name: "Feedbin", Kind: Aggregator, Label: "feedbin", match: []string{"feedbin"}},
	{Name: "Netvibes", Kind: Aggregator, Label: "netvibes", match: []string{"netvibes"}},
	{Name: "BazQux", Kind: Aggregator, Label: "bazqux", match: []string{"bazqux"}},
	{Name: "Feedspot", Kind: Aggregator, Label: "feedspot", match: []string{"feedspot"}},
	{Name: "FeedHQ", Kind: Aggregator, Label: "feedhq", match: []string{"feedhq"}},
	{Name: "Feed Wrangler", Kind: Aggregator, Label: "feedwrangler", match: []string{"feedwrangler", "feed wrangler"}},
	{Name: "Bloglovin", Kind: Aggregator, Label: "bloglovin", match: []string{"bloglovin"}},
	{Name: "CommaFeed", Kind: Aggregator, Label: "commafeed", match: []string{"commafeed"}},
	{Name: "Feeder", Kind: Aggregator, Label: "feeder", match: []string{"feeder.co"}},
	{Name: "Readwise", Kind: Aggregator, Label: "readwise", match: []string{"readwise"}},
	{Name: "Feedreader Online", Kind: Aggregator, Label: "feedreader", match: []string{"feedreader.com"}},

	// Readers: self-hosted services, desktop and phone apps.
	{Name: "Miniflux", Kind: Reader, match: []string{"miniflux"}},
	{Name: "FreshRSS", Kind: Reader, match: []string{"freshrss"}},
	{Name: "Tiny Tiny RSS", Kind: Reader, match: []string{"tiny tiny rss", "tt-rss"}},
	{Name: "Nextcloud News", Kind: Reader, match: []string{"nextcloud-news", "nextcloud news"}},
	{Name: "selfoss", Kind: Reader, match: []string{"selfoss"}},
	{Name: "newsboat", Kind: Reader, match: []string{"newsboat", "newsbeuter"}},
	{Name: "NetNewsWire", Kind: Reader, match: []string{"netnewswire"}},
	{Name: "Reeder", Kind: Reader, match: []string{"reeder"}},
	{Name: "ReadKit", Kind: Reader, match: []string{"readkit"}},
	{Name: "Vienna", Kind: Reader, match: []string{"vienna/"}},
	{Name: "Thunderbird", Kind: Reader, match: []string{"thunderbird"}},
	{Name: "Liferea", Kind: Reader, match: []string{"liferea"}},
	{Name: "Akregator", Kind: Reader, match: []string{"akregator"}},
	{Name: "QuiteRSS", Kind: Reader, match: []string{"quiterss"}},
	{Name: "RSSOwl", Kind: Reader, match: []string{"rssowl"}},
	{Name: "NewsFlash", Kind: Reader, match: []string{"newsflash"}},
	{Name: "Fluent Reader", Kind: Reader, match: []string{"fluent-reader", "fluent reader"}},
	{Name: "Elfeed", Kind: Reader, match: []string{"elfeed"}},
	{Name: "Feeder (Android)", Kind: Reader, match: []string{"feeder / ", "com.nononsenseapps.feeder"}},
	{Name: "Unread", Kind: Reader, match: []string{"unread/"}},
	{Name: "rss2email", Kind: Reader, match: []string{"rss2email"}},
	{Name: "Blogtrottr", Kind: Reader, match: []string{"blogtrottr"}},

	// Bots: not readers. Search and AI crawlers.
	{Name: "Googlebot", Kind: Bot, match: []string{"googlebot", "google-inspectiontool", "adsbot-google", "storebot-google", "googleother", "google-extended", "apis-google"}},
	{Name: "Bingbot", Kind: Bot, match: []string{"bingbot", "bingpreview", "msnbot", "adidxbot"}},
	{Name: "DuckDuckBot", Kind: Bot, match: []string{"duckduckbot", "duckassistbot", "duckduckgo-favicons-bot"}},
	{Name: "Applebot", Kind: Bot, match: []string{"applebot"}},
	{Name: "YandexBot", Kind: Bot, match: []string{"yandex"}},
	{Name: "Baiduspider", Kind: Bot, match: []string{"baiduspider"}},
	{Name: "Yahoo Slurp", Kind: Bot, match: []string{"slurp"}},
	{Name: "SeznamBot", Kind: Bot, match: []string{"seznambot"}},
	{Name: "PetalBot", Kind: Bot, match: []string{"petalbot"}},
	{Name: "Amazonbot", Kind: Bot, match: []string{"amazonbot"}},
	{Name: "GPTBot", Kind: Bot, match: []string{"gptbot", "chatgpt-user", "oai-searchbot"}},
	{Name: "ClaudeBot", Kind: Bot, match: []string{"claudebot", "claude-web", "anthropic-ai", "claude-user", "claude-searchbot"}},
	{Name: "PerplexityBot", Kind: Bot, match: []string{"perplexitybot", "perplexity-user"}},
	{Name: "CCBot", Kind: Bot, match: []string{"ccbot"}},
	{Name: "Bytespider", Kind: Bot, match: []string{"bytespider"}},
	{Name: "Meta crawler", Kind: Bot, match: []string{"meta-externalagent", "meta-externalfetcher", "facebookexternalhit", "facebookcatalog", "facebot"}},
	{Name: "AhrefsBot", Kind: Bot, match: []string{"ahrefsbot", "ahrefssiteaudit"}},
	{Name: "SemrushBot", Kind: Bot, match: []string{"semrushbot", "siteauditbot"}},
	{Name: "MJ12bot", Kind: Bot, match: []string{"mj12bot"}},
	{Name: "DotBot", Kind: Bot, match: []string{"dotbot"}},
	// Link previewers: a post or chat message showing a link.
	{Name: "Twitterbot", Kind: Bot, match: []string{"twitterbot"}},
	{Name: "LinkedInBot", Kind: Bot, match: []string{"linkedinbot"}},
	{Name: "Slackbot", Kind: Bot, match: []string{"slackbot", "slack-imgproxy"}},
	{Name: "Discordbot", Kind: Bot, match: []string{"discordbot"}},
	{Name: "TelegramBot", Kind: Bot, match: []string{"telegrambot"}},
	{Name: "WhatsApp", Kind: Bot, match: []string{"whatsapp"}},
	{Name: "Skype", Kind: Bot, match: []string{"skypeuripreview"}},
	{Name: "redditbot", Kind: Bot, match: []string{"redditbot"}},
	{Name: "Pinterestbot", Kind: Bot, match: []string{"pinterest"}},
	{Name: "Mastodon", Kind: Bot, match: []string{"mastodon", "pleroma", "akkoma", "misskey"}},
	{Name: "Embedly", Kind: Bot, match: []string{"embedly", "iframely"}},
	// Uptime checkers and validators.
	{Name: "UptimeRobot", Kind: Bot, match: []string{"uptimerobot"}},
	{Name: "Pingdom", Kind: Bot, match: []string{"pingdom"}},
	{Name: "StatusCake", Kind: Bot, match: []string{"statuscake"}},
	{Name: "Site24x7", Kind: Bot, match: []string{"site24x7"}},
	{Name: "Better Stack", Kind: Bot, match: []string{"betteruptime", "better uptime", "betterstack"}},
	{Name: "Uptime Kuma", Kind: Bot, match: []string{"uptime-kuma", "uptime kuma"}},
	{Name: "Datadog", Kind: Bot, match: []string{"datadog"}},
	{Name: "Checkly", Kind: Bot, match: []string{"checkly"}},
	{Name: "Feed validator", Kind: Bot, match: []string{"feedvalidator", "w3c_validator", "w3c-checklink", "validator.nu"}},

	// The rest. A User-Agent naming itself a bot, crawler or spider is
	// a bot; anything else a reader.
	{Name: OtherBot, Kind: Bot, match: []string{"bot", "crawl", "spider"}},
	{Name: Other, Kind: Reader},
}

// otherAgent is the index of Other in agents.
var otherAgent = func() int {
	for i, a := range agents {
		if a.Name == Other {
			return i
		}
	}
	panic("audience: no " + Other + " agent")
}()

// agentIndex is the index of each name in agents.
var agentIndex = map[string]int{}

func init() {
	for i, a := range agents {
		agentIndex[a.Name] = i
		for _, s := range a.match {
			agents[i].matchB = append(agents[i].matchB, []byte(s))
		}
	}
}

// Lookup returns the agent named name.
func Lookup(name string) (Agent, bool) {
	i, ok := agentIndex[name]
	if !ok {
		return Agent{}, false
	}
	return agents[i], true
}

// MaxReported caps a subscriber figure a User-Agent reports: the header
// is the client's word, and no feed has more subscribers in one service.
const MaxReported = 100_000_000

// maxScan is how much of a User-Agent is read: real ones are a few
// hundred bytes; anything longer is not looked at past this.
const maxScan = 512

// Parsed is what a User-Agent says.
type Parsed struct {
	Agent int // index in the agents table
	// Reported is the subscriber figure the User-Agent reports ("123
	// subscribers", "5 readers"), capped at MaxReported; -1 when none.
	Reported int64
	// FeedID is the aggregator's own id of the feed (Feedly's
	// "feed-id=…", NewsBlur's "/site/1234"), a substring of the
	// User-Agent; "" when none. One service may know one feed under
	// several ids, each with its own subscribers.
	FeedID string
}

// Parse reads a User-Agent of any length and content. It never
// allocates: it looks at the first 512 bytes, lower-cased on the stack.
func Parse(ua string) Parsed {
	var buf [maxScan]byte
	s := ua
	if len(s) > maxScan {
		s = s[:maxScan]
	}
	low := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	p := Parsed{Agent: otherAgent, Reported: -1}
	for i := range agents {
		if matches(low, agents[i].matchB) {
			p.Agent = i
			break
		}
	}
	if agents[p.Agent].Kind != Bot {
		p.Reported = reported(low)
		if p.Reported >= 0 {
			p.FeedID = feedID(s, low)
		}
	}
	return p
}

func matches(low []byte, subs [][]byte) bool {
	for _, m := range subs {
		if bytes.Contains(low, m) {
			return true
		}
	}
	return false
}

// reported finds the first "N subscribers" or "N readers" (singular too)
// in a lower-cased User-Agent. N is digits, possibly grouped by commas,
// preceded by a space, a separator or the start; a minus sign before
// it makes it no figure. Figures beyond MaxReported are MaxReported.
func reported(low []byte) int64 {
	for _, word := range figureWords {
		rest := low
		off := 0
		for {
			i := bytes.Index(rest, word)
			if i < 0 {
				break
			}
			if n, ok := figureBefore(low[:off+i]); ok {
				return n
			}
			off += i + len(word)
			rest = low[off:]
		}
	}
	return -1
}

var figureWords = [][]byte{[]byte(" subscriber"), []byte(" reader")}

// figureBefore reads the number that ends s.
func figureBefore(s []byte) (int64, bool) {
	j := len(s)
	for j > 0 && (isDigit(s[j-1]) || s[j-1] == ',' && j > 1 && isDigit(s[j-2])) {
		j--
	}
	if j == len(s) || !isDigit(s[j]) {
		return 0, false
	}
	if j > 0 {
		switch s[j-1] {
		case ' ', ';', '(', '[', ':', '=', '\t':
		default:
			return 0, false // "-5 subscribers", "v2 readers"
		}
	}
	var n int64
	for _, c := range s[j:] {
		if c == ',' {
			continue
		}
		if n = n*10 + int64(c-'0'); n > MaxReported {
			return MaxReported, true
		}
	}
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

var feedIDKeys = [][]byte{[]byte("feed-id="), []byte("feed-id:"), []byte("feedid="), []byte("/site/")}

// feedID finds an aggregator's id of the feed in ua (low is its
// lower-cased copy): "feed-id=X", "feed-id:X", "feedid=X" or NewsBlur's
// "/site/X".
func feedID(ua string, low []byte) string {
	for _, key := range feedIDKeys {
		i := bytes.Index(low, key)
		if i < 0 {
			continue
		}
		v := ua[i+len(key):]
		if j := strings.IndexAny(v, " ;)/,"); j >= 0 {
			v = v[:j]
		}
		if v != "" {
			return v
		}
	}
	return ""
}
