/*
Package content is the newsletter domain of morningpost: the site, its
issues and their articles, read from files an editor writes by hand.

This comment is the specification of the on-disk format. It is written for
editors as much as for programmers: you can write a new issue from it alone.

# The content root

A content root is a folder holding:

	morningpost.yaml          the site (see below)
	issues/87/issue.md        one folder per issue; the folder name is the issue number
	issues/87/lead.md         one Markdown file per article
	issues/87/deep-dive.md
	issues/87/editor.md
	issues/87/guest.md
	sources/…                 anything else the site refers to (e.g. local feed snapshots)

Files that are not named here are ignored, except that every *.md file in an
issue folder is an article. Issue folders are decimal numbers; leading zeros
are allowed (0087 is issue 87), but two folders naming the same number are
an error. Hidden files and folders (.git, editor swap files) are ignored.

# morningpost.yaml

The site. Unknown keys are errors, so a typo never goes unnoticed.

	title:        The AI Morning Post                    required; the masthead and every feed title
	tagline:      Your Daily AI Intelligence Briefing    the masthead tagline; an issue may override it
	topics:       Artificial Intelligence • …            the line under the masthead
	established:  2025                                   shown as "Est. 2025"
	description:  A daily briefing on …                  feed subtitle and page description
	base_url:     https://post.example/                  required; absolute http(s) URL every link is built from
	                                                     (it may have a path, https://example.com/blog/: every link is under it)
	language:     en-GB                                  BCP 47 language tag (default en-GB)
	time_zone:    Europe/London                          IANA zone issues are dated in (default Europe/London)
	publish_time: "06:00"                                time of day an issue goes public (default 06:00)
	authority:    post.example,2025                      required; the tag: URI authority of every entry ID:
	                                                     a domain you own and a date you owned it (RFC 4151).
	                                                     Never change it: feed readers would see every entry
	                                                     as new.
	author:                                              default author of every article
	  name:  The AI Morning Post                         required
	  email: desk@post.example                           optional
	  url:   https://post.example/about                  optional
	feed_length:  30                                     entries per subscription feed (default 30, 1–500)
	cache_max_age: 5m                                    Cache-Control max-age of feeds and pages (default 5m)
	stale_while_revalidate: 1h                           Cache-Control stale-while-revalidate (default 1h)
	stale_if_error: 24h                                  Cache-Control stale-if-error: how long caches may serve
	                                                     a response while morningpost fails (default 24h)
	sources:                                             upstream feeds read as source material (optional)
	  - name:     Trending models                        required, unique
	    url:      https://example.org/feed.xml           required; http(s) URL (no user:password@), or file:path
	                                                     for a file inside the content root (e.g. file:sources/models.xml)
	    interval: 1h                                     optional; never polled more often than this (at least 5m)
	    keep:     100                                    optional; items kept for this source (at most 10000)
	    max_age:  2160h                                  optional; items first seen longer ago are dropped (at least 24h)
	    section:  tools                                  optional hint: tools or reading
	sources_public: false                                serve /sources/feed.* without the preview token
	websub_hubs:                                         WebSub hubs told of every change of a subscription feed
	  - https://pubsubhubbub.appspot.com/                (optional; absolute http(s) URLs)
	activitypub:                                         the newsletter as a fediverse account (optional; off without it)
	  username: news                                     required; the handle is @news@HOST (base_url's host):
	                                                     lower-case letters, digits, "_", "-", "."
	  sections: false                                    true: each section of articles is an account too
	                                                     (@lead@HOST, @deep-dive@HOST, @opinion@HOST)
	  allow_private_addresses: false                     let fetches and deliveries reach loopback and private
	                                                     addresses: for tests and private networks only
	icon: icon.png                                       optional; a square PNG (at least 64×64, 512×512 best, at
	                                                     most 1 MB) in the content folder: the site's icon in
	                                                     browsers and feed readers, and the pages' og:image when
	                                                     an article has no picture (default: the built-in icon)
	sections:                                            optional; what pages and feeds call a section (defaults:
	  reading: Further Reading                           Lead Story, Deep Dive, Opinion & Analysis, Tools of the
	                                                     Week, Weekend Reading); an issue's list may still carry
	                                                     a title of its own

Durations are written as Go durations: 90s, 5m, 1h, 36h.

# issue.md

Each issue folder has an issue.md. Between two lines of three dashes is the
issue's front matter in YAML; the Markdown below it is an optional editor's
note printed under the masthead.

	---
	date: 2026-04-25                         required; the issue's date (YYYY-MM-DD), in the site's time zone
	draft: true                              optional; a draft is never public
	place: Manchester, United Kingdom        the dateline place
	weather: 6°C Cloudy                      the dateline weather
	tagline: …                               optional; overrides the site tagline for this issue
	updated: 2026-04-25T09:30:00+01:00       optional; when the issue was last corrected (RFC 3339, or
	                                         "2026-04-25 09:30" in the site's time zone)
	published: 2026-04-25 07:30              optional; when the issue goes public and is dated, in place
	                                         of its date at publish_time; the only way to move an issue
	                                         that is already out (see "When entries are dated")
	metrics:                                 optional; the metrics box
	  title: Weekend Innovation Metrics
	  rows:
	    - label: Individual Developer Models
	      value: 5/5 trending
	tools:                                   optional; tools of the week, printed as a numbered list
	  title: Tools of the Week               optional; this is the default
	  intro: Every week we curate …          optional
	  items:
	    - name: GrayColor Model              required
	      description: Mysterious …          required
	      link: https://…                    optional; absolute http(s) URL
	      source: Trending models            optional; credit for where the item was found
	reading:                                 optional; weekend reading, same shape as tools
	  title: Weekend Reading
	  items: […]
	---
	An optional editor's note, in Markdown.

An issue is public from its date at the site's publish_time, in the site's
time zone: issue 87 dated 2026-04-25 with publish_time 06:00 in
Europe/London goes out at 2026-04-25T06:00:00+01:00. Until then it is
"scheduled": it appears only in the editors' preview. A running server
publishes it at that moment by itself, without a restart.

# Articles

Every other *.md file in an issue folder is one article. The file name
without ".md" is the article's key: together with the issue number and the
site's authority it makes the article's permanent ID
(tag:post.example,2025:issue-87/lead), which never changes when the
title, slug, text or date change. Renaming the file changes the ID, so
don't rename published articles.

	---
	section: lead                            lead, deep-dive or opinion. Default: "lead" for lead.md,
	                                         "deep-dive" for deep-dive.md, "opinion" for any other file
	title: The Weekend Warriors: …           required
	slug: weekend-warriors                   optional; the page URL /issues/87/weekend-warriors.
	                                         Default: made from the title when the article is first
	                                         public, and kept (see "URLs that never break")
	kicker: Lead Story                       optional; the small label above the title
	                                         ("Analysis", "Editor's Column", "Guest Column")
	standfirst: While corporate AI labs …    optional; the summary under the title
	rating: 7/10                             optional; the story's rating, N/M
	pull_quote: When weekend warriors …      optional; the quotation set apart in the article
	author: Jane Doe                         optional; default is the site's author
	tags: [open-source, models]              optional; feed categories besides the section, and a page
	                                         and feeds per tag (/tags/open-source). A tag's URL is its slug
	                                         (lower case, a-z, 0-9 and hyphens): Open-Source and open source
	                                         are one tag; a tag with no a-z or 0-9 in it is an error
	order: 1                                 optional; position among articles of the same section
	                                         (then by file name)
	draft: true                              optional; a draft article is never public, even in a
	                                         public issue
	updated: 2026-04-25T09:30:00+01:00       optional; when the article was last corrected
	image: chart.png                         optional; the article's lead picture, a file of the issue
	                                         folder: shown above the article on its pages, og:image of
	                                         its page, and its feed entries' enclosure (RSS <enclosure>,
	                                         Atom link rel="enclosure", JSON Feed "image")
	image_alt: Safetensors adoption, week … required with image:; what the picture shows, for readers
	                                         who cannot see it
	published: 2026-04-25T10:15:00+01:00     optional; when the article went public, for feeds; use it
	                                         only to pin a time (see "When entries are dated")
	---
	The body, in Markdown (CommonMark with GitHub tables, strikethrough and
	autolinks). Raw HTML is not passed through. Links may be relative to the
	site (/issues/86); feeds make them absolute.

An issue has at most one lead. On the issue page the lead comes first, then
the metrics box, the deep dives, the opinion columns, tools of the week and
weekend reading.

# Pictures

Image files in an issue folder belong to the issue: PNG (.png), JPEG
(.jpg, .jpeg), GIF (.gif), WebP (.webp) and SVG (.svg). Markdown (an
article's body or the editor's note) shows one by its file name,
relative to the folder:

	![Safetensors adoption, week by week](chart.png)

The text between the brackets is the alt text, required. Pictures are
served at addresses holding a hash of their bytes
(/issues/88/images/3f2a9c1e7b0d4a55/chart.png), so a changed file gets a
new address, with their width and height written into every <img>. A
picture is public only once an article or note of a public issue shows
it: a draft's pictures are seen in the editors' preview only. File names
may hold letters, digits, ".", "-" and "_". A file over 10 MB, a file
that is not the image its name says (a JPEG named .png), a reference to a
file that does not exist and a picture without alt text are errors. SVG
files need width and height (or a viewBox) on their <svg> element; they
are served so that they can run no script.

# When entries are dated

Feed entries carry the moment they went public and their last change,
and readers sort by them. An issue's articles are dated from the issue's
publication time in reading order: the lead at that time, each article
after it one second earlier (the deep dives, then the columns), so a
reader listing newest first shows them as the issue prints them. Two
issues with the same date and time are a minute apart, the higher number
later.

An article dropped into an issue that is already out (a late column, or
one whose draft: true is removed) is dated when it first became public,
not back-dated to the issue's time; its issue's entry shows the change as
updated. Nothing on disk says when that was, so the server remembers it
in its store (SQLite under --data, or PostgreSQL with --database-url):
restarts and every server sharing the store give it the same date. A
fresh store, and morningpost check, date every article by its files
alone. To set the time yourself, give the article a published: time.

An issue that is out keeps the instant readers saw it go out, also
remembered in the store: changing publish_time or time_zone applies to
issues not yet out, and an issue's date: edited after it went out
changes its title, not its time (morningpost check --data warns of
both). To move an issue that is out, give it a published: time.

A change to what a published entry says (an article's title, summary,
body or pictures; an issue's note, lists or articles) moves the entry's
updated time (Atom <updated>, JSON Feed date_modified) to the moment the
change went public; its published time and ID stay. A save that changes
nothing readers see, such as the same bytes again, a comment in the
front matter or a draft article, moves nothing.

Feeds go by these dates, not by issue numbers. Every subscription feed
(every article, the issues, a section, a tag) holds its newest
feed_length entries by the instant each was published and lists them
newest first, so a late column is the first entry of /feed.*, of its
section's feed and of its tags' feeds, and a reader polling them sees
it. Archives file an entry in the month it was published: a late
column is in the archive of the month it went public, not of its
issue's month. The archives of articles and of sections of older
months therefore never change when an article is added later (readers
and caches may keep them), and walking the archives still finds every
entry exactly once. Only the issue's own entry, which holds the whole
issue, changes where it is: it shows the added article as an update.

# URLs that never break

A published article's URL keeps answering. Without slug:, an article is
public under the slug its title made when it first went out, and keeps it
when the title is corrected: the server remembers it in its store, as it
remembers dates. With slug:, that slug is the URL; every URL the article
had before answers 301 (moved permanently) to it, and so do they in a
static export. Removing slug: returns the article to the URL of its first
publication. A URL one article of the issue has had is never given to
another: an article whose slug is taken, by its title or its slug:, gets
the first free of slug-2, slug-3, …, and keeps it. Without a store
(morningpost check, or a server whose store cannot be opened) the files
alone say: the slug: or the title's slug. The URLs belong to the
article's permanent ID: a renamed file is another article, whose old
URLs stop answering and whose slug, held by the old one, gets a -2.

# Strictness

Loading is strict and complete: unknown keys, missing required fields,
malformed dates, bad ratings, duplicate issue numbers or slugs are errors,
and every problem is reported at once as "path:line: message", not only the
first. Invalid UTF-8 is never a reason to refuse a file: in the front matter
(and morningpost.yaml) as in the Markdown, every invalid byte becomes U+FFFD
and characters that XML or YAML forbid (control characters other than tab
and line ends, U+FFFE, U+FFFF) are removed from the text, so nothing an
editor types can break a feed. (U+0085, a line break to YAML, ends a line
in the front matter.)

# Limits

Everything in the content root is read at every load, and a server
renders every article's Markdown as soon as it serves it, so what a file
may hold is bounded; going over a limit is an error at the file (and the
line) like any other, and serve keeps the last good content:

	issue.md, an article          64 KB at most (twice a long read of 5,000 words)
	an issue's Markdown files     512 KB at most together (its feed entry carries
	                              them all)
	morningpost.yaml              256 KB at most
	a picture                     10 MB at most
	quotes and lists              nested 12 deep at most: each ">" and each list
	                              marker counts one level, and so do every two
	                              columns of spaces among them on the same line
	a table                       10,000 cells at most (columns times rows)
	brackets, emphasis marks      "[", "*", "_", "~" and "<" in a paragraph (lines
	and '<'                       between blank lines), times its length, summed
	                              over a text, are bounded: a few hundred in a
	                              paragraph of some KB are fine; thousands in one
	                              paragraph are not. Code in a ``` or ~~~ block
	                              that starts at the beginning of a line is not
	                              counted.

Markdown past these limits is where goldmark's time grows with the square
of the text (a line of 160 KB of ">" took 18.5 s; 320 KB of "[a](" 46 s)
or its output with the square (a table of 2,000 columns and 12,000 short
rows, 32 KB, made 248 MB of HTML); within them, the worst text renders in
tens of milliseconds. Only regular files are read: a named pipe, a socket
or a device where a Markdown file, a picture or morningpost.yaml would be
is an error naming it, never opened.

Titles are plain text: the site's, an article's, a list's. A title
holding markup (<b>, <script>, a comment, a tag left open) is shown as
its text with the markup dropped, and morningpost check prints a
warning at its line; it stops nothing. Feed readers take an RSS title
for HTML, so markup left in one would run there, however escaped.

# For programmers: the types and how data flows

[Load] reads a content root (an [fs.FS]; [OpenDir] opens one through
[os.Root], so nothing outside it is read) into a [Content]: every issue
and article on disk, drafts and scheduled ones included, each file
parsed, checked and cleaned once. Nothing else in the program reads the
content files.

Loading checks every article's Markdown against the limits; [Live]
then renders the bodies in the background as soon as it serves the
content ([Content.Prerender], newest issues first, one core), so the
site answers at once after a start and requests rarely wait for
goldmark (one that does renders one body, which the limits keep short).
A later load renders only Markdown that changed, and a reload or
shutdown abandons the rendering between two articles. A load stops
between issue folders when its context is done ([Live.ReloadContext]).

[Live] holds the Content being served. [Live.Watch] follows the files
(fsnotify) and reloads what changed, abandoning a reload that a newer
change supersedes or shutdown interrupts; a server makes its [Watcher]
before the first load and hands it to [Live.Follow], so an edit saved
while it starts is never lost; a reload that fails keeps the last
good Content and records its [Problems]; every reload is announced as an
[Event] to each subscriber of [Live.Subscribe] (the editor's desk reloads
its pages from these: "where does live reload get its events" has that
answer).

[Content.At] gives the [Snapshot] of what readers may see at a moment:
the public issues, each holding only its public articles, dated by the
[Record] and given their URLs by the [Slugs] (the store). Public code takes every page, feed and count from a
Snapshot, so a draft cannot leak by accident: "where is a draft
excluded" has one answer, Content.At (publish.go). A Snapshot's Key
names what is public and changes whenever that does.

The [Record] (content/record.go; store.Ledger keeps it in the
database) holds, per entry ID, the instant it first became public and
a hash of what readers see of it with the moment that last changed.
Its rules:

  - Only what really became public, at the moment it did, is recorded:
    a snapshot dates and records only the issues public at the moment
    it is taken. An export "as of" another moment opens the ledger
    read-only (store.Ledger.ReadOnly): it reads the record and keeps
    what it would write to itself.
  - An issue's recorded instant is its anchor once it is public, and
    decides that it is public ([Content.At] takes the publication steps
    from it): settings and dates changed later move only issues not yet
    out; published: in issue.md pins an issue's instant over the
    record. [Content.Moved] lists the issues whose files now date them
    otherwise, for morningpost check.
  - Each entry's readerSum (readerSums in record.go: title, summary,
    body, pictures and the rest of its entry; an issue's holds its
    public articles' and lists') is given to Record.Revise; a new sum
    is a change dated at the snapshot's moment, and the first server to
    see it records it for all. Article.Modified, Issue.Modified and
    Issue.ListModified include it.
  - A Snapshot's Key names every date the record gives that the files
    do not (recorded anchors, late articles, changes), so caches keyed
    by it never keep documents dated otherwise.
  - No date is later than the clock: the ledger does not trust a
    recorded time more than five minutes ahead of its clock (a clock
    that jumped, an old export as of 2099), forgets such first-public
    records, and records the entry again; a document's Last-Modified is
    never past the clock.
  - Nothing is lost while the store fails: the ledger keeps the
    first-public times and changes it saw in memory, dated when seen,
    answers from them, and writes them first when the store answers
    again; a snapshot dated during the failure is built again after
    recordRetry.

[Content.Preview] is the snapshot editors preview: every issue and
article as it will look when published. Its Key starts with
[PreviewKeyPrefix]; it is used behind the preview token only.

Text that leaves this package is clean, valid UTF-8 holding only
characters XML allows: every string a Content holds (the site, issues,
articles, lists, metrics, sources), every rendered body and note
(Markdown turns character references such as &#1; into characters, so
its HTML is cleaned again) and every summary. [Clean] is the one cleaner
that makes it so, [Line] the one function that makes a text one line and
[Truncate] the one truncator; feed, handlers and feed/upstream use them
and never clean content's text again. FuzzLoad fails if loaded text
could carry a character XML forbids. Titles are plain text besides
([PlainTitle]): no markup, not even escaped. Upstream items are not content:
feed/upstream's sanitiser (cleanItem in feed/upstream/sanitize.go) puts
every text it keeps through the same functions, so an upstream.Item is
clean in the same sense.
*/
package content
