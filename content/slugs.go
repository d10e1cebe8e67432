package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Slugs remembers every URL each article has been public under, so that
// a published article's URL never stops answering: the one it went out
// under stays its URL when its title changes, and every one it had
// answers 301 to the current one after an editor sets another slug:.
//
// Slugs are recorded per issue, each held by one entry (Article.ID) for
// good: a slug an article has been public under is never given to
// another article of the issue. An entry's slugs are listed in the order
// it was first public under them: the first is the one pinned at its
// first publication.
//
// A Snapshot takes its articles' URLs from the slugs when it is built,
// once per content change and publication step:
//
//   - An article with a slug: in its front matter is public under that
//     slug.
//   - An article without one is public under its pinned slug; one never
//     public before is pinned under the slug made from its title.
//   - A slug held by another article (now or before) is not taken from
//     it: the article is given the first free of slug-2, slug-3, …,
//     which is then pinned like any other.
//   - Every other slug recorded for the article answers 301 to the
//     current one (Issue.Moved, Snapshot.Moved); the current one is
//     recorded if it is not yet.
//
// Implementations must be safe for concurrent use and let the first
// record of an issue's slug win, also between servers.
type Slugs interface {
	// Slugs returns the slugs recorded in each of issues that has any:
	// by issue number, then by entry ID, each entry's in the order it
	// was first public under them. The caller may change the map it
	// gets, not the maps and slices in it.
	Slugs(ctx context.Context, issues []int) (map[int]map[string][]string, error)
	// Claim records, at at, each slug of claims (by issue number, then
	// by entry ID) the issue has not recorded yet, and returns what
	// Slugs returns of the issues claimed in, with every other server's
	// records: a slug another entry holds stays that entry's.
	Claim(ctx context.Context, at time.Time, claims map[int]map[string]string) (map[int]map[string][]string, error)
}

// slugsTimeout bounds the slugs' answer while a snapshot is built;
// slugsRetry is how soon a snapshot made without them is built again.
const (
	slugsTimeout = 5 * time.Second
	slugsRetry   = 15 * time.Second
)

// pinSlugs gives the articles of s, taken at now, their URLs by c's
// slugs (see Slugs); claim says whether the slugs of articles public
// for the first time are recorded (not for the editors' preview).
// Without slugs, every article keeps the slug of its files; when they
// cannot answer, s is built again after slugsRetry.
func (c *Content) pinSlugs(s *Snapshot, now time.Time, claim bool) {
	if c.slugs == nil || len(s.Issues) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), slugsTimeout)
	defer cancel()
	numbers := make([]int, len(s.Issues))
	// The articles' IDs, once: an archive holds some 15,000.
	ids := make([][]string, len(s.Issues))
	for i, iss := range s.Issues {
		numbers[i] = iss.Number
		ids[i] = make([]string, len(iss.Articles))
		for j, a := range iss.Articles {
			ids[i][j] = a.ID()
		}
	}
	known, err := c.slugs.Slugs(ctx, numbers)
	if err != nil {
		s.retry(now.Add(slugsRetry))
		return
	}
	current, claims := decideSlugs(s.Issues, ids, known)
	// A slug another server claimed meanwhile is decided again, with
	// its record; twice is more than a fleet of the same files needs.
	for round := 0; claim && len(claims) > 0 && round < 2; round++ {
		got, err := c.slugs.Claim(ctx, now, claims)
		if err != nil {
			// Public under this server's choice until the slugs answer.
			s.retry(now.Add(slugsRetry))
			break
		}
		for n, entries := range got {
			known[n] = entries
		}
		current, claims = decideSlugs(s.Issues, ids, known)
	}
	h, moved := sha256.New(), false
	for i, iss := range s.Issues {
		rec := known[iss.Number]
		for j, a := range iss.Articles {
			cur, mine := current[i][j], rec[ids[i][j]]
			if cur == a.Slug && (len(mine) == 0 || len(mine) == 1 && mine[0] == cur) {
				continue
			}
			var former []string
			for _, sl := range mine {
				if sl != cur {
					former = append(former, sl)
				}
			}
			a.Slug, a.former = cur, former
			// The key names the URLs too: caches keyed by it must not
			// keep pages of the same files linking elsewhere.
			h.Write([]byte(ids[i][j] + "\x00" + cur + "\x00" + strings.Join(former, " ") + "\x00"))
			moved = true
		}
	}
	if moved {
		s.Key += ".u" + hex.EncodeToString(h.Sum(nil))[:12]
	}
}

