package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// Metrics are the Prometheus metrics of one server, served at /metrics
// from a registry of their own. Every name starts with morningpost_.
// Every label takes few values: routes are route patterns
// ("/issues/:number"), never raw paths; sources and aggregators come
// from fixed lists.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler // everything, for --metrics-addr and editors
	public  http.Handler // without the names of upstream sources

	requests    *prometheus.CounterVec   // route, format, status
	bytes       *prometheus.CounterVec   // route, format
	duration    *prometheus.HistogramVec // route
	subscribers *prometheus.GaugeVec     // feed, aggregator
	polls       *prometheus.CounterVec   // source, result
	websub      *prometheus.CounterVec   // hub, result

	routes map[string]*routeMetrics // by route pattern; read-only once the server is built
	other  *routeMetrics            // requests no route matched
}

// NewMetrics returns the metrics of a server, with the Go runtime's and
// the process's. Pass them to New in Deps.Metrics, and report
// upstream polls with ObservePoll. One Metrics serves one server.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "morningpost_http_requests_total",
			Help: "HTTP requests answered, by route pattern, format and status code (304s show how much polling is conditional).",
		}, []string{"route", "format", "status"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "morningpost_http_response_bytes_total",
			Help: "Response body bytes written, by route pattern and format, after content coding.",
		}, []string{"route", "format"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "morningpost_http_request_duration_seconds",
			Help:    "Time to answer a request, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		subscribers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "morningpost_feed_subscribers",
			Help: "Subscribers of a feed as the last request of an aggregator reported them in its User-Agent (\"… 123 subscribers …\"); self-reported, not verified.",
		}, []string{"feed", "aggregator"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: pollsName,
			Help: "Polls of upstream sources, by source and result: ok, not-modified, deferred or error.",
		}, []string{"source", "result"}),
		websub: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "morningpost_websub_pings_total",
			Help: "WebSub publish requests to hubs, by hub and result: ok, retry (failed, tried again later) or failed (given up).",
		}, []string{"hub", "result"}),
	}
	m.reg.MustRegister(m.requests, m.bytes, m.duration, m.subscribers, m.polls, m.websub)
	// The runtime's and the process's metrics too, under our prefix
	// (morningpost_go_goroutines, morningpost_process_resident_memory_bytes).
	prometheus.WrapRegistererWithPrefix("morningpost_", m.reg).MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	m.public = promhttp.HandlerFor(publicGatherer{m.reg}, promhttp.HandlerOpts{})
	return m
}

// publicGatherer is the registry as the public /metrics shows it: the
// names of upstream sources are for editors (the sources are read for
// them, never for readers), so the polls are summed over sources, by
// result only.
type publicGatherer struct{ g prometheus.Gatherer }

func (p publicGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := p.g.Gather()
	for _, mf := range mfs {
		if mf.GetName() == pollsName {
			mf.Metric = sumWithout(mf.Metric, "source")
		}
	}
	return mfs, err
}

// sumWithout merges the counters that differ only in the label drop,
// dropping it.
func sumWithout(ms []*dto.Metric, drop string) []*dto.Metric {
	var out []*dto.Metric
	byLabels := map[string]*dto.Metric{}
	for _, m := range ms {
		var labels []*dto.LabelPair
		var key strings.Builder
		for _, lp := range m.GetLabel() {
			if lp.GetName() != drop {
				labels = append(labels, lp)
				key.WriteString(lp.GetName() + "\x00" + lp.GetValue() + "\x00")
			}
		}
		if sum, ok := byLabels[key.String()]; ok {
			sum.Counter.Value = proto.Float64(sum.GetCounter().GetValue() + m.GetCounter().GetValue())
			continue
		}
		sum := &dto.Metric{Label: labels, Counter: &dto.Counter{Value: proto.Float64(m.GetCounter().GetValue())}}
		byLabels[key.String()] = sum
		out = append(out, sum)
	}
	return out
}

