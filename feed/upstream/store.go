package upstream

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// DBFile is the name of the database inside the data directory.
const DBFile = store.DBFile

// Item is one entry of an upstream feed, cleaned and ready to show.
//
// Titles, authors and summaries are plain text (escape them when
// rendering); ContentHTML is sanitised HTML that may be inserted as is.
type Item struct {
	// ID is stable across polls and restarts: a hash of the source name
	// and the item's dedup key (GUID, else link, else content hash).
	ID         string
	SourceName string
	// Section is the Section hint of the item's source, as last configured.
	Section string
	GUID    string
	Title   string
	// Link is an absolute http(s) URL, or "" if the upstream gave none
	// we could trust.
	Link   string
	Author string
	// Published and Updated are as the upstream says (UTC), zero if it did
	// not say; never later than FetchedAt.
	Published time.Time
	Updated   time.Time
	// ContentHTML is the item's content (or description) through the
	// sanitiser, with absolute URLs and rel="nofollow noopener" links.
	ContentHTML string
	// Summary is plain text, at most content.SummaryLength characters,
	// cut at a word (content.Truncate).
	Summary string
	// FetchedAt is when we first stored the item.
	FetchedAt time.Time

	dedupKey string
}

// clean makes the texts of an item read from the store clean
// (content.Clean). Items are cleaned when they are polled (cleanItem);
// rows stored by versions that cleaned only when rendering are cleaned
// here, so that no reader of the store cleans again.
func (it *Item) clean() {
	for _, s := range []*string{&it.SourceName, &it.Section, &it.GUID, &it.Title, &it.Link, &it.Author, &it.ContentHTML, &it.Summary} {
		*s = content.Clean(*s)
	}
}

// Date is the item's date for sorting and display: Published, else
// Updated, else when we first saw it.
func (it Item) Date() time.Time {
	switch {
	case !it.Published.IsZero():
		return it.Published
	case !it.Updated.IsZero():
		return it.Updated
	}
	return it.FetchedAt
}

// SourceState is what the store knows about one source: its poll state and
// the feed's own title and link.
type SourceState struct {
	Name    string
	URL     string
	Section string
	// FeedTitle and FeedLink are what the upstream calls itself (plain
	// text; absolute http(s) URL or "").
	FeedTitle string
	FeedLink  string

	ETag         string
	LastModified string
	// TTL is the RSS <ttl> of the last document fetched (0 if none): it
	// still applies while the upstream answers "not modified".
	TTL time.Duration
	// LastPoll is the last attempt, LastSuccess the last ok or
	// not-modified poll, NextPoll when the next scheduled poll is due.
	LastPoll    time.Time
	LastSuccess time.Time
	NextPoll    time.Time
	// LastResult is the outcome of the last poll ("ok", "not-modified",
	// "error: ..."); LastError the full error text, "" after a success.
	LastResult  string
	LastError   string
	ErrorStreak int
	// RetryAfterUntil is set when the upstream answered 429 or 503 with
	// Retry-After: no poll at all, manual or not, before then.
	RetryAfterUntil time.Time
	// Items is how many items of the source the store holds.
	Items int
}

// Store keeps items and poll state in the store (content/store): SQLite
// (pure Go, WAL mode) in a data folder, or PostgreSQL shared by a fleet.
// It is safe for concurrent use, and for use by several processes on the
// same database (SQLite writers wait on each other through busy_timeout).
type Store struct {
	db    *store.DB
	owned bool // Close closes db
}

// Open opens (creating if needed) the SQLite store in dir, as
// dir/morningpost.db.
func Open(ctx context.Context, dir string) (*Store, error) {
	return OpenStore(ctx, store.Options{Dir: dir})
}

// OpenStore opens the store opts name, SQLite or PostgreSQL; Close
// closes it.
func OpenStore(ctx context.Context, opts store.Options) (*Store, error) {
	db, err := store.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, owned: true}, nil
}

