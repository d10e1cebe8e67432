package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Migration is one step of the schema, applied once, in order of
// Version, on both engines.
//
// To change the schema, append a Migration with the next Version and
// the statements that make the change; never edit one already released.
// Write standard SQL both SQLite and PostgreSQL accept: TEXT, BIGINT
// (times are Unix nanoseconds, 0 for none), INTEGER for small numbers,
// PRIMARY KEY and UNIQUE constraints, CREATE INDEX IF NOT EXISTS, and
// ALTER TABLE … ADD COLUMN … NOT NULL DEFAULT …. Statements are
// separated by semicolons; none may hold one in a string. Where the
// engines cannot share a statement (full-text search: FTS5 on SQLite,
// tsvector on PostgreSQL), a statement that begins with /*sqlite*/ runs
// on SQLite only, and one that begins with /*postgresql*/ on PostgreSQL
// only.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations is the schema, oldest first.
var Migrations = []Migration{
	{1, "upstream sources and items", `
CREATE TABLE IF NOT EXISTS sources (
	name              TEXT PRIMARY KEY,
	url               TEXT NOT NULL DEFAULT '',
	section           TEXT NOT NULL DEFAULT '',
	feed_title        TEXT NOT NULL DEFAULT '',
	feed_link         TEXT NOT NULL DEFAULT '',
	etag              TEXT NOT NULL DEFAULT '',
	last_modified     TEXT NOT NULL DEFAULT '',
	last_poll         BIGINT NOT NULL DEFAULT 0,
	last_success      BIGINT NOT NULL DEFAULT 0,
	next_poll         BIGINT NOT NULL DEFAULT 0,
	last_result       TEXT NOT NULL DEFAULT '',
	last_error        TEXT NOT NULL DEFAULT '',
	error_streak      INTEGER NOT NULL DEFAULT 0,
	retry_after_until BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS items (
	id           TEXT PRIMARY KEY,
	source       TEXT NOT NULL,
	dedup_key    TEXT NOT NULL,
	guid         TEXT NOT NULL DEFAULT '',
	title        TEXT NOT NULL DEFAULT '',
	link         TEXT NOT NULL DEFAULT '',
	author       TEXT NOT NULL DEFAULT '',
	published    BIGINT NOT NULL DEFAULT 0,
	updated      BIGINT NOT NULL DEFAULT 0,
	content_html TEXT NOT NULL DEFAULT '',
	summary      TEXT NOT NULL DEFAULT '',
	fetched_at   BIGINT NOT NULL,
	sort_time    BIGINT NOT NULL,
	UNIQUE (source, dedup_key)
);
CREATE INDEX IF NOT EXISTS items_by_source_time ON items (source, sort_time DESC);
CREATE INDEX IF NOT EXISTS items_by_time ON items (sort_time DESC)`},
	{2, "the RSS ttl of each source", `
ALTER TABLE sources ADD COLUMN ttl BIGINT NOT NULL DEFAULT 0`},
	{3, "when entries first became public and documents last changed", `
CREATE TABLE IF NOT EXISTS first_public (
	entry TEXT PRIMARY KEY,
	at    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
	path     TEXT PRIMARY KEY,
	hash     TEXT NOT NULL,
	modified BIGINT NOT NULL
)`},
	{4, "leases: one holder of a task per fleet", `
CREATE TABLE IF NOT EXISTS leases (
	name   TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until  BIGINT NOT NULL
)`},
	{5, "the audience: counts per day, feed and reader", `
CREATE TABLE IF NOT EXISTS audience_days (
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
)`},
	{6, "what readers last saw of each entry and when it changed", `
CREATE TABLE IF NOT EXISTS revisions (
	entry   TEXT PRIMARY KEY,
	hash    TEXT NOT NULL,
	changed BIGINT NOT NULL
)`},
	{7, "every slug each article has been public under", `
CREATE TABLE IF NOT EXISTS slugs (
	issue INTEGER NOT NULL,
	slug  TEXT NOT NULL,
	entry TEXT NOT NULL,
	at    BIGINT NOT NULL,
	PRIMARY KEY (issue, slug)
)`},
	// Upstream dates before 1678 were stored wrapped round, as dates
	// after 2100 (2184, 2261…), and stayed at the top of every list.
	// Dates are never stored later than the poll that read them, so any
	// such date is one of those: it becomes no date, and the item is
	// sorted by its other date, else by when it was first fetched.
	{8, "upstream item dates that overflowed become no date", `
UPDATE items SET published = 0 WHERE published > 4102444800000000000;
UPDATE items SET updated = 0 WHERE updated > 4102444800000000000;
UPDATE items SET sort_time = CASE WHEN published != 0 THEN published WHEN updated != 0 THEN updated ELSE fetched_at END
	WHERE sort_time > 4102444800000000000`},
	// Search (content/search): the public articles, keyed by entry ID,
	// with the hash of what was indexed (so a reload re-indexes only what
	// changed) and the publication time (ties in rank go to the newest).
	// The indexed text is already folded and stemmed by content/search,
	// so both engines see the same words: FTS5 splits it on spaces, and
	// PostgreSQL gets a tsvector made by content/search itself.
	{9, "full-text search of public articles", `
/*sqlite*/ CREATE TABLE IF NOT EXISTS search_docs (
	id        INTEGER PRIMARY KEY,
	entry     TEXT NOT NULL UNIQUE,
	hash      TEXT NOT NULL,
	published BIGINT NOT NULL
);
/*sqlite*/ CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body,
	content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
/*postgresql*/ CREATE TABLE IF NOT EXISTS search_docs (
	entry     TEXT PRIMARY KEY,
	hash      TEXT NOT NULL,
	published BIGINT NOT NULL,
	tsv       tsvector NOT NULL
);
/*postgresql*/ CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv)`},
	// The fediverse account (feed/activitypub): its key pair, shared by
	// a fleet and kept across restarts; its followers; what each article
	// was last sent as; and the queue of deliveries to other servers.
	{10, "the fediverse account: keys, followers, sent articles, delivery queue", `
CREATE TABLE IF NOT EXISTS ap_keys (
	account     TEXT PRIMARY KEY,
	private_pem TEXT NOT NULL,
	public_pem  TEXT NOT NULL,
	created     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ap_followers (
	account      TEXT NOT NULL,
	actor        TEXT NOT NULL,
	inbox        TEXT NOT NULL,
	shared_inbox TEXT NOT NULL DEFAULT '',
	host         TEXT NOT NULL,
	since        BIGINT NOT NULL,
	PRIMARY KEY (account, actor)
);
CREATE TABLE IF NOT EXISTS ap_sent (
	entry     TEXT PRIMARY KEY,
	path      TEXT NOT NULL,
	section   TEXT NOT NULL,
	state     TEXT NOT NULL,
	published BIGINT NOT NULL,
	modified  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ap_sent_by_path ON ap_sent (path);
CREATE TABLE IF NOT EXISTS ap_state (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ap_activities (
	id      TEXT PRIMARY KEY,
	account TEXT NOT NULL,
	body    TEXT NOT NULL,
	created BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS ap_deliveries (
	activity   TEXT NOT NULL,
	inbox      TEXT NOT NULL,
	host       TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	first_at   BIGINT NOT NULL,
	next_at    BIGINT NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (activity, inbox)
);
CREATE INDEX IF NOT EXISTS ap_deliveries_due ON ap_deliveries (next_at);
CREATE TABLE IF NOT EXISTS ap_inboxes (
	inbox         TEXT PRIMARY KEY,
	failing_since BIGINT NOT NULL DEFAULT 0,
	unreachable   INTEGER NOT NULL DEFAULT 0
)`},
}

