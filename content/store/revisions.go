package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Revise records what readers see of each entry now (hashes, by entry
// ID) and returns, for every key given, when it last changed: the zero
// time while it has not changed since the ledger first saw it, else the
// moment a server first saw the hash it has now (content.Record). at is
// that moment for changes seen now. The first server to see a change
// records it; the others read its time. A change time ahead of the clock
// (see ahead) is not trusted: the change is dated at.
//
// When the database fails, the changes are kept in memory with the
// moment each was seen, and written as soon as it answers again;
// meanwhile Revise answers from memory, with the error.
func (l *Ledger) Revise(ctx context.Context, hashes map[string]string, at time.Time) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var err error
	if !l.revsLoaded {
		if err = l.available(); err == nil {
			err = l.failed(l.loadRevisions(ctx))
		}
	}
	out := make(map[string]time.Time, len(hashes))
	changes := map[string]revision{} // by key: the hash, and when it was seen
	for k, h := range hashes {
		r, known := l.revs[k]
		if known && r.hash == h && trusted(r.changed, now) {
			out[k] = r.changed
			continue
		}
		seen := revision{hash: h, changed: at}
		if p, ok := l.pendingRevs[k]; ok && p.hash == h {
			seen = p
		}
		changes[k] = seen
		if known {
			out[k] = seen.changed
		} // else new: it has not changed since it was first seen
	}
	if l.readOnly {
		for k, r := range changes {
			l.revs[k] = revision{hash: r.hash, changed: out[k]}
		}
		return out, err
	}
	if len(changes) == 0 && len(l.pendingRevs) == 0 {
		return out, err
	}
	if err == nil {
		if err = l.available(); err == nil {
			write := maps.Clone(l.pendingRevs)
			maps.Copy(write, changes)
			if err = l.failed(l.writeRevisions(ctx, write, now)); err == nil {
				clear(l.pendingRevs)
				for k := range changes {
					out[k] = l.revs[k].changed
				}
				return out, nil
			}
		}
	}
	maps.Copy(l.pendingRevs, changes)
	l.log.Warn("store: changes of entries kept in memory until the database takes them", "entries", len(l.pendingRevs), "store", l.db.String(), "error", err)
	return out, err
}

// loadRevisions reads every recorded revision into l.revs; l.mu is held.
func (l *Ledger) loadRevisions(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, "SELECT entry, hash, changed FROM revisions")
	if err != nil {
		return fmt.Errorf("read revisions: %w", err)
	}
	if err := l.scanRevisions(rows, nil); err != nil {
		return err
	}
	l.revsLoaded = true
	return nil
}

// scanRevisions reads rows of (entry, hash, changed) into l.revs and
// into got when not nil.
func (l *Ledger) scanRevisions(rows *sql.Rows, got map[string]revision) error {
	defer rows.Close()
	for rows.Next() {
		var k string
		var r revision
		var changed int64
		if err := rows.Scan(&k, &r.hash, &changed); err != nil {
			return fmt.Errorf("read revisions: %w", err)
		}
		r.changed = Time(changed)
		l.revs[k] = r
		if got != nil {
			got[k] = r
		}
	}
	return rows.Err()
}

// writeRevisions records the hashes of changes, each seen at its time:
// an entry not recorded yet as unchanged, one recorded with another hash
// (or a time ahead of the clock) as changed when it was seen. What is
// recorded is read back into l.revs; l.mu is held.
func (l *Ledger) writeRevisions(ctx context.Context, changes map[string]revision, now time.Time) error {
	keys := slices.Sorted(maps.Keys(changes)) // the same order on every server
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record revisions: %w", err)
	}
	defer tx.Rollback()
	limit := now.Add(ahead)
	read := func(keys []string) (map[string]revision, error) {
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k
		}
		rows, err := tx.QueryContext(ctx, "SELECT entry, hash, changed FROM revisions WHERE entry IN ("+Placeholders(len(keys))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read revisions: %w", err)
		}
		got := map[string]revision{}
		return got, l.scanRevisions(rows, got)
	}
	for rest := keys; len(rest) > 0; {
		n := min(len(rest), batch)
		cur, err := read(rest[:n])
		if err != nil {
			return err
		}
		args := make([]any, 0, 3*n+1)
		for _, k := range rest[:n] {
			c := changes[k]
			changed := c.changed
			if r, ok := cur[k]; !ok {
				changed = time.Time{}
			} else if r.hash == c.hash && !r.changed.After(limit) {
				changed = r.changed
			}
			args = append(args, k, c.hash, Nanos(changed))
		}
		args = append(args, Nanos(limit))
		values := strings.Repeat("(?, ?, ?), ", n-1) + "(?, ?, ?)"
		// A server that recorded the same hash meanwhile keeps its time.
		if _, err := tx.ExecContext(ctx, "INSERT INTO revisions (entry, hash, changed) VALUES "+values+
			" ON CONFLICT (entry) DO UPDATE SET hash = excluded.hash, changed = excluded.changed"+
			" WHERE revisions.hash <> excluded.hash OR revisions.changed > ?", args...); err != nil {
			return fmt.Errorf("record revisions: %w", err)
		}
		if _, err := read(rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record revisions: %w", err)
	}
	return nil
}