// New returns the upstream store kept in db, which the caller closes.
func New(db *store.DB) *Store { return &Store{db: db} }

// Close closes the database when Open opened it.
func (s *Store) Close() error {
	if s.owned {
		return s.db.Close()
	}
	return nil
}

// Path names the database: its file, or PostgreSQL's host and database.
func (s *Store) Path() string { return s.db.String() }

// toDB is a time as the store holds it: Unix nanoseconds (store.Nanos),
// 0 for the zero time. Nanoseconds in an int64 reach from 1678 to 2262;
// a time outside that range is held as the nearest end of it rather
// than wrapped round (UnixNano's result then is undefined: year 1600
// came back as 2184, at the top of every list). Order is kept: a later
// time is never stored as a smaller number.
func toDB(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minDB):
		return minDB.UnixNano()
	case t.After(maxDB):
		return maxDB.UnixNano()
	}
	return store.Nanos(t)
}

// The range of times toDB holds as they are.
var (
	minDB = time.Unix(0, math.MinInt64).UTC()
	maxDB = time.Unix(0, math.MaxInt64).UTC()
)

var fromDB = store.Time

// ItemQuery selects items for [Store.Items].
type ItemQuery struct {
	// Source restricts to one source by name ("" for all).
	Source string
	// Words keeps items whose title, summary or author contain every
	// word (case-insensitive for ASCII).
	Words string
	// Since keeps items dated at or after it (zero for all).
	Since time.Time
	// Limit is the most items returned: 0 means 50; at most 1000.
	Limit int
}

const itemColumns = `i.id, i.source, COALESCE(s.section, ''), i.guid, i.title, i.link, i.author,
	i.published, i.updated, i.content_html, i.summary, i.fetched_at`

// Items returns items newest first (by Item.Date).
func (s *Store) Items(ctx context.Context, q ItemQuery) ([]Item, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	var where []string
	var args []any
	if q.Source != "" {
		where = append(where, "i.source = ?")
		args = append(args, q.Source)
	}
	if !q.Since.IsZero() {
		where = append(where, "i.sort_time >= ?")
		args = append(args, toDB(q.Since))
	}
	for _, w := range strings.Fields(q.Words) {
		// LOWER: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
		where = append(where, `(LOWER(i.title) LIKE LOWER(?) ESCAPE '\' OR LOWER(i.summary) LIKE LOWER(?) ESCAPE '\' OR LOWER(i.author) LIKE LOWER(?) ESCAPE '\')`)
		pat := "%" + likeEscaper.Replace(w) + "%"
		args = append(args, pat, pat, pat)
	}
	query := "SELECT " + itemColumns + " FROM items i LEFT JOIN sources s ON s.name = i.source"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY i.sort_time DESC, i.id LIMIT ?"
	args = append(args, limit)
	return s.queryItems(ctx, query, args...)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Freshest returns the n newest items for drafting a newsletter section,
// items of sources whose Section hint equals section first (then the
// others, newest first, to fill up). With section "" it is simply the n
// newest items.
func (s *Store) Freshest(ctx context.Context, section string, n int) ([]Item, error) {
	if n <= 0 {
		return nil, nil
	}
	query := "SELECT " + itemColumns + ` FROM items i LEFT JOIN sources s ON s.name = i.source
		ORDER BY (COALESCE(s.section, '') = ?) DESC, i.sort_time DESC, i.id LIMIT ?`
	return s.queryItems(ctx, query, section, min(n, 1000))
}

func (s *Store) queryItems(ctx context.Context, query string, args ...any) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query items: %w", err)
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var it Item
		var pub, upd, fetched int64
		if err := rows.Scan(&it.ID, &it.SourceName, &it.Section, &it.GUID, &it.Title, &it.Link, &it.Author,
			&pub, &upd, &it.ContentHTML, &it.Summary, &fetched); err != nil {
			return nil, fmt.Errorf("query items: %w", err)
		}
		it.Published, it.Updated, it.FetchedAt = fromDB(pub), fromDB(upd), fromDB(fetched)
		it.clean()
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query items: %w", err)
	}
	return items, nil
}