// SchemaVersion is the version of the newest migration.
func SchemaVersion() int { return Migrations[len(Migrations)-1].Version }

// migrationLock is the PostgreSQL advisory lock held while migrating, so
// that servers of a fleet starting together migrate once.
const migrationLock = 0x6d70_6d69 // "mpmi"

// migrate applies the migrations db has not had, in one transaction.
func (db *DB) migrate(ctx context.Context) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.engine == PostgreSQL {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(migrationLock)); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(applied) == 0 && db.engine == SQLite {
		// Stores made before schema_migrations counted their version in
		// PRAGMA user_version (1: sources and items; 2: ttl).
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		for i := 1; i <= v && i <= 2; i++ {
			applied[i] = true
			if err := record(ctx, tx, Migrations[i-1]); err != nil {
				return err
			}
		}
	}
	for v := range applied {
		if v > SchemaVersion() {
			return fmt.Errorf("%w (schema version %d; this one knows %d)", ErrNewer, v, SchemaVersion())
		}
	}
	for _, m := range Migrations {
		if applied[m.Version] {
			continue
		}
		for _, stmt := range strings.Split(m.SQL, ";") {
			stmt = strings.TrimSpace(stmt)
			if rest, ok := strings.CutPrefix(stmt, "/*sqlite*/"); ok {
				if db.engine != SQLite {
					continue
				}
				stmt = rest
			} else if rest, ok := strings.CutPrefix(stmt, "/*postgresql*/"); ok {
				if db.engine != PostgreSQL {
					continue
				}
				stmt = rest
			}
			if stmt == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
		}
		if err := record(ctx, tx, m); err != nil {
			return err
		}
	}
	if db.engine == SQLite {
		// Older morningposts read user_version and refuse a newer schema.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion())); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func record(ctx context.Context, tx *Tx, m Migration) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UnixNano())
	return err
}

// Applied lists the versions of the migrations db has had, ascending.
func (db *DB) Applied(ctx context.Context) ([]int, error) {
	rows, err := db.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
