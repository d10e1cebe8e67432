package audience

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// DB is what the store needs of a database: *sql.DB has it, for SQLite
// and PostgreSQL alike.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// Dialect is the SQL engine behind a DB. The statements are the same
// standard SQL for both; PostgreSQL numbers its placeholders.
type Dialect int

const (
	SQLite Dialect = iota
	PostgreSQL
)

// Store keeps one row per day, feed and agent. Rows only ever add up:
// each flush, of each replica sharing a PostgreSQL database, adds its
// counts to the row (the aggregator's figure keeps the latest), so the
// rows are the sum over replicas. Nothing in a row names an address or
// a whole User-Agent.
type Store struct {
	db      DB
	dialect Dialect
}

// NewStore returns the store over db. Call Init once before using it.
func NewStore(db DB, d Dialect) *Store { return &Store{db: db, dialect: d} }

// Schema is the audience's table, created by Init.
const Schema = `CREATE TABLE IF NOT EXISTS audience_days (
	day          TEXT NOT NULL,
	feed         TEXT NOT NULL,
	agent        TEXT NOT NULL,
	requests     BIGINT NOT NULL DEFAULT 0,
	not_modified BIGINT NOT NULL DEFAULT 0,
	full_responses BIGINT NOT NULL DEFAULT 0,
	bytes        BIGINT NOT NULL DEFAULT 0,
	distinct_readers BIGINT NOT NULL DEFAULT 0,
	reported     BIGINT NOT NULL DEFAULT 0,
	reported_at  BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (day, feed, agent)
)`

// Init creates the table when it is missing.
func (s *Store) Init(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, Schema); err != nil {
		return fmt.Errorf("audience: create table: %w", err)
	}
	return nil
}

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
	stmt, err := tx.PrepareContext(ctx, s.bind(upsert))
	if err != nil {
		return fmt.Errorf("audience: write: %w", err)
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r.Day, r.Feed, r.Agent, r.Requests, r.NotModified, r.Full, r.Bytes, r.Distinct, r.Reported, r.ReportedAt); err != nil {
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
	rs, err := s.db.QueryContext(ctx, s.bind(`SELECT day, feed, agent, requests, not_modified, full_responses, bytes, distinct_readers, reported, reported_at
		FROM audience_days WHERE day >= ? AND day <= ? ORDER BY day, feed, agent`), from, to)
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
	res, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM audience_days WHERE day < ?`), before)
	if err != nil {
		return 0, fmt.Errorf("audience: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// bind numbers the placeholders for PostgreSQL ($1, $2, …). The
// statements hold no ? but placeholders.
func (s *Store) bind(q string) string {
	if s.dialect != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DBFile is the database file in the data folder, the one the upstream
// store uses too.
const DBFile = "morningpost.db"

// OpenSQLite opens (creating) dir/morningpost.db and the store in it.
// Close the *sql.DB returned when done.
func OpenSQLite(ctx context.Context, dir string) (*Store, *sql.DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("audience: %w", err)
	}
	path := filepath.Join(dir, DBFile)
	// The upstream store's settings: WAL, so readers never block the
	// writer; a busy timeout, as both write the same file.
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, nil, fmt.Errorf("audience: open %s: %w", path, err)
	}
	s := NewStore(db, SQLite)
	if err := s.Init(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("audience: open %s: %w", path, err)
	}
	return s, db, nil
}
