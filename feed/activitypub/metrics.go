package activitypub

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the account's Prometheus metrics.
type Metrics struct {
	deliveries *prometheus.CounterVec // result: ok, rejected, retry, dropped
	inbox      *prometheus.CounterVec // result: accepted, unauthorized, too_large, limited, bad
	queue      prometheus.GaugeFunc
	followers  prometheus.GaugeFunc
}

func newMetrics(s *Service) *Metrics {
	count := func(q string) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var n int
			if s.db.QueryRowContext(ctx, q).Scan(&n) != nil {
				return 0
			}
			return float64(n)
		}
	}
	return &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "morningpost_activitypub_deliveries_total",
			Help: "Deliveries of activities to fediverse inboxes, by result: ok, rejected (4xx, not retried), retry, dropped (after two days)."}, []string{"result"}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "morningpost_activitypub_inbox_requests_total",
			Help: "POSTs to the fediverse inbox, by result: accepted, unauthorized, too_large, limited, bad."}, []string{"result"}),
		queue: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "morningpost_activitypub_queue_length",
			Help: "Deliveries waiting in the queue."}, count("SELECT COUNT(*) FROM ap_deliveries")),
		followers: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "morningpost_activitypub_followers",
			Help: "Followers of the fediverse account."}, count("SELECT COUNT(*) FROM ap_followers")),
	}
}

// Collectors are the metrics, for a Prometheus registry.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.deliveries, m.inbox, m.queue, m.followers}
}
