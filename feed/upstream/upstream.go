// Package upstream consumes other people's feeds safely.
//
// The newsletter's "tools of the week" and "weekend reading" sections are
// drafted from upstream feeds (trending models, papers, releases). This
// package fetches those feeds, parses them (RSS, Atom, JSON Feed), sanitises
// their HTML, and keeps the items in the store (content/store: SQLite, or
// PostgreSQL shared by a fleet) so that pages, the combined "planet" feed
// and the issue drafter can read them.
//
// Upstreams are treated as hostile. Every fetch is bounded in time, size,
// redirects and concurrency; documents are checked for pathological nesting
// before they reach the parser (gofeed overflows the stack on deep nesting,
// which no recover can catch); entities are never expanded; bytes are made
// valid UTF-8; HTML is cleaned with an allowlist before it is stored.
//
// Upstreams are also treated politely. Polls are conditional (ETag,
// Last-Modified), the poll interval is raised to whatever the upstream asks
// for (Cache-Control max-age, Expires, RSS ttl, Retry-After), errors back off
// exponentially with jitter, and poll times are persisted so a restart does
// not refetch everything at once.
//
// The pieces:
//
//   - [content.Source] describes one upstream feed (the sources: of the
//     site configuration): its fields, limits and the one validation of
//     them live with the rest of the configuration, in content.
//   - [Store] keeps the items and per-source poll state in that store.
//   - [Poller] fetches sources: [Poller.Run] in the background, on schedule;
//     [Poller.PollAll] synchronously, for a manual refresh.
//   - [Store.Items], [Store.Sources] and [Store.Freshest] are the read API.
//   - [Leader] runs the pollers on the one server of a fleet that holds
//     the polling lease ([LeaseName]), following edits of the sources.
//   - [Draft] drafts an issue's tools of the week and weekend reading
//     from the freshest items.
package upstream

import (
	"net/url"

	"github.com/morningpost/morningpost/content"
)

// sourceURL is where a [content.Source] (validated) is read: an http(s)
// URL or a path inside the content root.
type sourceURL struct {
	http *url.URL // set for http and https sources
	file string   // set for file: sources; always passes fs.ValidPath
}

func sourceURLOf(s content.Source) sourceURL {
	if name, ok := s.File(); ok {
		return sourceURL{file: name}
	}
	u, _ := url.Parse(s.URL) // content.Source.Validate parsed it
	return sourceURL{http: u}
}
