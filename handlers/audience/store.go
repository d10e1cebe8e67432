package audience

import (
	"context"
	"fmt"

	"github.com/morningpost/morningpost/content/store"
)

// Store keeps one row per day, feed and agent, in the table
// audience_days of the server's store (its migration 5). Rows only ever
// add up: each flush, of each replica sharing a PostgreSQL database, adds
// its counts to the row (the aggregator's figure keeps the latest), so
// the rows are the sum over replicas. Nothing in a row names an address
// or a whole User-Agent.
type Store struct {
	db *store.DB
}

// NewStore returns the audience's store in db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

const upsert = `INSERT INTO audience_days
	(day, feed, agent, requests, not_modified, full_responses, bytes, distinct_readers, reported, reported_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (day, feed, agent) DO UPDATE SET
	requests = audience_days.requests + excluded.requests,
	not_modified = audience_days.not_modified + excluded.not_modified,
	full_responses = audience_days.full_responses + excluded.full_responses,
	bytes = audience_days.bytes + excluded.bytes,
	distinct_readers = audience_days.distinct_readers + excluded.distinct_readers,
	reported = CASE WHEN excluded.reported_at > audience_days.reported_at THEN excluded.reported ELSE audience_days.reported END,
	reported_at = CASE WHEN excluded.reported_at > audience_days.reported_at THEN excluded.reported_at ELSE audience_days.reported_at END`

// Add adds rows to the store in one transaction.
func (s *Store) Add(ctx context.Context, rows []Row) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audience: write: %w", err)
	}
	defer tx.Rollback()
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, upsert, r.Day, r.Feed, r.Agent, r.Requests, r.NotModified, r.Full, r.Bytes, r.Distinct, r.Reported, r.ReportedAt); err != nil {
			return fmt.Errorf("audience: write %s %s: %w", r.Day, r.Feed, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audience: write: %w", err)
	}
	return nil
}

// Rows returns the rows of the days from and to (YYYY-MM-DD), both
// included.
func (s *Store) Rows(ctx context.Context, from, to string) ([]Row, error) {
	rs, err := s.db.QueryContext(ctx, `SELECT day, feed, agent, requests, not_modified, full_responses, bytes, distinct_readers, reported, reported_at
		FROM audience_days WHERE day >= ? AND day <= ? ORDER BY day, feed, agent`, from, to)
	if err != nil {
		return nil, fmt.Errorf("audience: read: %w", err)
	}
	defer rs.Close()
	var out []Row
	for rs.Next() {
		var r Row
		if err := rs.Scan(&r.Day, &r.Feed, &r.Agent, &r.Requests, &r.NotModified, &r.Full, &r.Bytes, &r.Distinct, &r.Reported, &r.ReportedAt); err != nil {
			return nil, fmt.Errorf("audience: read: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("audience: read: %w", err)
	}
	return out, nil
}

// Prune deletes the days before before (YYYY-MM-DD).
func (s *Store) Prune(ctx context.Context, before string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM audience_days WHERE day < ?`, before)
	if err != nil {
		return 0, fmt.Errorf("audience: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
