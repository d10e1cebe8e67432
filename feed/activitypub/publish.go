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
	section   string
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
	accs := accounts(cfg)
	inboxes := map[string][]string{} // by account
	if !first {
		for _, acc := range accs {
			if inboxes[acc.name], err = s.followerInboxes(ctx, tx, acc.name); err != nil {
				return fmt.Errorf("activitypub: publish: %w", err)
			}
		}
	}
	queued, deliveries := 0, 0
	// send queues what build makes, for each account that carries
	// section sec and has followers.
	send := func(sec content.Section, build func(acc account) Object) error {
		for _, acc := range accs {
			if !acc.carries(sec) || len(inboxes[acc.name]) == 0 {
				continue
			}
			queued++
			deliveries += len(inboxes[acc.name])
			if err := s.enqueueTx(ctx, tx, acc.name, build(acc), inboxes[acc.name]); err != nil {
				return err
			}
		}
		return nil
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
			if _, err := tx.ExecContext(ctx, "INSERT INTO ap_sent (entry, path, section, state, published, modified) VALUES (?, ?, ?, ?, ?, ?)",
				id, a.URLPath(), string(a.Section), statePublic, pub, mod); err != nil {
				return err
			}
			if !first && now.Sub(a.Published()) <= fresh {
				if err := send(a.Section, func(acc account) Object { return createOf(site, acc, a) }); err != nil {
					return err
				}
			}
		case row.state == stateDeleted:
			// Public again: followers were told it was deleted, so it is
			// created anew, an activity of its own.
			if _, err := tx.ExecContext(ctx, "UPDATE ap_sent SET path = ?, section = ?, state = ?, published = ?, modified = ? WHERE entry = ?",
				a.URLPath(), string(a.Section), statePublic, pub, mod, id); err != nil {
				return err
			}
			if err := send(a.Section, func(acc account) Object {
				act := createOf(site, acc, a)
				act["id"] = acc.activityID(page, "create", nanos(now))
				return act
			}); err != nil {
				return err
			}
		case mod > row.modified || row.path != a.URLPath() || row.section != string(a.Section):
			if _, err := tx.ExecContext(ctx, "UPDATE ap_sent SET path = ?, section = ?, modified = ? WHERE entry = ?", a.URLPath(), string(a.Section), mod, id); err != nil {
				return err
			}
			if mod > row.modified {
				if err := send(a.Section, func(acc account) Object {
					return activity(site, acc.name, "Update", acc.activityID(page, "update", nanos(a.Modified())), articleObject(site, acc.name, a), a.Modified())
				}); err != nil {
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
		if err := send(content.Section(row.section), func(acc account) Object {
			return activity(site, acc.name, "Delete", acc.activityID(page, "delete", nanos(now)), tombstone(site, row.path, now), now)
		}); err != nil {
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
		s.log.Info("activitypub: activities queued", "activities", queued, "deliveries", deliveries)
		s.poke()
	}
	return nil
}

func loadSent(ctx context.Context, q querier) (map[string]sentRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT entry, path, section, state, published, modified FROM ap_sent")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]sentRow{}
	for rows.Next() {
		var id string
		var r sentRow
		if err := rows.Scan(&id, &r.path, &r.section, &r.state, &r.published, &r.modified); err != nil {
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