// pollsName is the metric of upstream polls, whose source label the
// public /metrics leaves out.
const pollsName = "morningpost_upstream_polls_total"

// ObservePoll counts one poll of an upstream source. result is "ok",
// "not-modified", "deferred" or "error".
func (m *Metrics) ObservePoll(source, result string) {
	m.polls.WithLabelValues(source, result).Inc()
}

// ObserveWebSub counts one publish request to a WebSub hub. result is
// "ok", "retry" or "failed".
func (m *Metrics) ObserveWebSub(hub, result string) {
	m.websub.WithLabelValues(hub, result).Inc()
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return m.handler
}

// register adds what the server's dependencies count: the feed cache
// and content reloads, read when scraped.
func (m *Metrics) register(live *content.Live, cache *feed.Cache) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "morningpost_content_reloads_total",
			Help: "Content reloads attempted (a file changed).",
		}, func() float64 { return float64(live.Reloads()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "morningpost_content_reload_errors_total",
			Help: "Content reloads that failed; the last good content kept being served.",
		}, func() float64 { return float64(live.ReloadErrors()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "morningpost_content_problems",
			Help: "Problems in the content on disk now (0 when what is served is what is on disk); /healthz lists them.",
		}, func() float64 { return float64(len(live.Problems())) }),
		cacheCollector{cache},
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// cacheCollector reads the feed cache's counters when scraped.
type cacheCollector struct{ c *feed.Cache }

var (
	descCacheHits      = prometheus.NewDesc("morningpost_feed_cache_hits_total", "Requests for feeds, pages and pictures answered from the render cache.", nil, nil)
	descCacheMisses    = prometheus.NewDesc("morningpost_feed_cache_misses_total", "Requests for feeds, pages and pictures that waited for a render, their own or a concurrent one.", nil, nil)
	descCacheRenders   = prometheus.NewDesc("morningpost_feed_cache_renders_total", "Feeds rendered (per format), pages and pictures made, compressed.", nil, nil)
	descCacheEvictions = prometheus.NewDesc("morningpost_feed_cache_evictions_total", "Render cache entries (a feed document with its renderings, a page, a picture) dropped to stay within the byte budget.", nil, nil)
	descCacheRenderSec = prometheus.NewDesc("morningpost_feed_render_seconds_total", "Time spent building, rendering and compressing what the render cache holds; divide by renders for the mean.", nil, nil)
	descCacheBytes     = prometheus.NewDesc("morningpost_feed_cache_bytes", "Bytes the render cache holds: responses in every encoding, documents kept for their next format.", nil, nil)
	descCacheEntries   = prometheus.NewDesc("morningpost_feed_cache_entries", "Render cache entries held: feed documents (each with up to three renderings), pages, pictures.", nil, nil)
)

func (cc cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCacheHits, descCacheMisses, descCacheRenders, descCacheEvictions, descCacheRenderSec, descCacheBytes, descCacheEntries} {
		ch <- d
	}
}

func (cc cacheCollector) Collect(ch chan<- prometheus.Metric) {
	st := cc.c.Stats()
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(st.Hits))
	ch <- prometheus.MustNewConstMetric(descCacheMisses, prometheus.CounterValue, float64(st.Misses))
	ch <- prometheus.MustNewConstMetric(descCacheRenders, prometheus.CounterValue, float64(st.Renders))
	ch <- prometheus.MustNewConstMetric(descCacheEvictions, prometheus.CounterValue, float64(st.Evictions))
	ch <- prometheus.MustNewConstMetric(descCacheRenderSec, prometheus.CounterValue, st.RenderTime.Seconds())
	ch <- prometheus.MustNewConstMetric(descCacheBytes, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(descCacheEntries, prometheus.GaugeValue, float64(st.Entries))
}

