package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Ledger is what the store remembers about publishing, for every server
// sharing it and across restarts: when each entry first became public
// (content.Record) and when the bytes of each feed document last changed
// (feed.Stamps). It keeps what it has read in memory, so the database is
// asked only about what it has not seen: a new entry, a changed document.
type Ledger struct {
	db  *DB
	now func() time.Time
	log *slog.Logger

	mu sync.Mutex
	// downUntil: the database failed; until then it is not asked, so
	// that renders are dated at once from memory instead of each waiting
	// for a timeout.
	downUntil time.Time
	loaded    bool                 // first holds every record of the database, as of the first Recall
	first     map[string]time.Time // entry ID -> first public (zero: with its issue)
	docs      map[string]stamp     // document path -> its bytes and when they changed
}

type stamp struct {
	hash     string
	modified time.Time
}

// NewLedger returns the ledger kept in db. now is the clock documents
// are stamped by (time.Now when nil); log receives the database's
// failures (discarded when nil).
func NewLedger(db *DB, now func() time.Time, log *slog.Logger) *Ledger {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ledger{db: db, now: now, log: log, first: map[string]time.Time{}, docs: map[string]stamp{}}
}

// ledgerTimeout bounds every question to the database; after a failure
// it is left alone for ledgerPause.
const (
	ledgerTimeout = 5 * time.Second
	ledgerPause   = 10 * time.Second
)

// ErrUnreachable is returned while the database is left alone after a
// failure.
var ErrUnreachable = errors.New("store: the database failed moments ago; not asked again yet")

// available reports whether the database may be asked now; l.mu is held.
func (l *Ledger) available() error {
	if time.Now().Before(l.downUntil) {
		return ErrUnreachable
	}
	return nil
}

// failed notes a failure of the database unless ctx ended first (the
// caller gave up, which says nothing of the database); l.mu is held.
func (l *Ledger) failed(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) {
		l.downUntil = time.Now().Add(ledgerPause)
	}
	return err
}

// batch bounds the rows of one statement (SQLite allows 32766 variables).
const batch = 400

// Recall returns the recorded first-public times of those keys that are
// recorded (content.Record).
func (l *Ledger) Recall(ctx context.Context, keys []string) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	justLoaded := false
	if !l.loaded {
		if err := l.available(); err != nil {
			return nil, err
		}
		if err := l.loadAll(ctx); err != nil {
			return nil, l.failed(err)
		}
		l.loaded, justLoaded = true, true
	}
	out := make(map[string]time.Time, len(keys))
	var missing []string
	for _, k := range keys {
		if t, ok := l.first[k]; ok {
			out[k] = t
		} else {
			missing = append(missing, k)
		}
	}
	// Another server may have recorded them since, unless the whole
	// table was read just now.
	if justLoaded || len(missing) == 0 {
		return out, nil
	}
	if err := l.available(); err != nil {
		return nil, err
	}
	for len(missing) > 0 {
		n := min(len(missing), batch)
		if err := l.query(ctx, l.db, missing[:n], out); err != nil {
			return nil, l.failed(err)
		}
		missing = missing[n:]
	}
	return out, nil
}

func (l *Ledger) loadAll(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, "SELECT entry, at FROM first_public")
	if err != nil {
		return fmt.Errorf("read first_public: %w", err)
	}
	return l.scan(rows, nil)
}

// scan reads rows of (entry, at) into l.first and out (when not nil).
func (l *Ledger) scan(rows *sql.Rows, out map[string]time.Time) error {
	defer rows.Close()
	for rows.Next() {
		var k string
		var at int64
		if err := rows.Scan(&k, &at); err != nil {
			return fmt.Errorf("read first_public: %w", err)
		}
		l.first[k] = Time(at)
		if out != nil {
			out[k] = Time(at)
		}
	}
	return rows.Err()
}

// queryer is a DB or a Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// query reads the records of keys (at most batch) into out and l.first.
func (l *Ledger) query(ctx context.Context, q queryer, keys []string, out map[string]time.Time) error {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := q.QueryContext(ctx, "SELECT entry, at FROM first_public WHERE entry IN ("+Placeholders(len(keys))+")", args...)
	if err != nil {
		return fmt.Errorf("read first_public: %w", err)
	}
	return l.scan(rows, out)
}

