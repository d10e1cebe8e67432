package audience

import (
	"context"
	"time"
)

// Day is the audience of one day in the site's time zone.
type Day struct {
	Date string `json:"date"` // YYYY-MM-DD
	// Subscribers is the sum over the feeds: a reader of two feeds
	// counts in each.
	Subscribers int64               `json:"subscribers"`
	Requests    int64               `json:"requests"`
	NotModified int64               `json:"not_modified"`
	Bytes       int64               `json:"bytes"`
	BytesSaved  int64               `json:"bytes_saved"`
	Feeds       map[string]*FeedDay `json:"feeds"`
	// Readers are the subscribers by agent name (bots never).
	Readers map[string]int64 `json:"readers"`
	// Bots are the requests of the agents that are not readers.
	Bots map[string]int64 `json:"bots"`
}

// FeedDay is one feed's day.
type FeedDay struct {
	Subscribers int64 `json:"subscribers"`
	Requests    int64 `json:"requests"`
	NotModified int64 `json:"not_modified"`
	Bytes       int64 `json:"bytes"`
	// Full is the 200s with a body; BytesSaved estimates what the 304s
	// saved: each one the mean body of the day's full responses.
	Full       int64 `json:"full_responses"`
	BytesSaved int64 `json:"bytes_saved"`
}

// MaxDays is the longest history History returns.
const MaxDays = DefaultKeep

// History returns the last n days (at most MaxDays), oldest first, the
// last being today, with what is counted but not yet written. All n are
// there, a day with nothing counted as zeros: asked for 7 days, it
// gives 7.
func (c *Counter) History(ctx context.Context, n int) ([]Day, error) {
	n = min(max(n, 1), MaxDays)
	y, m, d := c.now().In(c.location()).Date()
	dates := make([]string, n)
	for i := range n {
		dates[i] = time.Date(y, m, d-(n-1-i), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	rows := map[Key]Tally{}
	c.flushing.Lock()
	defer c.flushing.Unlock()
	if c.store != nil {
		stored, err := c.store.Rows(ctx, dates[0], dates[n-1])
		if err != nil {
			return nil, err
		}
		for _, r := range stored {
			merge(rows, r.Key, r.Tally)
		}
	}
	c.mu.Lock()
	for k, t := range c.pending {
		merge(rows, k, t)
	}
	if c.day != nil {
		c.collect(c.day, rows, false)
	}
	c.mu.Unlock()

	byDate := make(map[string]*Day, n)
	days := make([]Day, n)
	for i, date := range dates {
		days[i] = Day{Date: date, Feeds: map[string]*FeedDay{}, Readers: map[string]int64{}, Bots: map[string]int64{}}
		byDate[date] = &days[i]
	}
	for k, t := range rows {
		day := byDate[k.Day]
		if day == nil {
			continue
		}
		fd := day.Feeds[k.Feed]
		if fd == nil {
			fd = &FeedDay{}
			day.Feeds[k.Feed] = fd
		}
		fd.Requests += t.Requests
		fd.NotModified += t.NotModified
		fd.Bytes += t.Bytes
		fd.Full += t.Full
		if a, ok := Lookup(k.Agent); ok && a.Kind == Bot {
			day.Bots[k.Agent] += t.Requests
			continue
		}
		if s := t.Subscribers(); s > 0 {
			fd.Subscribers += s
			day.Readers[k.Agent] += s
		}
	}
	for i := range days {
		day := &days[i]
		for _, fd := range day.Feeds {
			if fd.Full > 0 {
				fd.BytesSaved = fd.NotModified * (fd.Bytes / fd.Full)
			}
			day.Subscribers += fd.Subscribers
			day.Requests += fd.Requests
			day.NotModified += fd.NotModified
			day.Bytes += fd.Bytes
			day.BytesSaved += fd.BytesSaved
		}
	}
	return days, nil
}
