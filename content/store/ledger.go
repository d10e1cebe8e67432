package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
	pause     time.Duration        // how long the database is left alone after a failure
	readOnly  bool                 // see ReadOnly
	loaded    bool                 // first holds every record of the database, as of the first Recall
	first     map[string]time.Time // entry ID -> first public (zero: with its issue)
	// pending holds first-public times the database has not taken yet
	// (it failed): they are written, first, as soon as it answers, so
	// an outage never dates an entry later than when it went public.
	pending map[string]time.Time
	docs    map[string]stamp // document path -> its bytes and when they changed

	revsLoaded bool
	revs       map[string]revision // entry ID -> what readers last saw of it, as recorded
	// pendingRevs holds revisions seen while the database failed, with
	// the moment each was seen.
	pendingRevs map[string]revision
}

// revision is a hash of what readers see of an entry and when it last
// changed: the zero time when it has not changed since it first became
// public. In pendingRevs, changed is when this server saw the hash.
type revision struct {
	hash    string
	changed time.Time
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
	return &Ledger{
		db: db, now: now, log: log, pause: ledgerPause,
		first: map[string]time.Time{}, pending: map[string]time.Time{}, docs: map[string]stamp{},
		revs: map[string]revision{}, pendingRevs: map[string]revision{},
	}
}

// ReadOnly makes the ledger read the database and never write to it:
// what it would record (first-public times, revisions, document stamps)
// it keeps in memory for itself. An export "as of" another moment than
// now uses it: only what really became public, at the real moment, is
// recorded. Call it before the ledger is used.
func (l *Ledger) ReadOnly() { l.readOnly = true }

// ahead is how far past this server's clock a recorded time may lie and
// still be trusted: a replica's clock a few minutes ahead, not a clock
// that jumped forward (or an export as of 2099) and wrote what it saw
// then.
const ahead = 5 * time.Minute

// trusted reports whether a recorded time is not in the future of now,
// less the drift ahead allows.
func trusted(t, now time.Time) bool { return !t.After(now.Add(ahead)) }

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
		l.downUntil = time.Now().Add(l.pause)
	}
	return err
}

// batch bounds the rows of one statement (SQLite allows 32766 variables).
const batch = 400

// Recall returns the recorded first-public times of those keys that are
// recorded (content.Record), and those this server holds for the
// database (see pending). When the database fails it returns what it
// knows with the error.
func (l *Ledger) Recall(ctx context.Context, keys []string) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	justLoaded, err := l.sync(ctx)
	now := l.now()
	out := make(map[string]time.Time, len(keys))
	var missing []string
	for _, k := range keys {
		if t, ok := l.first[k]; ok && trusted(t, now) {
			out[k] = t
		} else if t, ok := l.pending[k]; ok {
			out[k] = t
		} else {
			missing = append(missing, k)
		}
	}
	// Another server may have recorded them since, unless the whole
	// table was read just now.
	if err != nil || justLoaded || len(missing) == 0 {
		return out, err
	}
	if err := l.available(); err != nil {
		return out, err
	}
	for len(missing) > 0 {
		n := min(len(missing), batch)
		if err := l.query(ctx, l.db, missing[:n], out); err != nil {
			return out, l.failed(err)
		}
		missing = missing[n:]
	}
	return out, nil
}

// sync reads every record the first time it is asked (justLoaded), and
// writes the times the database has not taken yet; l.mu is held.
func (l *Ledger) sync(ctx context.Context) (justLoaded bool, err error) {
	if l.loaded && len(l.pending) == 0 {
		return false, nil
	}
	if err := l.available(); err != nil {
		return false, err
	}
	if !l.loaded {
		if err := l.loadAll(ctx); err != nil {
			return false, l.failed(err)
		}
		l.loaded, justLoaded = true, true
	}
	if len(l.pending) > 0 {
		if _, err := l.remember(ctx, l.pending); err != nil {
			return justLoaded, l.failed(err)
		}
		clear(l.pending)
	}
	return justLoaded, nil
}

func (l *Ledger) loadAll(ctx context.Context) error {
	if !l.readOnly {
		// Times ahead of the clock were written by a clock that jumped
		// forward, or by an export as of a later moment: forgotten, so
		// that what really happens is recorded in their place.
		if _, err := l.db.ExecContext(ctx, "DELETE FROM first_public WHERE at > ?", Nanos(l.now().Add(ahead))); err != nil {
			return fmt.Errorf("clean first_public: %w", err)
		}
	}
	rows, err := l.db.QueryContext(ctx, "SELECT entry, at FROM first_public")
	if err != nil {
		return fmt.Errorf("read first_public: %w", err)
	}
	return l.scan(rows, nil)
}

