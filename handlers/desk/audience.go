package desk

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/feed/activitypub"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/httpx"
	"github.com/morningpost/morningpost/handlers/page"
)

// The audience: who reads which feed, day by day (package audience
// counts; record feeds it every response of both paths). The editor's
// desk shows it at /preview/audience, and /preview/audience.json gives
// the days to scripts.

// AudienceDays is how many days the page charts and the JSON gives by
// default; ?days=N asks for N, up to audience.MaxDays.
const AudienceDays = 90

// audiencePage is /preview/audience.
type audiencePage struct {
	page.Page
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
// days they give, AudienceDays without it.
func audienceDaysParam(c echo.Context) (int, error) {
	v := c.QueryParam("days")
	if v == "" {
		return AudienceDays, nil
	}
	d, err := strconv.Atoi(v)
	if err != nil || d < 1 {
		return 0, httpx.BadRequest("days must be a positive whole number")
	}
	return min(d, audience.MaxDays), nil
}

func (d *Desk) Audience(c echo.Context) error {
	n, err := audienceDaysParam(c)
	if err != nil {
		return err
	}
	days, err := d.audience().History(c.Request().Context(), n)
	if err != nil {
		return err
	}
	snap := d.content.At(d.now())
	p := audiencePage{Page: d.newPage(snap, "Audience — "+snap.Site.Title, "/preview/audience", ""), Days: len(days)}
	p.Description = "Who reads the feeds of " + snap.Site.Title + ", day by day."
	p.Preview = &page.PreviewBar{Note: "The audience: counted without keeping any reader's address. Not public."}
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
	p.Fediverse = d.fediverse(c.Request().Context())

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
	return d.writePreview(c, "audience", p)
}

func (d *Desk) AudienceJSON(c echo.Context) error {
	n, err := audienceDaysParam(c)
	if err != nil {
		return err
	}
	days, err := d.audience().History(c.Request().Context(), n)
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
