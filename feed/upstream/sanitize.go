package upstream

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/mmcdole/gofeed"
	"github.com/morningpost/morningpost/content"
	xhtml "golang.org/x/net/html"
)

// Size limits for what we keep of one item. Item.Summary holds at most
// content.SummaryLength characters, like the newsletter's own summaries.
const (
	// maxTitleLen bounds titles and authors (runes).
	maxTitleLen = 500
	// maxContentHTML bounds Item.ContentHTML (bytes); longer content is
	// replaced by its summary rather than cut (cut HTML is broken HTML).
	maxContentHTML = 256 << 10
)

// sanitizer turns upstream HTML into HTML we can store, show and
// republish. Policies are built once: bluemonday policies are safe for
// concurrent use once built.
type sanitizer struct {
	html *bluemonday.Policy // user-generated-content allowlist
	text *bluemonday.Policy // strips every tag, for plain text
}

func newSanitizer() *sanitizer {
	p := bluemonday.UGCPolicy()
	// Absolute http(s) and mailto links only: after absolutize, a relative
	// URL means we had no base, and it would point into our own site.
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	// absolutize sets rel="nofollow noopener" on every link; let exactly
	// those values through.
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^(nofollow|noopener|noreferrer)( (nofollow|noopener|noreferrer))*$`)).OnElements("a")

	t := bluemonday.StrictPolicy()
	t.AddSpaceWhenStrippingTag(true)
	return &sanitizer{html: p, text: t}
}

// HTML returns raw with relative URLs made absolute against base (if any),
// links marked rel="nofollow noopener", and everything outside the
// allowlist removed (scripts, styles, iframes, forms, event handlers,
// javascript: URLs...). The allowlist runs last, so its output is the
// guarantee whatever the rewriting before it did; content.Clean then
// drops what XML forbids (the tokenizer turns &#1; into a character).
func (s *sanitizer) HTML(raw string, base *url.URL) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	return strings.TrimSpace(content.Clean(s.html.Sanitize(absolutize(raw, base))))
}

// Text returns raw (HTML or text) as clean plain text on one line.
func (s *sanitizer) Text(raw string) string {
	if raw == "" {
		return ""
	}
	return content.Line(content.Clean(html.UnescapeString(s.text.Sanitize(raw))))
}

// plainLine is an upstream plain-text field as we keep it: clean, on one
// line, at most n characters, through content's text functions.
func plainLine(s string, n int) string {
	return content.Truncate(content.Line(content.Clean(s)), n)
}

// absolutize resolves URLs against base (content.RewriteURLs) and sets
// rel on links; the sanitizer runs afterwards anyway.
func absolutize(raw string, base *url.URL) string {
	return content.RewriteURLs(raw, func(ref string) string { return resolve(ref, base) }, nofollow)
}

// nofollow replaces the rel of a link with rel="nofollow noopener".
func nofollow(t *xhtml.Token) bool {
	if t.Data != "a" {
		return false
	}
	attrs := t.Attr[:0]
	hasHref := false
	for _, a := range t.Attr {
		if a.Key != "rel" {
			attrs = append(attrs, a)
		}
		hasHref = hasHref || a.Key == "href"
	}
	if hasHref {
		attrs = append(attrs, xhtml.Attribute{Key: "rel", Val: "nofollow noopener"})
	}
	t.Attr = attrs
	return true
}

// resolve makes ref absolute against base; it returns ref unchanged when
// it cannot (no base, unparseable), leaving the decision to the sanitizer.
func resolve(ref string, base *url.URL) string {
	ref = strings.TrimSpace(ref)
	if base == nil || ref == "" || strings.HasPrefix(ref, "#") {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// webURL resolves ref against base and returns it only if it is an
// absolute http(s) URL: item links end up in href attributes of our pages,
// where "javascript:" must never appear.
func webURL(ref string, base *url.URL) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// feedBase is the URL relative links in a feed are resolved against: the
// feed's own link, itself resolved against where we fetched it.
func feedBase(f *gofeed.Feed, fetched *url.URL) *url.URL {
	if l := webURL(f.Link, fetched); l != "" {
		u, _ := url.Parse(l)
		return u
	}
	return fetched
}

// cleanItem converts a parsed item into the Item we store. fetchedAt is
// the poll time; items dated in the future are dated now, so a hostile or
// broken clock upstream cannot pin an item to the top of every list, and
// dates before minItemDate are no date at all (see itemDate).
func (s *sanitizer) cleanItem(source string, it *gofeed.Item, base *url.URL, fetchedAt time.Time) Item {
	link := webURL(it.Link, base)
	if link == "" {
		for _, l := range it.Links {
			if link = webURL(l, base); link != "" {
				break
			}
		}
	}
	itemBase := base
	if link != "" {
		itemBase, _ = url.Parse(link)
	}
	raw := it.Content
	if strings.TrimSpace(raw) == "" {
		raw = it.Description
	}
	body := s.HTML(raw, itemBase)
	summarySrc := it.Description
	if strings.TrimSpace(summarySrc) == "" {
		summarySrc = it.Content
	}
	summary := content.Truncate(s.Text(summarySrc), content.SummaryLength)
	if len(body) > maxContentHTML {
		body = "<p>" + html.EscapeString(summary) + "</p>"
	}
	var author string
	if len(it.Authors) > 0 && it.Authors[0] != nil {
		author = cmp.Or(strings.TrimSpace(it.Authors[0].Name), it.Authors[0].Email)
	} else if it.Author != nil {
		author = cmp.Or(strings.TrimSpace(it.Author.Name), it.Author.Email)
	}
	item := Item{
		SourceName:  source,
		GUID:        plainLine(it.GUID, 2000),
		Title:       plainLine(content.PlainTitle(html.UnescapeString(it.Title)), maxTitleLen),
		Link:        content.Clean(link),
		Author:      plainLine(author, maxTitleLen),
		ContentHTML: body,
		Summary:     summary,
		FetchedAt:   fetchedAt,
	}
	item.Published = itemDate(it.PublishedParsed, fetchedAt)
	item.Updated = itemDate(it.UpdatedParsed, fetchedAt)
	if item.Title == "" {
		item.Title = content.Truncate(item.Summary, 80)
	}
	item.dedupKey = dedupKey(item)
	item.ID = itemID(source, item.dedupKey)
	return item
}

// dedupKey identifies an item within its source: its GUID, else its link,
// else a hash of what it says.
func dedupKey(it Item) string {
	switch {
	case it.GUID != "":
		return "guid:" + it.GUID
	case it.Link != "":
		return "link:" + it.Link
	}
	sum := sha256.Sum256([]byte(it.Title + "\x00" + it.ContentHTML))
	return "hash:" + hex.EncodeToString(sum[:])
}

// itemID is the stable public ID of an item: same source and key, same ID,
// across polls, restarts and machines.
func itemID(source, key string) string {
	sum := sha256.Sum256([]byte(source + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// minItemDate is the earliest date an upstream item may carry. Feeds
// that write "no date" as the Unix epoch, year 1 or 1601 (other
// systems' zero times) mean no date, and web feeds are younger than
// that: such an item is dated by whatever else it says, else by when it
// was first fetched.
var minItemDate = time.Unix(0, 0).UTC()

// itemDate is an upstream date as stored: none when it is missing or not
// after minItemDate, and never later than fetchedAt, the poll time. The
// result always lies within what the store can hold (see toDB).
func itemDate(t *time.Time, fetchedAt time.Time) time.Time {
	if t == nil || !t.After(minItemDate) {
		return time.Time{}
	}
	if t.After(fetchedAt) {
		return fetchedAt.UTC()
	}
	return t.UTC()
}
