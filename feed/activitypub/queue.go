package activitypub

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/morningpost/morningpost/content/store"
)

// The queue: every activity to send is a row of ap_activities, and
// every inbox it goes to a row of ap_deliveries, written in the
// transaction that decided to send it. A delivery's row is deleted once
// the inbox took it (2xx) or refused it for good (4xx), so a restart or
// a crash loses nothing; the only request that can go twice is one in
// flight when the process died, which the receiver knows by the
// activity's ID. One server of a fleet delivers (the lease in
// cmd/morningpost); a failed delivery is tried again with exponential
// backoff, for about two days, then dropped and logged; an inbox that
// failed for that long is marked unreachable and skipped until its
// server speaks to us again.
const (
	firstRetry      = time.Minute
	maxRetry        = 12 * time.Hour
	giveUpAfter     = 48 * time.Hour
	perHost         = 4   // deliveries at once to one host
	atOnce          = 128 // deliveries at once in all
	batch           = 2000
	deliverInterval = time.Second // how often the queue is looked at without a wake-up
)

// querier is a store.DB or a store.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// enqueue queues act of account for inboxes, in a transaction of its own.
func (s *Service) enqueue(ctx context.Context, account string, act Object, inboxes []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.enqueueTx(ctx, tx, account, act, inboxes); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.poke()
	return nil
}

// enqueueTx queues act of account (signed with its key) for each of
// inboxes that is not unreachable.
func (s *Service) enqueueTx(ctx context.Context, tx querier, account string, act Object, inboxes []string) error {
	if len(inboxes) == 0 {
		return nil
	}
	body, err := json.Marshal(act)
	if err != nil {
		return err
	}
	id, _ := act["id"].(string)
	now := store.Nanos(s.now())
	if _, err := tx.ExecContext(ctx, "INSERT INTO ap_activities (id, account, body, created) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING", id, account, string(body), now); err != nil {
		return fmt.Errorf("queue %s: %w", id, err)
	}
	unreachable := map[string]bool{}
	rows, err := tx.QueryContext(ctx, "SELECT inbox FROM ap_inboxes WHERE unreachable = 1")
	if err != nil {
		return err
	}
	for rows.Next() {
		var in string
		if rows.Scan(&in) == nil {
			unreachable[in] = true
		}
	}
	rows.Close()
	for start := 0; start < len(inboxes); start += 200 {
		var args []any
		n := 0
		for _, in := range inboxes[start:min(start+200, len(inboxes))] {
			if unreachable[in] || hostOf(in) == "" {
				continue
			}
			args = append(args, id, in, hostOf(in), now, now)
			n++
		}
		if n == 0 {
			continue
		}
		q := "INSERT INTO ap_deliveries (activity, inbox, host, first_at, next_at) VALUES "
		for i := range n {
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?)"
		}
		q += " ON CONFLICT (activity, inbox) DO NOTHING"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("queue %s: %w", id, err)
		}
	}
	return nil
}

// deliverer runs the deliveries: at most perHost at once to one host
// and atOnce in all; a delivery in flight is not started again.
type deliverer struct {
	mu       sync.Mutex
	inflight map[[2]string]bool
	hosts    map[string]chan struct{}
	all      chan struct{}
	wg       sync.WaitGroup
}

