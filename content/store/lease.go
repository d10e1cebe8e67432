package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// Lease is a task that one server of a fleet does at a time, such as
// polling the upstream sources: the holder renews it well within its
// term; if the holder dies, the lease runs out and another server takes
// it over. The same table works on SQLite, for servers sharing a data
// folder.
type Lease struct {
	db     *DB
	name   string
	holder string
	term   time.Duration
	now    func() time.Time
}

// NewLease returns this server's claim on the task name, held for term
// at each renewal. now is time.Now when nil.
func NewLease(db *DB, name string, term time.Duration, now func() time.Time) *Lease {
	if now == nil {
		now = time.Now
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &Lease{db: db, name: name, term: term, now: now, holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))}
}

// Holder names this server in the lease table.
func (l *Lease) Holder() string { return l.holder }

// Acquire takes or renews the lease and reports whether this server
// holds it: it does when it held it already, or nobody does, or the
// holder let its term run out.
func (l *Lease) Acquire(ctx context.Context) (bool, error) {
	now := l.now()
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", l.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until < ?`,
		l.name, l.holder, Nanos(now.Add(l.term)), Nanos(now)); err != nil {
		return false, fmt.Errorf("lease %s: %w", l.name, err)
	}
	var holder string
	if err := tx.QueryRowContext(ctx, "SELECT holder FROM leases WHERE name = ?", l.name).Scan(&holder); err != nil {
		return false, fmt.Errorf("lease %s: %w", l.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("lease %s: %w", l.name, err)
	}
	return holder == l.holder, nil
}

// Release gives the lease up, if this server holds it, so that another
// takes it over at once rather than when its term runs out.
func (l *Lease) Release(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", l.name, l.holder)
	return err
}

// HeldBy returns who holds the lease now, "" when nobody does.
func (l *Lease) HeldBy(ctx context.Context) (string, error) {
	var holder string
	var until int64
	err := l.db.QueryRowContext(ctx, "SELECT holder, until FROM leases WHERE name = ?", l.name).Scan(&holder, &until)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("lease %s: %w", l.name, err)
	case Time(until).Before(l.now()):
		return "", nil
	}
	return holder, nil
}
