package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/content/store"
)

// Doc is one article as the engines index it: its words already folded
// and stemmed (Words), the title's apart so that they weigh more.
type Doc struct {
	Entry     string // the article's permanent ID
	Hash      string // of what is indexed: unchanged, it is not indexed again
	Published int64  // Unix nanoseconds; the newest wins a tie in rank
	Title     []string
	Body      []string
}

// Order is the order of the hits an engine returns.
type Order int

// The orders.
const (
	ByRelevance Order = iota // rank, then newest first among equals
	ByDate                   // newest first (search feeds)
)

// Engine is a full-text index kept in the store: SQLite's FTS5 or
// PostgreSQL's tsvector with a GIN index. Both index the words Doc
// holds, as they are, and run the same Query, so they find the same
// articles; only the rank of articles may differ.
type Engine interface {
	// Hashes returns the hash of every indexed entry.
	Hashes(ctx context.Context) (map[string]string, error)
	// Apply indexes put (replacing entries of the same ID) and removes
	// del, in one transaction.
	Apply(ctx context.Context, put []Doc, del []string) error
	// Find returns the IDs of the entries that match q, in order, at most
	// limit of them.
	Find(ctx context.Context, q *Query, order Order, limit int) ([]string, error)
	// Size is the bytes the index takes on disk, as near as the engine
	// tells.
	Size(ctx context.Context) (int64, error)
}

// NewEngine returns the engine of db's kind.
func NewEngine(db *store.DB) Engine {
	if db.Engine() == store.PostgreSQL {
		return &postgres{db: db}
	}
	return &sqlite{db: db}
}

// hashes reads the entry and hash columns of search_docs.
func hashes(ctx context.Context, db *store.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT entry, hash FROM search_docs")
	if err != nil {
		return nil, fmt.Errorf("read search index: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, h string
		if err := rows.Scan(&e, &h); err != nil {
			return nil, err
		}
		out[e] = h
	}
	return out, rows.Err()
}

func scanEntries(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sqlite is FTS5: a contentless table of two columns (title, body) whose
// rowid is search_docs.id; unicode61 splits the indexed words on the
// spaces between them and changes nothing else.
type sqlite struct{ db *store.DB }

func (e *sqlite) Hashes(ctx context.Context) (map[string]string, error) { return hashes(ctx, e.db) }

func (e *sqlite) Apply(ctx context.Context, put []Doc, del []string) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	remove := func(entry string) error {
		var id int64
		switch err := tx.QueryRowContext(ctx, "SELECT id FROM search_docs WHERE entry = ?", entry).Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE rowid = ?", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM search_docs WHERE id = ?", id)
		return err
	}
	for _, entry := range del {
		if err := remove(entry); err != nil {
			return fmt.Errorf("search index: remove %s: %w", entry, err)
		}
	}
	for _, d := range put {
		if err := remove(d.Entry); err != nil {
			return fmt.Errorf("search index: replace %s: %w", d.Entry, err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO search_docs (entry, hash, published) VALUES (?, ?, ?) RETURNING id",
			d.Entry, d.Hash, d.Published).Scan(&id); err != nil {
			return fmt.Errorf("search index: add %s: %w", d.Entry, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
			id, strings.Join(d.Title, " "), strings.Join(d.Body, " ")); err != nil {
			return fmt.Errorf("search index: add %s: %w", d.Entry, err)
		}
	}
	return tx.Commit()
}

// ftsQuery writes q in FTS5's query language: each word quoted, a phrase
// one quoted string, the terms ANDed, the excluded ones NOTed.
func ftsQuery(q *Query) string {
	var pos, neg []string
	for _, t := range q.Terms {
		s := `"` + strings.Join(t.Words, " ") + `"` // words are letters and digits only
		if t.Not {
			neg = append(neg, s)
		} else {
			pos = append(pos, s)
		}
	}
	expr := "(" + strings.Join(pos, " AND ") + ")"
	for _, n := range neg {
		expr = "(" + expr + " NOT " + n + ")"
	}
	return expr
}

func (e *sqlite) Find(ctx context.Context, q *Query, order Order, limit int) ([]string, error) {
	// bm25 is lower for a better match; the title weighs five times
	// the body.
	orderBy := "bm25(search_fts, 5.0, 1.0), d.published DESC, d.entry"
	if order == ByDate {
		orderBy = "d.published DESC, d.entry"
	}
	rows, err := e.db.QueryContext(ctx, `SELECT d.entry FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
		WHERE search_fts MATCH ? ORDER BY `+orderBy+` LIMIT ?`, ftsQuery(q), limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return scanEntries(rows)
}

func (e *sqlite) Size(ctx context.Context) (int64, error) {
	// dbstat is not compiled in everywhere; the FTS5 shadow tables'
	// blocks are the bulk of the index.
	var n int64
	err := e.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(LENGTH(block)), 0) FROM search_fts_data`).Scan(&n)
	return n, err
}

// postgres is a tsvector column made here (tsvector), not by
// to_tsvector: the words are already analysed, so PostgreSQL's own
// dictionaries (and their stop words) play no part, and the title and
// body are kept apart by a gap in positions, so that a phrase does not
// run from one into the other (as FTS5's columns do not).
type postgres struct{ db *store.DB }

func (e *postgres) Hashes(ctx context.Context) (map[string]string, error) { return hashes(ctx, e.db) }

func (e *postgres) Apply(ctx context.Context, put []Doc, del []string) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, entry := range del {
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_docs WHERE entry = ?", entry); err != nil {
			return fmt.Errorf("search index: remove %s: %w", entry, err)
		}
	}
	for _, d := range put {
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (entry, hash, published, tsv) VALUES (?, ?, ?, ?::tsvector)
			ON CONFLICT (entry) DO UPDATE SET hash = excluded.hash, published = excluded.published, tsv = excluded.tsv`,
			d.Entry, d.Hash, d.Published, tsvector(d)); err != nil {
			return fmt.Errorf("search index: add %s: %w", d.Entry, err)
		}
	}
	return tx.Commit()
}

