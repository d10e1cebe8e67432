package content

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"
)

// Defaults, floors and ceilings of a [Source]'s fields: the sources: list
// of morningpost.yaml is checked against them when content loads (check,
// serve, a reload) and the poller (feed/upstream) applies them, so what
// check accepts is what serve polls. A zero field means "the default";
// values past a floor or ceiling would make us a rude client, or keep
// nothing.
const (
	DefaultPollInterval = time.Hour
	MinPollInterval     = 5 * time.Minute
	DefaultKeep         = 100
	MaxKeep             = 10000
	DefaultMaxAge       = 90 * 24 * time.Hour
	MinMaxAge           = 24 * time.Hour
	MaxSourceName       = 100 // bytes
)

// FilePrefix starts the URL of a source read from a file inside the
// content root instead of the network: "file:sources/models.xml".
const FilePrefix = "file:"

// Source is one upstream feed read as source material: an entry of the
// sources: list of morningpost.yaml. The poller (feed/upstream) polls
// exactly these.
type Source struct {
	// Name identifies the source in the store, logs and credits; unique
	// among sources, at most MaxSourceName bytes, no control characters.
	Name string
	// URL is "http://..." or "https://..." (no credentials: they would end
	// up in logs and pages), or FilePrefix and a path inside the content
	// root, read through its fs.FS, never from the wider disk.
	URL string
	// Interval is the shortest time between two polls: zero means
	// DefaultPollInterval, less than MinPollInterval is refused. Upstream
	// caching headers and RSS ttl can only make it longer.
	Interval time.Duration
	// Keep is how many items of the source are kept, newest first: zero
	// means DefaultKeep, at most MaxKeep.
	Keep int
	// MaxAge drops items older than this (by published date, else when
	// first seen): zero means DefaultMaxAge, less than MinMaxAge is
	// refused. It does not apply to file sources: a snapshot kept with
	// the content is kept whole (Keep still applies), however old.
	MaxAge time.Duration
	// Section is a hint for the issue drafter: Tools, Reading or "".
	Section Section
}

// WithDefaults returns s with zero fields replaced by their defaults.
func (s Source) WithDefaults() Source {
	if s.Interval == 0 {
		s.Interval = DefaultPollInterval
	}
	if s.Keep == 0 {
		s.Keep = DefaultKeep
	}
	if s.MaxAge == 0 {
		s.MaxAge = DefaultMaxAge
	}
	return s
}

// File returns the path inside the content root of a file source, and
// whether s is one.
func (s Source) File() (string, bool) { return strings.CutPrefix(s.URL, FilePrefix) }

// Validate reports the first problem with s, e.g. `source "x": interval
// must be at least 5m: be kind to upstreams`.
func (s Source) Validate() error {
	ps := s.problems()
	if len(ps) == 0 {
		return nil
	}
	return fmt.Errorf("source %q: %s", s.Name, ps[0].msg)
}

// ValidateSources reports every problem of every source, and names used
// twice.
func ValidateSources(sources []Source) error {
	seen := make(map[string]bool, len(sources))
	var errs []error
	for _, s := range sources {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
		} else if seen[s.Name] {
			errs = append(errs, fmt.Errorf("source %q: %s", s.Name, duplicateSource(s.Name)))
		}
		seen[s.Name] = true
	}
	return errors.Join(errs...)
}

func duplicateSource(name string) string { return fmt.Sprintf("duplicate name %q", name) }

// sourceProblem is one thing wrong with a Source: the key of its
// sources: entry (for the line number) and what is wrong.
type sourceProblem struct{ key, msg string }

// problems is the one validation of a Source, in words an editor can act
// on; at most one problem per key.
func (s Source) problems() []sourceProblem {
	var ps []sourceProblem
	add := func(key, format string, args ...any) {
		ps = append(ps, sourceProblem{key, fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(s.Name) == "":
		add("name", "name is required")
	case s.Name != strings.TrimSpace(s.Name):
		add("name", "name %q must not start or end with spaces", s.Name)
	case strings.ContainsFunc(s.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		add("name", "name %q must not hold control characters such as tabs", s.Name)
	case len(s.Name) > MaxSourceName:
		add("name", "name must be at most %d bytes", MaxSourceName)
	}
	if msg := checkSourceURL(s.URL); msg != "" {
		add("url", "%s", msg)
	}
	if s.Section != "" && s.Section != Tools && s.Section != Reading {
		add("section", "section must be %s or %s, not %q", Tools, Reading, s.Section)
	}
	if s.Keep < 0 || s.Keep > MaxKeep {
		add("keep", "keep must be between 0 (the default, %d) and %d", DefaultKeep, MaxKeep)
	}
	if s.Interval < 0 || (s.Interval > 0 && s.Interval < MinPollInterval) {
		add("interval", "interval must be at least %dm: be kind to upstreams", MinPollInterval/time.Minute)
	}
	if s.MaxAge < 0 || (s.MaxAge > 0 && s.MaxAge < MinMaxAge) {
		add("max_age", "max_age must be at least %dh", MinMaxAge/time.Hour)
	}
	return ps
}

// checkSourceURL says what is wrong with the URL of a source, or "".
func checkSourceURL(raw string) string {
	if raw == "" {
		return "url is required"
	}
	if rest, ok := strings.CutPrefix(raw, FilePrefix); ok {
		// Only relative paths inside the content root: no "..", no
		// leading slash, no "file://host/..." forms, no backslashes that
		// a Windows fs.FS might take for separators.
		if !fs.ValidPath(rest) || rest == "." || strings.Contains(rest, `\`) {
			return fmt.Sprintf("url %q: a file: source names a file inside the content root, e.g. file:sources/models.xml", raw)
		}
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Sprintf("url %q must be an absolute http(s) URL or file:path", raw)
	case u.User != nil:
		return "url must not hold credentials (user:password@): they would end up in logs and pages"
	}
	return ""
}