// retry has s built again at t at the latest.
func (s *Snapshot) retry(t time.Time) {
	if s.retryAt.IsZero() || t.Before(s.retryAt) {
		s.retryAt = t
	}
}

// decideSlugs is the rule of Slugs: the slug each article of issues is
// public under (by issue and article, as issues holds them; ids are
// their IDs), given the slugs recorded (known, as Slugs.Slugs returns
// them), and the slugs to record, by issue number and entry ID.
func decideSlugs(issues []*Issue, ids [][]string, known map[int]map[string][]string) ([][]string, map[int]map[string]string) {
	current := make([][]string, len(issues))
	claims := map[int]map[string]string{}
	for k, iss := range issues {
		rec, id := known[iss.Number], ids[k]
		// holder is the entry that has had sl, or "".
		holder := func(sl string) string {
			for entry, slugs := range rec {
				if slices.Contains(slugs, sl) {
					return entry
				}
			}
			return ""
		}
		wish := make([]string, len(iss.Articles))
		for i, a := range iss.Articles {
			wish[i] = a.Slug
			if mine := rec[id[i]]; !a.slugGiven && len(mine) > 0 {
				wish[i] = mine[0]
			}
		}
		cur := make([]string, len(iss.Articles))
		// free: article i may be public under sl. A slug recorded is
		// its holder's; one not recorded goes to the article that
		// wishes it (the first in reading order, should two), and
		// never to another as a suffixed one.
		free := func(i int, sl string) bool {
			if slices.Contains(cur[:i], sl) {
				return false
			}
			if h := holder(sl); h != "" {
				return h == id[i]
			}
			for j, w := range wish {
				if j != i && w == sl && (sl != wish[i] || j < i) {
					return false
				}
			}
			return true
		}
		for i := range iss.Articles {
			cur[i] = wish[i]
			if !free(i, cur[i]) {
				for n := 2; ; n++ {
					if sl := wish[i] + "-" + strconv.Itoa(n); free(i, sl) {
						cur[i] = sl
						break
					}
				}
			}
			if !slices.Contains(rec[id[i]], cur[i]) {
				if claims[iss.Number] == nil {
					claims[iss.Number] = map[string]string{}
				}
				claims[iss.Number][id[i]] = cur[i]
			}
		}
		current[k] = cur
	}
	return current, claims
}

// Moved returns the issue's article that was public under slug before
// it had its current one, or nil.
func (i *Issue) Moved(slug string) *Article {
	for _, a := range i.Articles {
		if slices.Contains(a.former, slug) {
			return a
		}
	}
	return nil
}

// A Move is a path of the site that answers 301 to another.
type Move struct {
	From, To string
	// Below: the paths below From answer 301 to the same paths below To
	// (/tags/Open-Source/feed.atom to /tags/open-source/feed.atom).
	Below bool
}

// Moved lists the paths of s that answer 301, sorted by From: every
// former URL of a public article (see Slugs), and every spelling of a
// tag in the articles' front matter that is not its slug
// (/tags/Open-Source). The server redirects any spelling of a tag;
// these are the ones a static host needs to be told of.
func (s *Snapshot) Moved() []Move {
	var out []Move
	seen := map[string]bool{}
	for _, a := range s.articles {
		for _, sl := range a.former {
			out = append(out, Move{From: "/issues/" + strconv.Itoa(a.Issue.Number) + "/" + sl, To: a.URLPath()})
		}
		for _, t := range a.Tags {
			slug, raw := TagSlug(t), strings.TrimSpace(t)
			from := "/tags/" + raw
			if slug == "" || raw == slug || seen[from] || !plainPath(raw) {
				continue
			}
			seen[from] = true
			out = append(out, Move{From: from, To: "/tags/" + slug, Below: true})
		}
	}
	slices.SortFunc(out, func(a, b Move) int { return strings.Compare(a.From, b.From) })
	return out
}

// plainPath reports whether s is a path segment written as it is in a
// URL: ASCII letters, digits and "-._~".
func plainPath(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return s != ""
}
