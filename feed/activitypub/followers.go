package activitypub

import (
	"context"
	"fmt"
	"sort"

	"github.com/morningpost/morningpost/content/store"
)

// addFollower records actor as a follower of account; following again
// updates its inboxes.
func (s *Service) addFollower(ctx context.Context, account string, a *remoteActor) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO ap_followers (account, actor, inbox, shared_inbox, host, since) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, actor) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox`,
		account, a.ID, a.Inbox, a.SharedInbox, hostOf(a.ID), store.Nanos(s.now()))
	if err != nil {
		return fmt.Errorf("add follower: %w", err)
	}
	// An inbox that speaks to us is reachable again.
	_, _ = s.db.ExecContext(ctx, "DELETE FROM ap_inboxes WHERE inbox = ? OR inbox = ?", a.Inbox, a.SharedInbox)
	return nil
}

// removeFollower removes actor from account's followers, or from every
// account's when account is "".
func (s *Service) removeFollower(ctx context.Context, account, actor string) error {
	var err error
	if account == "" {
		_, err = s.db.ExecContext(ctx, "DELETE FROM ap_followers WHERE actor = ?", actor)
	} else {
		_, err = s.db.ExecContext(ctx, "DELETE FROM ap_followers WHERE account = ? AND actor = ?", account, actor)
	}
	if err != nil {
		return fmt.Errorf("remove follower: %w", err)
	}
	return nil
}

func (s *Service) followerCount(ctx context.Context, account string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ap_followers WHERE account = ?", account).Scan(&n)
	return n, err
}

// followerInboxes are the inboxes an activity of account goes to: one
// per server that has a shared inbox, else each follower's own.
func (s *Service) followerInboxes(ctx context.Context, q querier, account string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT CASE WHEN shared_inbox != '' THEN shared_inbox ELSE inbox END
		FROM ap_followers WHERE account = ?`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// FollowerStats are the account's followers per day and per instance,
// for the audience page.
type FollowerStats struct {
	Handle  string // @news@HOST
	Total   int64
	ByDay   []Count // the day they followed (UTC), newest first
	ByHost  []Count // most followers first
	Pending int64   // deliveries waiting in the queue
}

// Count is a number of followers under a label.
type Count struct {
	Label string
	N     int64
}

// Stats counts the account's followers by day and by instance.
func (s *Service) Stats(ctx context.Context) (FollowerStats, error) {
	var st FollowerStats
	site, cfg := s.config()
	if cfg == nil {
		return st, nil
	}
	st.Handle = site.Handle(cfg.Username)
	rows, err := s.db.QueryContext(ctx, "SELECT host, since FROM ap_followers WHERE account = ?", cfg.Username)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	days, hosts := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var host string
		var since int64
		if err := rows.Scan(&host, &since); err != nil {
			return st, err
		}
		st.Total++
		days[store.Time(since).UTC().Format("2006-01-02")]++
		hosts[host]++
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.ByDay = sorted(days, func(a, b Count) bool { return a.Label > b.Label })
	st.ByHost = sorted(hosts, func(a, b Count) bool { return a.N > b.N || (a.N == b.N && a.Label < b.Label) })
	_ = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ap_deliveries").Scan(&st.Pending)
	return st, nil
}

func sorted(m map[string]int64, less func(a, b Count) bool) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Label: k, N: n})
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}