const stateColumns = `s.name, s.url, s.section, s.feed_title, s.feed_link, s.etag, s.last_modified,
	s.last_poll, s.last_success, s.next_poll, s.last_result, s.last_error, s.error_streak, s.retry_after_until, s.ttl,
	(SELECT COUNT(*) FROM items i WHERE i.source = s.name)`

// Sources returns the state of every source the store knows, by name.
// That includes sources no longer configured, whose items are kept.
func (s *Store) Sources(ctx context.Context) ([]SourceState, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+stateColumns+" FROM sources s ORDER BY s.name")
	if err != nil {
		return nil, fmt.Errorf("query sources: %w", err)
	}
	defer rows.Close()
	var out []SourceState
	for rows.Next() {
		st, err := scanState(rows)
		if err != nil {
			return nil, fmt.Errorf("query sources: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query sources: %w", err)
	}
	return out, nil
}

// Source returns the state of one source; ok is false if the store has
// never heard of it.
func (s *Store) Source(ctx context.Context, name string) (st SourceState, ok bool, err error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+stateColumns+" FROM sources s WHERE s.name = ?", name)
	st, err = scanState(row)
	if errors.Is(err, sql.ErrNoRows) {
		return SourceState{Name: name}, false, nil
	}
	if err != nil {
		return SourceState{}, false, fmt.Errorf("query source %q: %w", name, err)
	}
	return st, true, nil
}

func scanState(row interface{ Scan(...any) error }) (SourceState, error) {
	var st SourceState
	var lastPoll, lastSuccess, nextPoll, retryUntil, ttl int64
	err := row.Scan(&st.Name, &st.URL, &st.Section, &st.FeedTitle, &st.FeedLink, &st.ETag, &st.LastModified,
		&lastPoll, &lastSuccess, &nextPoll, &st.LastResult, &st.LastError, &st.ErrorStreak, &retryUntil, &ttl, &st.Items)
	st.TTL = time.Duration(ttl)
	st.LastPoll, st.LastSuccess, st.NextPoll, st.RetryAfterUntil = fromDB(lastPoll), fromDB(lastSuccess), fromDB(nextPoll), fromDB(retryUntil)
	return st, err
}