// Remember records each key not yet recorded with its time and returns
// the recorded time of every key given: the first record wins, whichever
// server made it (content.Record).
func (l *Ledger) Remember(ctx context.Context, times map[string]time.Time) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.available(); err != nil {
		return nil, err
	}
	out, err := l.remember(ctx, times)
	return out, l.failed(err)
}

func (l *Ledger) remember(ctx context.Context, times map[string]time.Time) (map[string]time.Time, error) {
	keys := make([]string, 0, len(times))
	for k := range times {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same order on every server: no lock-order surprises
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record first_public: %w", err)
	}
	defer tx.Rollback()
	out := make(map[string]time.Time, len(keys))
	for rest := keys; len(rest) > 0; {
		n := min(len(rest), batch)
		args := make([]any, 0, 2*n)
		for _, k := range rest[:n] {
			args = append(args, k, Nanos(times[k]))
		}
		values := strings.Repeat("(?, ?), ", n-1) + "(?, ?)"
		if _, err := tx.ExecContext(ctx, "INSERT INTO first_public (entry, at) VALUES "+values+" ON CONFLICT (entry) DO NOTHING", args...); err != nil {
			return nil, fmt.Errorf("record first_public: %w", err)
		}
		if err := l.query(ctx, tx, rest[:n], out); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record first_public: %w", err)
	}
	return out, nil
}

// Modified returns the Last-Modified of the document at path whose bytes
// have the ETag etag (feed.Stamps): the time recorded for those bytes;
// for bytes not seen before, floor (the newest change of its entries)
// when the document is new, else the latest of floor, now and one second
// after the time recorded for its previous bytes, so that it moves
// forward whenever the bytes change and never back, the same on every
// server. When the database cannot answer, the same rule runs on what
// this server knows, and the database is asked again next time.
func (l *Ledger) Modified(path, etag string, floor time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev, ok := l.docs[path]
	if ok && prev.hash == etag {
		return prev.modified
	}
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	err := l.available()
	var st stamp
	if err == nil {
		st, err = l.stamp(ctx, path, etag, floor)
		err = l.failed(err)
	}
	if err != nil {
		l.log.Warn("store: document not stamped; dated by this server alone", "path", path, "store", l.db.String(), "error", err)
		st = next(prev, ok, etag, floor, l.now())
		// No hash: not recorded, so the next render asks again.
		l.docs[path] = stamp{modified: st.modified}
		return st.modified
	}
	l.docs[path] = st
	return st.modified
}

// next is the stamp of new bytes etag of a document whose previous
// stamp is prev (ok: there is one).
func next(prev stamp, ok bool, etag string, floor, now time.Time) stamp {
	t := floor.Truncate(time.Second)
	if ok {
		t = maxTime(t, now.Truncate(time.Second), prev.modified.Add(time.Second))
	}
	return stamp{hash: etag, modified: t}
}

func maxTime(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

func (l *Ledger) stamp(ctx context.Context, path, etag string, floor time.Time) (stamp, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return stamp{}, err
	}
	defer tx.Rollback()
	read := func() (stamp, bool, error) {
		var st stamp
		var mod int64
		err := tx.QueryRowContext(ctx, "SELECT hash, modified FROM documents WHERE path = ?", path).Scan(&st.hash, &mod)
		if errors.Is(err, sql.ErrNoRows) {
			return stamp{}, false, nil
		}
		st.modified = Time(mod)
		return st, err == nil, err
	}
	prev, ok, err := read()
	if err != nil {
		return stamp{}, err
	}
	if ok && prev.hash == etag {
		return prev, tx.Commit()
	}
	// Another server may write the same bytes meanwhile: then its time
	// stays (the WHERE), and is read back.
	st := next(prev, ok, etag, floor, l.now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (path, hash, modified) VALUES (?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, modified = excluded.modified
		WHERE documents.hash <> excluded.hash`, path, st.hash, Nanos(st.modified)); err != nil {
		return stamp{}, err
	}
	if st, _, err = read(); err != nil {
		return stamp{}, err
	}
	return st, tx.Commit()
}

// Nanos is how times are stored: Unix nanoseconds, 0 for the zero time.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Time is the time n stored by Nanos, in UTC.
func Time(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