// routeMetrics are the metrics of one route with its labels bound, so a
// request costs a few atomic adds and no label hashing. They are bound
// on the route's first request: routes never asked for add nothing to
// a scrape.
type routeMetrics struct {
	route, format string
	audience      int // the audience's index of a subscription feed (audience.Counter.Feed); -1 for other routes
	m             *Metrics
	once          sync.Once
	bytes         prometheus.Counter
	duration      prometheus.Observer
	// statuses are the request counters by status code (100–599), bound
	// on a code's first response: a fixed table, so a request costs a
	// load.
	statuses [500]atomic.Pointer[prometheus.Counter]
}

func (m *Metrics) newRoute(route, format string) *routeMetrics {
	return &routeMetrics{route: route, format: format, m: m, audience: -1}
}

// observe counts one response of the route.
func (r *routeMetrics) observe(status int, size int64, d time.Duration) {
	r.once.Do(func() {
		r.bytes = r.m.bytes.WithLabelValues(r.route, r.format)
		r.duration = r.m.duration.WithLabelValues(r.route)
	})
	r.status(status).Inc()
	r.bytes.Add(float64(size))
	r.duration.Observe(d.Seconds())
}

// bindRoutes prepares the metrics of every route e serves.
func (m *Metrics) bindRoutes(e *echo.Echo) {
	m.routes = map[string]*routeMetrics{}
	for _, r := range e.Routes() {
		if _, ok := m.routes[r.Path]; ok {
			continue
		}
		if _, f, ok := feed.ParsePath(r.Path); ok {
			m.routes[r.Path] = m.newRoute(r.Path, string(f))
		} else {
			m.routes[r.Path] = m.newRoute(r.Path, routeFormat(r.Path))
		}
	}
	m.other = m.newRoute("unmatched", "none")
}

// route returns the metrics of a route pattern; unknown patterns (Echo
// names a partial match when no route matched) count as "unmatched".
func (m *Metrics) route(pattern string) *routeMetrics {
	if r, ok := m.routes[pattern]; ok {
		return r
	}
	return m.other
}

func (r *routeMetrics) status(code int) prometheus.Counter {
	if code < 100 || code > 599 {
		return r.m.requests.WithLabelValues(r.route, r.format, strconv.Itoa(code)) // never from net/http
	}
	slot := &r.statuses[code-100]
	if c := slot.Load(); c != nil {
		return *c
	}
	// Two first responses may both bind: WithLabelValues gives both the same counter.
	c := r.m.requests.WithLabelValues(r.route, r.format, strconv.Itoa(code))
	slot.Store(&c)
	return c
}

// routeFormat is the format label of a route that is not a feed.
func routeFormat(route string) string {
	switch {
	case route == "/healthz":
		return "json"
	case route == "/metrics":
		return "prometheus"
	case strings.HasSuffix(route, ".opml"):
		return "opml"
	case strings.HasPrefix(route, "/issues/:number/images/"):
		return "image"
	case route == "/sitemap.xml" || strings.HasPrefix(route, "/sitemaps/"):
		return "sitemap"
	case !strings.HasPrefix(route, "/feeds/view/") && feedRouteFormat(route) != "":
		// Tag feeds, archives, the sources feed: feeds ParsePath does not know.
		return feedRouteFormat(route)
	case strings.HasPrefix(route, "/static/") || route == "/icon.png" || route == "/favicon.ico" || route == "/robots.txt":
		return "static"
	}
	return "html"
}

// feedRouteFormat is the format of a route ending in a feed document's
// name (…/feed.rss, .atom, .json), else "".
func feedRouteFormat(route string) string {
	for _, f := range feed.Formats {
		if strings.HasSuffix(route, "/feed."+string(f)) {
			return string(f)
		}
	}
	return ""
}

// setSubscribers is the audience's OnReport: the figure an aggregator
// reported for a feed (audience.Agent.Label names it).
func (m *Metrics) setSubscribers(feed, aggregator string, n int64) {
	m.subscribers.WithLabelValues(feed, aggregator).Set(float64(n))
}

// Register adds collectors (the fediverse account's) to the metrics.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