// maxPosition is the last position a tsvector records; later words are
// all put there by PostgreSQL. Articles are far shorter (limits.go).
const maxPosition = 16383

// tsvector writes d as a tsvector literal: each word with its positions,
// the title's weighted A.
func tsvector(d Doc) string {
	type lexeme struct {
		pos   []string
		title bool
	}
	words := map[string]*lexeme{}
	var order []string
	add := func(w string, p int, title bool) {
		l := words[w]
		if l == nil {
			l = &lexeme{}
			words[w] = l
			order = append(order, w)
		}
		if p > maxPosition || len(l.pos) >= 256 { // PostgreSQL keeps 256 positions a lexeme
			return
		}
		s := strconv.Itoa(p)
		if title {
			s += "A"
		}
		l.pos = append(l.pos, s)
	}
	for i, w := range d.Title {
		add(w, i+1, true)
	}
	gap := len(d.Title) + 2 // one unused position: no phrase spans title and body
	for i, w := range d.Body {
		add(w, gap+i, false)
	}
	var b strings.Builder
	for _, w := range order {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(w) // letters and digits only: no quote to escape
		b.WriteString("':")
		b.WriteString(strings.Join(words[w].pos, ","))
	}
	return b.String()
}

// tsquery writes q as a tsquery literal: words quoted, phrases joined by
// <->, terms by &, the excluded ones prefixed with !.
func tsquery(q *Query) string {
	var parts []string
	for _, t := range q.Terms {
		ws := make([]string, len(t.Words))
		for i, w := range t.Words {
			ws[i] = "'" + w + "'"
		}
		s := strings.Join(ws, " <-> ")
		if len(ws) > 1 {
			s = "(" + s + ")"
		}
		if t.Not {
			s = "!" + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " & ")
}

func (e *postgres) Find(ctx context.Context, q *Query, order Order, limit int) ([]string, error) {
	// ts_rank's weights are {D, C, B, A}: the title (A) weighs five
	// times the body (unweighted, D), as in bm25 above.
	orderBy := "ts_rank('{0.2, 0.2, 0.2, 1.0}', tsv, q) DESC, published DESC, entry"
	if order == ByDate {
		orderBy = "published DESC, entry"
	}
	rows, err := e.db.QueryContext(ctx, `SELECT entry FROM search_docs, CAST(? AS tsquery) q
		WHERE tsv @@ q ORDER BY `+orderBy+` LIMIT ?`, tsquery(q), limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return scanEntries(rows)
}

func (e *postgres) Size(ctx context.Context) (int64, error) {
	var n int64
	err := e.db.QueryRowContext(ctx, `SELECT pg_total_relation_size('search_docs')`).Scan(&n)
	return n, err
}