func (s *Service) deliverLoop(ctx context.Context, leading func() bool) {
	t := time.NewTicker(deliverInterval)
	defer t.Stop()
	for {
		if leading == nil || leading() {
			if _, err := s.dispatch(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("activitypub: delivery queue", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			s.dl().wg.Wait()
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

func (s *Service) dl() *deliverer {
	s.dlOnce.Do(func() {
		s.deliv = &deliverer{inflight: map[[2]string]bool{}, hosts: map[string]chan struct{}{}, all: make(chan struct{}, atOnce)}
	})
	return s.deliv
}

// Flush delivers everything due now and waits for it: for tests and
// for a server about to stop.
func (s *Service) Flush(ctx context.Context) error {
	for {
		n, err := s.dispatch(ctx)
		s.dl().wg.Wait()
		if err != nil || n == 0 {
			return err
		}
	}
}

// dispatch starts the deliveries that are due and not in flight, and
// returns how many it started.
func (s *Service) dispatch(ctx context.Context) (int, error) {
	d := s.dl()
	rows, err := s.db.QueryContext(ctx, `SELECT d.activity, d.inbox, d.host, d.attempts, d.first_at, a.account, a.body
		FROM ap_deliveries d JOIN ap_activities a ON a.id = d.activity
		WHERE d.next_at <= ? ORDER BY d.next_at LIMIT ?`, store.Nanos(s.now()), batch)
	if err != nil {
		return 0, err
	}
	type job struct {
		activity, inbox, host string
		attempts              int
		first                 int64
		account, body         string
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.activity, &j.inbox, &j.host, &j.attempts, &j.first, &j.account, &j.body); err != nil {
			rows.Close()
			return 0, err
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	started := 0
	for _, j := range jobs {
		key := [2]string{j.activity, j.inbox}
		d.mu.Lock()
		if d.inflight[key] {
			d.mu.Unlock()
			continue
		}
		d.inflight[key] = true
		sem := d.hosts[j.host]
		if sem == nil {
			sem = make(chan struct{}, perHost)
			d.hosts[j.host] = sem
		}
		d.mu.Unlock()
		started++
		d.wg.Go(func() {
			defer func() {
				d.mu.Lock()
				delete(d.inflight, key)
				d.mu.Unlock()
			}()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			select {
			case d.all <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-d.all }()
			status, err := s.post(ctx, j.inbox, []byte(j.body), j.account)
			if err != nil && ctx.Err() != nil {
				return // stopping: the row stays, tried again at the next start
			}
			s.settle(j.activity, j.inbox, j.attempts, store.Time(j.first), status, err)
		})
	}
	return started, nil
}

// post sends body, signed with account's key, to inbox, and returns the
// status.
func (s *Service) post(ctx context.Context, inbox string, body []byte, account string) (int, error) {
	site, cfg := s.config()
	if cfg == nil {
		return 0, fmt.Errorf("federation is off")
	}
	ctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ActivityType)
	req.Header.Set("User-Agent", s.ua)
	if _, ok := accountNamed(cfg, account); !ok {
		return 0, fmt.Errorf("the account %q is no more", account)
	}
	if err := s.sign(ctx, req, body, urls{site}.key(account), account); err != nil {
		return 0, err
	}
	resp, err := s.http(cfg).Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// settle records how a delivery went.
func (s *Service) settle(activity, inbox string, attempts int, first time.Time, status int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := s.now()
	done := func(result string) {
		s.metrics.deliveries.WithLabelValues(result).Inc()
		if _, err := s.db.ExecContext(ctx, "DELETE FROM ap_deliveries WHERE activity = ? AND inbox = ?", activity, inbox); err != nil {
			s.log.Error("activitypub: delivery queue", "error", err)
		}
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		done("ok")
		_, _ = s.db.ExecContext(ctx, "DELETE FROM ap_inboxes WHERE inbox = ?", inbox)
		return
	case err == nil && status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		done("rejected")
		s.log.Warn("activitypub: delivery refused", "inbox", inbox, "activity", activity, "status", status)
		if status == http.StatusGone {
			_, _ = s.db.ExecContext(ctx, "DELETE FROM ap_followers WHERE inbox = ? OR shared_inbox = ?", inbox, inbox)
		}
		return
	}
	why := fmt.Sprintf("status %d", status)
	if err != nil {
		why = err.Error()
	}
	_, _ = s.db.ExecContext(ctx, `INSERT INTO ap_inboxes (inbox, failing_since) VALUES (?, ?) ON CONFLICT (inbox) DO NOTHING`, inbox, store.Nanos(now))
	if now.Sub(first) >= giveUpAfter {
		done("dropped")
		s.log.Warn("activitypub: delivery dropped after two days of failures", "inbox", inbox, "activity", activity, "error", why)
		_, _ = s.db.ExecContext(ctx, "UPDATE ap_inboxes SET unreachable = 1 WHERE inbox = ? AND failing_since <= ?", inbox, store.Nanos(now.Add(-giveUpAfter)))
		return
	}
	s.metrics.deliveries.WithLabelValues("retry").Inc()
	if _, err := s.db.ExecContext(ctx, "UPDATE ap_deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE activity = ? AND inbox = ?",
		attempts+1, store.Nanos(now.Add(backoff(attempts))), why, activity, inbox); err != nil {
		s.log.Error("activitypub: delivery queue", "error", err)
	}
}

// backoff is the wait before attempt n+1: a minute, doubled at each
// failure up to twelve hours, give or take a tenth.
func backoff(n int) time.Duration {
	d := firstRetry
	for range n {
		d *= 2
		if d >= maxRetry {
			d = maxRetry
			break
		}
	}
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// QueueLength is how many deliveries wait.
func (s *Service) QueueLength(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ap_deliveries").Scan(&n)
	return n, err
}