// syncSources records the configured URL and section of each source. A
// source whose URL changed starts afresh: its validators and schedule
// belong to the old URL.
func (s *Store) syncSources(ctx context.Context, sources []content.Source) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync sources: %w", err)
	}
	defer tx.Rollback()
	for _, src := range sources {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO sources (name, url, section) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET
				section = excluded.section,
				etag = CASE WHEN sources.url = excluded.url THEN sources.etag ELSE '' END,
				last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified ELSE '' END,
				next_poll = CASE WHEN sources.url = excluded.url THEN sources.next_poll ELSE 0 END,
				url = excluded.url`,
			src.Name, src.URL, string(src.Section))
		if err != nil {
			return fmt.Errorf("sync source %q: %w", src.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync sources: %w", err)
	}
	return nil
}

// pollRecord is everything one poll writes.
type pollRecord struct {
	source content.Source // with defaults applied
	state  SourceState    // the new poll state
	items  []Item         // new or changed items (nil unless fetched)
	now    time.Time
	// keepOld skips the MaxAge rule: for file: sources, snapshots the
	// editors keep with the content on purpose, whatever their dates.
	keepOld bool
}

// savePoll writes one poll's outcome in a single transaction: state,
// items (deduplicated) and retention. A crash at any point leaves either
// all of it or none. It returns how many items are new and kept.
func (s *Store) savePoll(ctx context.Context, rec pollRecord) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save poll of %q: %w", rec.source.Name, err)
	}
	defer tx.Rollback()
	n, err := savePollTx(ctx, tx, rec)
	if err != nil {
		return 0, fmt.Errorf("save poll of %q: %w", rec.source.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save poll of %q: %w", rec.source.Name, err)
	}
	return n, nil
}

func savePollTx(ctx context.Context, tx *store.Tx, rec pollRecord) (int, error) {
	st, src := rec.state, rec.source
	_, err := tx.ExecContext(ctx, `
		INSERT INTO sources (name, url, section, feed_title, feed_link, etag, last_modified,
			last_poll, last_success, next_poll, last_result, last_error, error_streak, retry_after_until, ttl)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			url = excluded.url, section = excluded.section,
			feed_title = excluded.feed_title, feed_link = excluded.feed_link,
			etag = excluded.etag, last_modified = excluded.last_modified,
			last_poll = excluded.last_poll, last_success = excluded.last_success,
			next_poll = excluded.next_poll, last_result = excluded.last_result,
			last_error = excluded.last_error, error_streak = excluded.error_streak,
			retry_after_until = excluded.retry_after_until, ttl = excluded.ttl`,
		src.Name, src.URL, string(src.Section), st.FeedTitle, st.FeedLink, st.ETag, st.LastModified,
		toDB(st.LastPoll), toDB(st.LastSuccess), toDB(st.NextPoll), st.LastResult, st.LastError,
		st.ErrorStreak, toDB(st.RetryAfterUntil), int64(st.TTL))
	if err != nil {
		return 0, err
	}

	// Retention runs on every poll, so items of a source that stopped
	// changing (304 forever) still age out.
	cutoff := toDB(rec.now.Add(-src.MaxAge))
	if rec.keepOld {
		cutoff = 0
	}
	var inserted []string
	for _, it := range rec.items {
		if toDB(it.Date()) < cutoff {
			continue // too old to keep: do not insert it only to delete it
		}
		var exists int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM items WHERE id = ?", it.ID).Scan(&exists)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `
				INSERT INTO items (id, source, dedup_key, guid, title, link, author, published, updated,
					content_html, summary, fetched_at, sort_time)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				it.ID, src.Name, it.dedupKey, it.GUID, it.Title, it.Link, it.Author,
				toDB(it.Published), toDB(it.Updated), it.ContentHTML, it.Summary,
				toDB(it.FetchedAt), toDB(it.Date()))
			if err != nil {
				return 0, err
			}
			inserted = append(inserted, it.ID)
		case err != nil:
			return 0, err
		default:
			// Known item: take the upstream's edits, keep when we first saw it.
			_, err = tx.ExecContext(ctx, `
				UPDATE items SET guid = ?, title = ?, link = ?, author = ?, published = ?, updated = ?,
					content_html = ?, summary = ?,
					sort_time = CASE WHEN CAST(? AS BIGINT) != 0 THEN CAST(? AS BIGINT) WHEN CAST(? AS BIGINT) != 0 THEN CAST(? AS BIGINT) ELSE fetched_at END
				WHERE id = ?`,
				it.GUID, it.Title, it.Link, it.Author, toDB(it.Published), toDB(it.Updated),
				it.ContentHTML, it.Summary,
				toDB(it.Published), toDB(it.Published), toDB(it.Updated), toDB(it.Updated),
				it.ID)
			if err != nil {
				return 0, err
			}
		}
	}

	// Retention: by age, then by count (newest kept).
	if _, err := tx.ExecContext(ctx, "DELETE FROM items WHERE source = ? AND sort_time < ?", src.Name, cutoff); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM items WHERE source = ? AND id NOT IN (
			SELECT id FROM items WHERE source = ? ORDER BY sort_time DESC, id LIMIT ?)`,
		src.Name, src.Name, src.Keep); err != nil {
		return 0, err
	}
	kept := 0
	for _, id := range inserted {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM items WHERE id = ?", id).Scan(&one)
		if err == nil {
			kept++
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	return kept, nil
}
