// Package upstream consumes other people's feeds safely.
//
// The newsletter's "tools of the week" and "weekend reading" sections are
// drafted from upstream feeds (trending models, papers, releases). This
// package fetches those feeds, parses them (RSS, Atom, JSON Feed), sanitises
// their HTML, and keeps the items in a SQLite database so that pages, the
// combined "planet" feed and the issue drafter can read them.
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
//   - [Source] describes one upstream feed (from the site configuration).
//   - [Store] is the SQLite database of items and per-source poll state.
//   - [Poller] fetches sources: [Poller.Run] in the background, on schedule;
//     [Poller.PollAll] synchronously, for a manual refresh.
//   - [Store.Items], [Store.Sources] and [Store.Freshest] are the read API.
package upstream

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"
)

// Defaults and floors for [Source] fields. A zero field means "use the
// default"; values below a floor are configuration mistakes that would make
// us a rude client (or keep nothing), so [Source.Validate] rejects them.
const (
	DefaultInterval = time.Hour
	MinInterval     = 5 * time.Minute
	DefaultKeep     = 100
	MaxKeep         = 10000
	DefaultMaxAge   = 90 * 24 * time.Hour
	MinMaxAge       = 24 * time.Hour
)

// Section hints say which newsletter section a source's items usually feed.
const (
	SectionTools   = "tools"
	SectionReading = "reading"
)

// filePrefix marks a source read from the content root instead of the
// network, e.g. "file:sources/trending-models.xml".
const filePrefix = "file:"

// Source is one upstream feed, as configured by the editors.
//
// In the site configuration (YAML) it looks like:
//
//   - name: trending-models
//     url: file:sources/trending-models.xml
//     interval: 2h
//     keep: 50
//     max_age: 720h
//     section: tools
type Source struct {
	// Name identifies the source in the store, in logs and in credits.
	// It must be unique among sources and is what editors see.
	Name string `yaml:"name" json:"name"`

	// URL is where the feed lives: "http://..." or "https://...", or
	// "file:relative/path.xml" for a file inside the content root (read
	// through the fs.FS given to the Poller, never from the wider disk).
	URL string `yaml:"url" json:"url"`

	// Interval is the shortest time between two polls. Zero means
	// DefaultInterval; anything below MinInterval is rejected. Upstream
	// caching headers and RSS ttl can only make it longer.
	Interval time.Duration `yaml:"interval" json:"interval"`

	// Keep is how many items of this source the store keeps (newest first).
	// Zero means DefaultKeep.
	Keep int `yaml:"keep" json:"keep"`

	// MaxAge drops items older than this (by published date, else the time
	// we first saw them). Zero means DefaultMaxAge. It does not apply to
	// file: sources: a snapshot kept with the content is kept whole (Keep
	// still applies), however old its dates.
	MaxAge time.Duration `yaml:"max_age" json:"max_age"`

	// Section is a hint for the issue drafter: SectionTools, SectionReading
	// or "" for no preference.
	Section string `yaml:"section" json:"section"`
}

// WithDefaults returns s with zero fields replaced by their defaults.
func (s Source) WithDefaults() Source {
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if s.Keep == 0 {
		s.Keep = DefaultKeep
	}
	if s.MaxAge == 0 {
		s.MaxAge = DefaultMaxAge
	}
	return s
}

// Validate reports the first problem with s, in words an editor can act on.
// Zero Interval, Keep and MaxAge are fine (defaults apply).
func (s Source) Validate() error {
	if err := s.validate(); err != nil {
		if s.Name == "" {
			return fmt.Errorf("source: %w", err)
		}
		return fmt.Errorf("source %q: %w", s.Name, err)
	}
	return nil
}

func (s Source) validate() error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return errors.New("name is empty")
	case s.Name != strings.TrimSpace(s.Name) || strings.ContainsFunc(s.Name, isControl):
		return errors.New("name has leading/trailing spaces or control characters")
	case len(s.Name) > 100:
		return errors.New("name is longer than 100 bytes")
	}
	if _, err := parseSourceURL(s.URL); err != nil {
		return err
	}
	switch {
	case s.Interval < 0:
		return fmt.Errorf("interval %v is negative", s.Interval)
	case s.Interval != 0 && s.Interval < MinInterval:
		return fmt.Errorf("interval %v is below the %v floor (be kind to upstreams)", s.Interval, MinInterval)
	case s.Keep < 0:
		return fmt.Errorf("keep %d is negative", s.Keep)
	case s.Keep > MaxKeep:
		return fmt.Errorf("keep %d is above the %d ceiling", s.Keep, MaxKeep)
	case s.MaxAge < 0:
		return fmt.Errorf("max_age %v is negative", s.MaxAge)
	case s.MaxAge != 0 && s.MaxAge < MinMaxAge:
		return fmt.Errorf("max_age %v is below the %v floor", s.MaxAge, MinMaxAge)
	}
	switch s.Section {
	case "", SectionTools, SectionReading:
	default:
		return fmt.Errorf("section %q is not %q, %q or empty", s.Section, SectionTools, SectionReading)
	}
	return nil
}

// sourceURL is a parsed Source.URL: either an http(s) URL or a path inside
// the content root.
type sourceURL struct {
	http *url.URL // set for http and https sources
	file string   // set for file: sources; always passes fs.ValidPath
}

func parseSourceURL(raw string) (sourceURL, error) {
	if raw == "" {
		return sourceURL{}, errors.New("url is empty")
	}
	if rest, ok := strings.CutPrefix(raw, filePrefix); ok {
		// Only relative paths inside the content root: no "..", no leading
		// slash, no "file://host/..." forms, no backslashes that a Windows
		// fs.FS might treat as separators.
		p := rest
		if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || !fs.ValidPath(p) {
			return sourceURL{}, fmt.Errorf("url %q: file sources must be a relative path inside the content root, like file:sources/feed.xml", raw)
		}
		return sourceURL{file: p}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return sourceURL{}, fmt.Errorf("url %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return sourceURL{}, fmt.Errorf("url %q: scheme must be http, https or file", raw)
	}
	if u.Host == "" {
		return sourceURL{}, fmt.Errorf("url %q has no host", raw)
	}
	if u.User != nil {
		// Credentials in config files end up in logs and pages.
		return sourceURL{}, fmt.Errorf("url %q must not contain credentials", raw)
	}
	return sourceURL{http: u}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validateSources checks each source and that names are unique.
func validateSources(sources []Source) error {
	seen := make(map[string]bool, len(sources))
	var errs []error
	for _, s := range sources {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("source %q: name used twice", s.Name))
		}
		seen[s.Name] = true
	}
	return errors.Join(errs...)
}
