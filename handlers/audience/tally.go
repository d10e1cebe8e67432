package audience

// Tally is what is counted for one day, feed and agent. Every field but
// the reported figure adds up: two tallies of one key (two flushes, two
// replicas) combine by adding them; the figure an aggregator reported
// combines by keeping the later.
type Tally struct {
	Requests    int64 // responses of every status and method
	NotModified int64 // 304s
	Full        int64 // 200s to GET: responses with the body
	Bytes       int64 // body bytes sent
	// Distinct counts the distinct (network address, User-Agent) pairs
	// that fetched the feed: one subscriber each.
	Distinct int64
	// Reported is the aggregator's own figure, the sum over the feed ids
	// it knows the feed by of the latest each reported, as of
	// ReportedAt (Unix nanoseconds; 0: no figure).
	Reported   int64
	ReportedAt int64
}

// Subscribers are the distinct readers and the reported figure.
func (t Tally) Subscribers() int64 { return t.Distinct + t.Reported }

// add combines o into t: counts add, the later figure wins.
func (t *Tally) add(o Tally) {
	t.Requests += o.Requests
	t.NotModified += o.NotModified
	t.Full += o.Full
	t.Bytes += o.Bytes
	t.Distinct += o.Distinct
	if o.ReportedAt > t.ReportedAt {
		t.Reported, t.ReportedAt = o.Reported, o.ReportedAt
	}
}

func (t Tally) zero() bool { return t == Tally{} }

// Key names a row: a day in the site's time zone (YYYY-MM-DD), a feed's
// path and an agent's name (Agents).
type Key struct {
	Day, Feed, Agent string
}

// Row is one stored row: a day, feed and agent, and its tally.
type Row struct {
	Key
	Tally
}

// merge adds rows into m.
func merge(m map[Key]Tally, k Key, t Tally) {
	if t.zero() {
		return
	}
	old := m[k]
	old.add(t)
	m[k] = old
}
