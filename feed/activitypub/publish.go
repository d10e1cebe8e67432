package activitypub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/store"
)

// What ap_sent says of an article.
const (
	statePublic  = "public"  // followers were sent it (or it was public before federation began)
	stateDeleted = "deleted" // followers were sent its Delete
)

// fresh is how recently an article must have gone public for its
// Create to be sent: an article the account never saw that went public
// longer ago (a store restored from a backup, an article pinned to an
// old published: time) is recorded, never sent.
const fresh = 24 * time.Hour

// recheck bounds the wait of the publishing loop between two looks,
// also when nothing is scheduled: the fleet's lease may change hands.
const recheck = 30 * time.Second

type sentRow struct {
	path      string
	state     string
	published int64
	modified  int64
}

// Publish compares what is public now with what followers were sent
// and queues the difference, in one transaction: a Create for an
// article that first became public (a new issue, a late article, a
// scheduled issue whose moment came), an Update for one whose updated
// time moved, a Delete for one no longer public. The dates are the
// record's (content.Record): the same on every server of a fleet.
//
// The first time (an empty ap_sent), everything public is recorded and
// nothing is sent: followers never get the backlog.
func (s *Service) Publish(ctx context.Context) error {
	site, cfg := s.config()
	if cfg == nil {
		return nil
	}
	now := s.now()
	snap := s.live.At(now)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("activitypub: publish: %w", err)
	}
	defer tx.Rollback()
	var baselineText string
	err = tx.QueryRowContext(ctx, "SELECT value FROM ap_state WHERE name = 'baseline'").Scan(&baselineText)
	first := errors.Is(err, sql.ErrNoRows)
	if err != nil && !first {
		return fmt.Errorf("activitypub: publish: %w", err)
	}
	sent, err := loadSent(ctx, tx)
	if err != nil {
		return fmt.Errorf("activitypub: publish: %w", err)
	}
	var inboxes []string
	if !first {
		if inboxes, err = s.followerInboxes(ctx, tx, cfg.Username); err != nil {
			return fmt.Errorf("activitypub: publish: %w", err)
		}
	}
	name := cfg.Username
	queued := 0
	send := func(act Object) error {
		queued++
		return s.enqueueTx(ctx, tx, act, inboxes)
	}
	public := map[string]bool{}
	for _, a := range snap.Articles() {
		id := a.ID()
		public[id] = true
		row, known := sent[id]
		pub, mod := store.Nanos(a.Published()), store.Nanos(a.Modified())
		page := site.URL(a.URLPath())
		switch {
		case !known:
			if _, err := tx.ExecContext(ctx, "INSERT INTO ap_sent (entry, path, state, published, modified) VALUES (?, ?, ?, ?, ?)",
				id, a.URLPath(), statePublic, pub, mod); err != nil {
				return err
			}
			if !first && now.Sub(a.Published()) <= fresh {
				if err := send(createOf(site, name, a)); err != nil {
					return err
				}
			}
		case row.state == stateDeleted:
			// Public again: followers were told it was deleted, so it is
			// created anew, an activity of its own.
			if _, err := tx.ExecContext(ctx, "UPDATE ap_sent SET path = ?, state = ?, published = ?, modified = ? WHERE entry = ?",
				a.URLPath(), statePublic, pub, mod, id); err != nil {
				return err
			}
			act := createOf(site, name, a)
			act["id"] = createID(page) + "-" + strconv.FormatInt(now.Unix(), 10)
			if err := send(act); err != nil {
				return err
			}
		case mod > row.modified || row.path != a.URLPath():
			if _, err := tx.ExecContext(ctx, "UPDATE ap_sent SET path = ?, modified = ? WHERE entry = ?", a.URLPath(), mod, id); err != nil {
				return err
			}
			if mod > row.modified {
				if err := send(activity(site, name, "Update", updateID(page, a.Modified()), articleObject(site, name, a), a.Modified())); err != nil {
					return err
				}
			}
		}
	}
	for id, row := range sent {
		if public[id] || row.state != statePublic {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE ap_sent SET state = ?, modified = ? WHERE entry = ?", stateDeleted, store.Nanos(now), id); err != nil {
			return err
		}
		page := site.URL(row.path)
		tomb := tombstone(site, row.path, now)
		if err := send(activity(site, name, "Delete", deleteID(page, now), tomb, now)); err != nil {
			return err
		}
	}
	if first {
		if _, err := tx.ExecContext(ctx, "INSERT INTO ap_state (name, value) VALUES ('baseline', ?)", strconv.FormatInt(store.Nanos(now), 10)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("activitypub: publish: %w", err)
	}
	if queued > 0 {
		s.log.Info("activitypub: activities queued", "activities", queued, "inboxes", len(inboxes))
		s.poke()
	}
	return nil
}

func loadSent(ctx context.Context, q querier) (map[string]sentRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT entry, path, state, published, modified FROM ap_sent")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]sentRow{}
	for rows.Next() {
		var id string
		var r sentRow
		if err := rows.Scan(&id, &r.path, &r.state, &r.published, &r.modified); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// publishLoop publishes at every change of the content, at the moment
// the next scheduled issue goes public (no file changes then: a timer
// does it), and every recheck.
func (s *Service) publishLoop(ctx context.Context, leading func() bool) {
	events, stop := s.live.Subscribe()
	defer stop()
	for {
		if leading == nil || leading() {
			if err := s.Publish(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("activitypub: publish", "error", err)
			}
		}
		wait := nextWait(s.live.At(s.now()), s.now())
		select {
		case <-ctx.Done():
			return
		case <-events:
		case <-s.after(wait):
		}
	}
}

// nextWait is how long the publishing loop waits: until the next
// scheduled issue goes public, at most recheck.
func nextWait(snap *content.Snapshot, now time.Time) time.Duration {
	if snap.Next.IsZero() {
		return recheck
	}
	return min(max(snap.Next.Sub(now), 0), recheck)
}
