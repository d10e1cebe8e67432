package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Slugs is the store's record of every slug each article has been public
// under (content.Slugs): a row per issue and slug, held by one entry for
// good. It reads the whole table once and then keeps it in memory; the
// database is asked again only to record a slug, which is read back with
// every other server's records of the same issues.
type Slugs struct {
	db *DB

	mu sync.Mutex
	// downUntil: the database failed; until then it is not asked, so
	// that a snapshot is built at once instead of waiting for a timeout.
	downUntil time.Time
	loaded    bool              // issues holds every row, as of the first Slugs
	issues    map[int][]slugRow // issue -> its rows
	// answers are what Slugs answers of each issue asked about, made
	// once and shared until a claim changes the issue.
	answers map[int]map[string][]string
}

type slugRow struct {
	slug, entry string
	at          int64
}

// NewSlugs returns the record of slugs kept in db.
func NewSlugs(db *DB) *Slugs {
	return &Slugs{db: db, issues: map[int][]slugRow{}, answers: map[int]map[string][]string{}}
}

// available reports whether the database may be asked now; s.mu is held.
func (s *Slugs) available() error {
	if time.Now().Before(s.downUntil) {
		return ErrUnreachable
	}
	return nil
}

// failed notes a failure of the database unless ctx ended first; s.mu
// is held.
func (s *Slugs) failed(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) {
		s.downUntil = time.Now().Add(ledgerPause)
	}
	return err
}

// Slugs returns the slugs recorded in each of issues that has any: by
// issue, then by entry, each entry's in the order it was first public
// under them (content.Slugs). Only the first call reads the database.
func (s *Slugs) Slugs(ctx context.Context, issues []int) (map[int]map[string][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if err := s.available(); err != nil {
			return nil, err
		}
		rows, err := s.read(ctx, s.db, nil)
		if err != nil {
			return nil, s.failed(err)
		}
		s.issues = rows
		s.answers = map[int]map[string][]string{}
		s.loaded = true
	}
	return s.answer(issues), nil
}

// answer is what Slugs returns of issues from memory; s.mu is held.
// The maps of each issue are shared by every answer until the issue
// changes: callers must not change them.
func (s *Slugs) answer(issues []int) map[int]map[string][]string {
	out := make(map[int]map[string][]string, len(issues))
	for _, n := range issues {
		m, ok := s.answers[n]
		if !ok {
			rows := s.issues[n]
			if len(rows) > 0 {
				m = make(map[string][]string, len(rows))
				for _, r := range rows { // sorted: oldest first
					m[r.entry] = append(m[r.entry], r.slug)
				}
			}
			s.answers[n] = m
		}
		if m != nil {
			out[n] = m
		}
	}
	return out
}

// Claim records, at at, each slug of claims not yet recorded in its
// issue, and returns the slugs of the issues claimed in as Slugs does,
// read back from the database: a slug another entry holds, whichever
// server recorded it, stays that entry's (content.Slugs).
func (s *Slugs) Claim(ctx context.Context, at time.Time, claims map[int]map[string]string) (map[int]map[string][]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.available(); err != nil {
		return nil, err
	}
	issues, err := s.claim(ctx, at, claims)
	if err != nil {
		return nil, s.failed(err)
	}
	return s.answer(issues), nil
}

func (s *Slugs) claim(ctx context.Context, at time.Time, claims map[int]map[string]string) ([]int, error) {
	type claim struct {
		issue       int
		slug, entry string
	}
	var all []claim
	var issues []int
	for n, entries := range claims {
		issues = append(issues, n)
		for entry, slug := range entries {
			all = append(all, claim{n, slug, entry})
		}
	}
	// The same order on every server: no lock-order surprises.
	slices.SortFunc(all, func(a, b claim) int {
		return cmp.Or(cmp.Compare(a.issue, b.issue), strings.Compare(a.slug, b.slug), strings.Compare(a.entry, b.entry))
	})
	slices.Sort(issues)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record slugs: %w", err)
	}
	defer tx.Rollback()
	// An entry's slugs are in the order recorded, the first pinned: a
	// new one is recorded after every one this server knows of.
	last := map[string]int64{}
	for _, n := range issues {
		for _, r := range s.issues[n] {
			last[r.entry] = max(last[r.entry], r.at)
		}
	}
	for rest := all; len(rest) > 0; {
		n := min(len(rest), batch)
		args := make([]any, 0, 4*n)
		for _, c := range rest[:n] {
			args = append(args, c.issue, c.slug, c.entry, max(Nanos(at), last[c.entry]+1))
		}
		values := strings.Repeat("(?, ?, ?, ?), ", n-1) + "(?, ?, ?, ?)"
		if _, err := tx.ExecContext(ctx, "INSERT INTO slugs (issue, slug, entry, at) VALUES "+values+" ON CONFLICT (issue, slug) DO NOTHING", args...); err != nil {
			return nil, fmt.Errorf("record slugs: %w", err)
		}
		rest = rest[n:]
	}
	got, err := s.read(ctx, tx, issues)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record slugs: %w", err)
	}
	for _, n := range issues {
		s.issues[n] = got[n]
		delete(s.answers, n)
	}
	return issues, nil
}

// read reads the rows of issues (every row when nil), each issue's
// sorted oldest first.
func (s *Slugs) read(ctx context.Context, q queryer, issues []int) (map[int][]slugRow, error) {
	out := map[int][]slugRow{}
	query := func(where string, args ...any) error {
		rows, err := q.QueryContext(ctx, "SELECT issue, slug, entry, at FROM slugs"+where, args...)
		if err != nil {
			return fmt.Errorf("read slugs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n int
			var r slugRow
			if err := rows.Scan(&n, &r.slug, &r.entry, &r.at); err != nil {
				return fmt.Errorf("read slugs: %w", err)
			}
			out[n] = append(out[n], r)
		}
		return rows.Err()
	}
	if issues == nil {
		if err := query(""); err != nil {
			return nil, err
		}
	}
	for rest := issues; len(rest) > 0; {
		n := min(len(rest), batch)
		args := make([]any, n)
		for i, v := range rest[:n] {
			args[i] = v
		}
		if err := query(" WHERE issue IN ("+Placeholders(n)+")", args...); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	for _, rows := range out {
		slices.SortFunc(rows, func(a, b slugRow) int { return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.slug, b.slug)) })
	}
	return out, nil
}
