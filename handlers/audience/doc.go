// Package audience counts who reads the subscription feeds, day by day,
// without keeping anything that names a reader.
//
// For each day in the site's time zone, subscription feed and agent (a
// name from the one table in agent.go: Feedly, Inoreader, newsboat,
// NetNewsWire, Miniflux, … or "other"), a Counter counts:
//
//   - requests: every response, of every method and status (HEAD and
//     429 included);
//   - not modified: the 304s; full responses: the 200s to GET; bytes:
//     body bytes sent;
//   - subscribers: for an aggregator that reports them in its
//     User-Agent ("123 subscribers", "5 readers"), the latest figure it
//     reported that day, per feed id it knows the feed by; for any other
//     client one per distinct (network address, User-Agent) that got the
//     feed (a 200 or 304 to GET) that day. Bots (crawlers, link
//     previewers, uptime checkers, validators) are never subscribers.
//
// Privacy: a reader is counted by a keyed 64-bit hash (hash/maphash) of
// its address and User-Agent. The key is random, lives in memory only
// and is replaced when the day ends, when the day's hashes are dropped;
// neither addresses, User-Agents nor hashes are ever written, only the
// counts. Memory is bounded: at most MaxExact hashes a day, then a
// HyperLogLog sketch of 4 KiB per feed and agent.
//
// A Store keeps one row per day, feed and agent in SQLite or PostgreSQL
// (the same standard SQL); Counter.Run writes what was counted every
// minute and at shutdown, never while a request waits.
package audience
