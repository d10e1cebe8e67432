// Package httpx is how the site answers over HTTP, in one small package
// that imports nothing of the site's (only feed, for the cached response
// type): conditional requests (NotModified, cond.go), the header block
// of a cached response (Block, header.go), the one writer of a cached
// response (Write, write.go), the responses that are not a 200 (304, 429,
// 301, 303, respond.go), errors and their statuses (Status, errors.go),
// abuse control (Limiter, limit.go) and corking (Cork, cork.go).
//
// Every cached response is a *feed.Response: feeds, pages, OPML,
// sitemaps, pictures and static files alike, with its bytes in each
// content coding and its header values prepared once. Its ETag is
// feed.ETag of its bytes, which the export also calls. The public site
// (handlers/site), the fast path (handlers/fastpath.go) and the editor's
// desk (handlers/desk) write their answers through this package.
package httpx
