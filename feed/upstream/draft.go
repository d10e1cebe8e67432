package upstream

import (
	"context"
	"strings"

	"github.com/morningpost/morningpost/content"
)

// Lengths of drafted lists, as in the printed issue.
const (
	DraftTools   = 4
	DraftReading = 3
)

// Draft picks the freshest upstream items of st for tools of the week
// (at most DraftTools) and weekend reading (at most DraftReading): items
// of sources hinted for the list (or not hinted), never the same item
// twice. An item's description is the first sentence of its summary,
// else "From SOURCE.".
func Draft(ctx context.Context, st *Store) (tools, reading []content.ListItem, err error) {
	used := map[string]bool{}
	pick := func(section string, n int) ([]content.ListItem, error) {
		items, err := st.Freshest(ctx, section, 50)
		if err != nil {
			return nil, err
		}
		var out []content.ListItem
		for _, it := range items {
			if len(out) == n {
				break
			}
			if used[it.ID] || (it.Section != "" && it.Section != section) || it.Title == "" {
				continue
			}
			used[it.ID] = true
			desc := firstSentence(it.Summary)
			if desc == "" {
				desc = "From " + it.SourceName + "."
			}
			out = append(out, content.ListItem{Name: content.Truncate(it.Title, 80), Description: desc, Link: it.Link, Source: it.SourceName})
		}
		return out, nil
	}
	if tools, err = pick("tools", DraftTools); err != nil {
		return nil, nil, err
	}
	if reading, err = pick("reading", DraftReading); err != nil {
		return nil, nil, err
	}
	return tools, reading, nil
}

// firstSentence returns the first sentence of a summary, at most 160
// characters (content's Line and Truncate; the store's text is clean).
func firstSentence(s string) string {
	s = content.Line(s)
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i+1]
	}
	return content.Truncate(s, 160)
}
