package handlers

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/httpx"
)

// The audience: who reads which feed, day by day (package audience
// counts; record feeds it every response of both paths). The editor's
// desk shows it at /preview/audience, and /preview/audience.json gives
// the days to scripts.

// audienceDays is how many days the page charts and the JSON gives by
// default; ?days=N asks for N, up to audience.MaxDays.
const audienceDays = 90

// newAudience makes the counter of the subscription feeds, writing to
// st (nil: memory only), and tells every route its feed's index.
func (s *server) newAudience(st *audience.Store) *audience.Counter {
	var feeds []string
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			feeds = append(feeds, spec.Path(f))
		}
	}
	c := audience.NewCounter(audience.Options{
		Feeds:    feeds,
		Location: func() *time.Location { return s.content.Content().Site.Location },
		Store:    st,
		Logger:   s.log,
		Now:      s.now,
		OnReport: s.metrics.setSubscribers,
	})
	for path, rm := range s.metrics.routes {
		rm.audience = c.Feed(path)
	}
	return c
}

// audiencePage is /preview/audience.
type audiencePage struct {
	Page
	Today   audience.Day
	ByFeed  []audienceFeed // today's, most subscribers first
	Readers []nameCount    // today's subscribers by reader
	Bots    []nameCount    // today's requests by bot
	Share   string         // today's 304s as a share of requests
	Charts  []chart
	Days    int // days charted
	// Fediverse are the fediverse account's followers (activitypub.go);
	// nil without an account.
	Fediverse *activitypub.FollowerStats
}

type audienceFeed struct {
	Path string
	audience.FeedDay
	Share string
}

type nameCount struct {
	Name  string
	Count int64
}

// audienceDaysParam is ?days=N of the audience's page and JSON: how many
// days they give, audienceDays without it.
func audienceDaysParam(c echo.Context) (int, error) {
	v := c.QueryParam("days")
	if v == "" {
		return audienceDays, nil
	}
	d, err := strconv.Atoi(v)
	if err != nil || d < 1 {
		return 0, httpx.BadRequest("days must be a positive whole number")
	}
	return min(d, audience.MaxDays), nil
}

func (s *server) previewAudience(c echo.Context) error {
	n, err := audienceDaysParam(c)
	if err != nil {
		return err
	}
	days, err := s.audience.History(c.Request().Context(), n)
	if err != nil {
		return err
	}
	snap := s.content.At(s.now())
	p := audiencePage{Page: s.newPage(snap, "Audience — "+snap.Site.Title, "/preview/audience", ""), Days: len(days)}
	p.Description = "Who reads the feeds of " + snap.Site.Title + ", day by day."
	p.Preview = &PreviewBar{Note: "The audience: counted without keeping any reader's address. Not public."}
	p.Today = days[len(days)-1]
	p.Share = percent(p.Today.NotModified, p.Today.Requests)
	for path, fd := range p.Today.Feeds {
		p.ByFeed = append(p.ByFeed, audienceFeed{Path: path, FeedDay: *fd, Share: percent(fd.NotModified, fd.Requests)})
	}
	slices.SortFunc(p.ByFeed, func(a, b audienceFeed) int {
		return cmp.Or(cmp.Compare(b.Subscribers, a.Subscribers), cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Path, b.Path))
	})
	p.Readers = sortedCounts(p.Today.Readers)
	p.Bots = sortedCounts(p.Today.Bots)
	p.Fediverse = s.fediverseStats(c.Request().Context())

	subs := make([]chartPoint, len(days))
	reqs := make([]chartPoint, len(days))
	for i, d := range days {
		subs[i] = chartPoint{Date: d.Date, Values: []int64{d.Subscribers}}
		reqs[i] = chartPoint{Date: d.Date, Values: []int64{d.Requests, d.NotModified}}
	}
	p.Charts = []chart{
		newChart("subscribers", "Subscribers per day", []string{"subscribers"}, subs),
		newChart("requests", "Requests and 304s per day", []string{"requests", "304 not modified"}, reqs),
	}
	return s.writePreview(c, "audience", p)
}

func (s *server) previewAudienceJSON(c echo.Context) error {
	n, err := audienceDaysParam(c)
	if err != nil {
		return err
	}
	days, err := s.audience.History(c.Request().Context(), n)
	if err != nil {
		return err
	}
	body, err := json.Marshal(struct {
		Days []audience.Day `json:"days"`
	}{days})
	if err != nil {
		return err
	}
	return writePrivate(c, hvJSON, append(body, '\n'))
}

var hvJSON = []string{"application/json"}

func sortedCounts(m map[string]int64) []nameCount {
	out := make([]nameCount, 0, len(m))
	for k, v := range m {
		out = append(out, nameCount{k, v})
	}
	slices.SortFunc(out, func(a, b nameCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// percent is part of whole as a whole percentage, "—" of nothing.
func percent(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	return strconv.FormatInt((part*100+whole/2)/whole, 10) + "%"
}
