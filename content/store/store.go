// Package store is morningpost's database: SQLite in a data folder by
// default, or PostgreSQL shared by a fleet of servers. It opens either,
// creates and migrates the schema (migrations.go, one versioned list for
// both engines), and runs the same SQL on both: statements are written
// with ? placeholders, rebound to $1, $2… for PostgreSQL.
//
// Each owner's SQL lives with its owner; the store owns the schema and the
// migrations. Every table is created by a migration here (a migration may
// also mend another owner's rows, as 8 does for items), and its queries
// live with the package that owns it: the upstream sources and their items
// (tables sources and items) in feed/upstream's store.go; the audience
// (audience_days) in handlers/audience's store.go; and, in this package,
// the ledger of when each entry first became public and when each feed
// document last changed (first_public, documents: Ledger, ledger.go), what
// readers last saw of each entry (revisions: Ledger.Revise, revisions.go),
// every slug each article has been public under (slugs: Slugs, slugs.go)
// and the lease that lets one server of a fleet poll the sources (leases:
// Lease, lease.go). The full-text index of the public articles
// (search_docs, and search_fts on SQLite) is content/search's.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// DBFile is the name of the SQLite database inside the data folder.
const DBFile = "morningpost.db"

// Engine is the database behind a DB.
type Engine int

// The engines.
const (
	SQLite Engine = iota
	PostgreSQL
)

func (e Engine) String() string {
	if e == PostgreSQL {
		return "postgresql"
	}
	return "sqlite"
}

// Options say which database to open.
type Options struct {
	// URL, when set, is a PostgreSQL URL (postgres://user:password@host/db
	// or a key=value connection string): the store lives there and no
	// file is written.
	URL string
	// Dir is the data folder of the SQLite database, used when URL is
	// empty; it is created if missing.
	Dir string
}

// DB is an open store. It is safe for concurrent use.
type DB struct {
	db     *sql.DB
	engine Engine
	name   string // where it is, for messages: a file, or PostgreSQL's host and database (never a password)
}

// Open opens the store opts name, creating and migrating its schema.
// An unreachable PostgreSQL is an error naming its host and database,
// never its password.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL != "" {
		return openPostgres(ctx, opts.URL)
	}
	return openSQLite(ctx, opts.Dir)
}

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	path := filepath.Join(dir, DBFile)
	// WAL: readers never block the writer. synchronous(NORMAL) in WAL mode
	// loses nothing committed when the process dies (kill -9); only a power
	// cut can lose the last transactions. busy_timeout: concurrent writers
	// wait instead of failing. _txlock=immediate: a write transaction takes
	// the write lock at BEGIN, so two of them cannot deadlock upgrading.
	dsn := path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{db: sdb, engine: SQLite, name: path}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's parse errors may quote the URL; say only what is wrong.
		return nil, fmt.Errorf("--database-url: not a PostgreSQL URL such as postgres://user@host/db")
	}
	name := describe(cfg)
	sdb := stdlib.OpenDB(*cfg)
	sdb.SetMaxOpenConns(8)
	db := &DB{db: sdb, engine: PostgreSQL, name: name}
	fail := func(what string, err error) error {
		sdb.Close()
		msg := err.Error()
		if cfg.Password != "" {
			msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
		}
		return fmt.Errorf("%s %s: %s", what, name, msg)
	}
	if err := sdb.PingContext(ctx); err != nil {
		return nil, fail("cannot reach", err)
	}
	if err := db.migrate(ctx); err != nil {
		return nil, fail("migrate", err)
	}
	return db, nil
}

// describe names a PostgreSQL server without its password:
// "PostgreSQL at db.example:5432, database morningpost".
func describe(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if !strings.HasPrefix(host, "/") {
		host = net.JoinHostPort(host, strconv.Itoa(int(cfg.Port)))
	}
	return "PostgreSQL at " + host + ", database " + cfg.Database
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Engine is the database behind db.
func (db *DB) Engine() Engine { return db.engine }

// String names the database for messages: its file, or PostgreSQL's host
// and database.
func (db *DB) String() string { return db.name }

// ExecContext runs a statement written with ? placeholders.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.db.ExecContext(ctx, db.rebind(query), args...)
}

// QueryContext runs a query written with ? placeholders.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, db.rebind(query), args...)
}

// QueryRowContext runs a query written with ? placeholders that returns
// at most one row.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, db.rebind(query), args...)
}

// BeginTx starts a transaction. On SQLite it holds the write lock from
// its start.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{tx: tx, db: db}, nil
}

// Tx is a transaction whose statements are written with ? placeholders.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
}

// QueryRowContext runs a query in the transaction that returns at most
// one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

// Commit commits the transaction.
func (tx *Tx) Commit() error { return tx.tx.Commit() }

// Rollback aborts the transaction; after Commit it does nothing.
func (tx *Tx) Rollback() error { return tx.tx.Rollback() }

// rebind turns ? placeholders into PostgreSQL's $1, $2…, leaving string
// literals and quoted names alone.
func (db *DB) rebind(query string) string {
	if db.engine != PostgreSQL || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Placeholders is "?, ?, …", n of them, for IN lists and multi-row VALUES.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// ErrNewer is returned by Open for a database migrated by a newer
// morningpost than this one.
var ErrNewer = errors.New("the database was migrated by a newer morningpost")