// scan reads rows of (entry, at) into l.first and out (when not nil),
// leaving out times ahead of the clock (see ahead).
func (l *Ledger) scan(rows *sql.Rows, out map[string]time.Time) error {
	defer rows.Close()
	now := l.now()
	for rows.Next() {
		var k string
		var at int64
		if err := rows.Scan(&k, &at); err != nil {
			return fmt.Errorf("read first_public: %w", err)
		}
		t := Time(at)
		if !trusted(t, now) {
			continue
		}
		l.first[k] = t
		if out != nil {
			out[k] = t
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
// server made it (content.Record). A key this server saw first while the
// database failed keeps the time it was seen at. When the database fails,
// the times are kept in memory and written as soon as it answers again;
// meanwhile Remember returns them with the error, and Recall returns
// them.
func (l *Ledger) Remember(ctx context.Context, times map[string]time.Time) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := make(map[string]time.Time, len(times)+len(l.pending))
	for k, t := range times {
		if p, ok := l.pending[k]; ok {
			t = p
		}
		want[k] = t
	}
	if l.readOnly {
		for k, t := range want {
			if f, ok := l.first[k]; ok {
				want[k] = f
			} else {
				l.first[k] = t
			}
		}
		return want, nil
	}
	write := maps.Clone(want)
	maps.Copy(write, l.pending)
	err := l.available()
	if err == nil {
		var got map[string]time.Time
		if got, err = l.remember(ctx, write); err == nil {
			clear(l.pending)
			out := make(map[string]time.Time, len(times))
			for k := range times {
				out[k] = got[k]
			}
			return out, nil
		}
		err = l.failed(err)
	}
	for k, t := range want {
		l.pending[k] = t
	}
	l.log.Warn("store: first-public times kept in memory until the database takes them", "entries", len(l.pending), "store", l.db.String(), "error", err)
	return want, err
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
	limit := Nanos(l.now().Add(ahead))
	out := make(map[string]time.Time, len(keys))
	for rest := keys; len(rest) > 0; {
		n := min(len(rest), batch)
		args := make([]any, 0, 2*n+1)
		for _, k := range rest[:n] {
			args = append(args, k, Nanos(times[k]))
		}
		args = append(args, limit)
		values := strings.Repeat("(?, ?), ", n-1) + "(?, ?)"
		// The first record wins, unless it lies ahead of the clock.
		if _, err := tx.ExecContext(ctx, "INSERT INTO first_public (entry, at) VALUES "+values+
			" ON CONFLICT (entry) DO UPDATE SET at = excluded.at WHERE first_public.at > ?", args...); err != nil {
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
// server. It is never later than now: a floor ahead of the clock is
// now, and a recorded time ahead of it (see ahead) is not trusted.
// When the database cannot answer, the same rule runs on what this
// server knows, and the database is asked again next time.
func (l *Ledger) Modified(path, etag string, floor time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	prev, ok := l.docs[path]
	if ok && prev.hash == etag && trusted(prev.modified, now) {
		return prev.modified
	}
	ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
	defer cancel()
	err := l.available()
	var st stamp
	if err == nil {
		st, err = l.stamp(ctx, path, etag, floor, now)
		err = l.failed(err)
	}
	if err != nil {
		l.log.Warn("store: document not stamped; dated by this server alone", "path", path, "store", l.db.String(), "error", err)
		st = next(prev, ok, etag, floor, now)
		// No hash: not recorded, so the next render asks again.
		l.docs[path] = stamp{modified: st.modified}
		return st.modified
	}
	l.docs[path] = st
	return st.modified
}

// next is the stamp of new bytes etag of a document whose previous
// stamp is prev (ok: there is one), at now.
func next(prev stamp, ok bool, etag string, floor, now time.Time) stamp {
	t := floor
	if t.After(now) {
		t = now
	}
	t = t.Truncate(time.Second)
	if ok {
		t = maxTime(t, now.Truncate(time.Second))
		if trusted(prev.modified, now) {
			t = maxTime(t, prev.modified.Add(time.Second))
		}
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

// rowQueryer is a DB or a Tx.
type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readStamp reads the recorded stamp of path (ok: there is one).
func readStamp(ctx context.Context, q rowQueryer, path string) (st stamp, ok bool, err error) {
	var mod int64
	err = q.QueryRowContext(ctx, "SELECT hash, modified FROM documents WHERE path = ?", path).Scan(&st.hash, &mod)
	if errors.Is(err, sql.ErrNoRows) {
		return stamp{}, false, nil
	}
	st.modified = Time(mod)
	return st, err == nil, err
}

func (l *Ledger) stamp(ctx context.Context, path, etag string, floor, now time.Time) (stamp, error) {
	if l.readOnly {
		prev, ok, err := readStamp(ctx, l.db, path)
		if err != nil {
			return stamp{}, err
		}
		if own, seen := l.docs[path]; seen && own.hash != "" {
			prev, ok = own, true // this ledger's own stamps come after the database's
		}
		if ok && prev.hash == etag && trusted(prev.modified, now) {
			return prev, nil
		}
		return next(prev, ok, etag, floor, now), nil
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return stamp{}, err
	}
	defer tx.Rollback()
	prev, ok, err := readStamp(ctx, tx, path)
	if err != nil {
		return stamp{}, err
	}
	if ok && prev.hash == etag && trusted(prev.modified, now) {
		return prev, tx.Commit()
	}
	// Another server may write the same bytes meanwhile: then its time
	// stays (the WHERE), and is read back. A time ahead of the clock is
	// replaced.
	st := next(prev, ok, etag, floor, now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (path, hash, modified) VALUES (?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, modified = excluded.modified
		WHERE documents.hash <> excluded.hash OR documents.modified > ?`, path, st.hash, Nanos(st.modified), Nanos(now.Add(ahead))); err != nil {
		return stamp{}, err
	}
	if st, _, err = readStamp(ctx, tx, path); err != nil {
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
