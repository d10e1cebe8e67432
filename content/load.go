package content

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones must resolve on machines without /usr/share/zoneinfo

	"go.yaml.in/yaml/v3"
)

// SiteFile is the name of the site configuration in a content root.
const SiteFile = "morningpost.yaml"

func readError(err error) string {
	if escapesRoot(err) {
		return outsideRoot
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var tl tooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case errors.Is(err, ErrNotRegular), errors.As(err, &tl):
		return err.Error()
	}
	return "cannot read: " + err.Error()
}

// newer orders issues newest first: by publication (see publishAt),
// then by number.
func (c *Content) newer(a, b *Issue) bool {
	if ta, tb := c.publishAt(a), c.publishAt(b); !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.Number > b.Number
}

// frontMatter splits a Markdown file into its YAML front matter and body.
// The YAML starts on line 2 of the file.
func frontMatter(b []byte) (yml, body []byte, ok bool) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if bytes.Contains(b, []byte("\r\n")) {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	}
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return nil, b, false
	}
	rest := b[4:]
	if bytes.HasPrefix(rest, []byte("---\n")) || bytes.Equal(rest, []byte("---")) {
		return nil, bytes.TrimPrefix(rest[3:], []byte("\n")), true
	}
	i := bytes.Index(rest, []byte("\n---\n"))
	if i < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			return rest[:len(rest)-3], nil, true
		}
		return nil, b, false
	}
	return rest[:i+1], rest[i+5:], true
}

// decode decodes YAML strictly into v, reporting unknown keys and type
// errors with their lines, and returns the document's node for looking
// up the lines of later semantic errors. The YAML is parsed once, after
// cleanYAML: invalid UTF-8 and control characters are cleaned as in
// every other text, not a reason to refuse the file.
func decode(yml []byte, v any, p problems) *yaml.Node {
	var root yaml.Node
	if err := yaml.Unmarshal(cleanYAML(yml), &root); err != nil {
		if line, quote := unclosedQuote(yml); line > 0 {
			// The parser reports where it gave up, often a line or the
			// whole file away: the editor's typo is the open quote.
			p.add(line, "the %s that starts this value is never closed: close it on the same line (or remove it)", quote)
			return nil
		}
		p.addYAML(err.Error())
		return nil
	}
	if len(root.Content) == 0 { // empty document
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	doc := root.Content[0]
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" { // "---", "~" or "null": nothing
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	if doc.Kind != yaml.MappingNode {
		p.add(doc.Line, "expected key: value lines")
		return nil
	}
	checkKeys(doc, reflect.TypeOf(v), p)
	if err := doc.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			broken := false
			for _, e := range te.Errors {
				p.addYAML(e)
				// A key given twice fails the whole mapping: nothing
				// was decoded, so checking the empty result would
				// report keys that are there.
				broken = broken || strings.Contains(e, "already defined at line")
			}
			if broken {
				return nil
			}
		} else {
			// Not a value of the wrong type but a broken document (a
			// key given twice): nothing was decoded, so checking the
			// empty result would report keys that are there.
			p.addYAML(err.Error())
			return nil
		}
	}
	return doc
}

// checkKeys reports every mapping key in n that the type t does not
// have: a typo never goes unnoticed. (yaml.v3 checks known fields only
// when decoding from a stream, which would mean parsing twice.)
func checkKeys(n *yaml.Node, t reflect.Type, p problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			checkKeys(c, t.Elem(), p)
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			f, ok := yamlField(t, key)
			if !ok {
				p.add(n.Content[i].Line, "unknown key %q", key)
				continue
			}
			checkKeys(n.Content[i+1], f.Type, p)
		}
	}
}

// yamlField returns the field of struct type t that the YAML key names.
func yamlField(t reflect.Type, key string) (reflect.StructField, bool) {
	f, ok := yamlFields(t)[key]
	return f, ok
}

// yamlFieldCache holds, by struct type, its fields by YAML key: checkKeys
// looks up every key of every file, and walking the fields and parsing
// their tags each time is a measurable part of a load.
var yamlFieldCache sync.Map // reflect.Type -> map[string]reflect.StructField

// yamlFields returns the fields of struct type t by YAML key. When two
// fields have the same key, the first one wins.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	if m, ok := yamlFieldCache.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if _, dup := m[name]; !dup {
			m[name] = f
		}
	}
	m2, _ := yamlFieldCache.LoadOrStore(t, m)
	return m2.(map[string]reflect.StructField)
}

// lineOf returns the line of the value at a key path in a mapping node
// (numbers index sequences), or of the deepest node found.
func lineOf(n *yaml.Node, keys ...string) int {
	if n == nil {
		return 1
	}
	line := n.Line
	for _, k := range keys {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					next = n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(k); err == nil && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}

type siteFile struct {
	Title                string       `yaml:"title"`
	Tagline              string       `yaml:"tagline"`
	Topics               string       `yaml:"topics"`
	Established          int          `yaml:"established"`
	Description          string       `yaml:"description"`
	BaseURL              string       `yaml:"base_url"`
	Language             string       `yaml:"language"`
	TimeZone             string       `yaml:"time_zone"`
	PublishTime          string       `yaml:"publish_time"`
	Authority            string       `yaml:"authority"`
	Author               Person       `yaml:"author"`
	FeedLength           *int         `yaml:"feed_length"`
	CacheMaxAge          string       `yaml:"cache_max_age"`
	StaleWhileRevalidate string       `yaml:"stale_while_revalidate"`
	StaleIfError         string       `yaml:"stale_if_error"`
	Sources              []sourceFile `yaml:"sources"`
	SourcesPublic        bool         `yaml:"sources_public"`
	WebSubHubs           []string     `yaml:"websub_hubs"`
	// Sections renames sections on pages and in feeds, by section:
	// reading: Further Reading.
	Sections map[string]string `yaml:"sections"`
	// Icon is a square PNG of the content folder: the site's icon
	// (favicon, feed icon, default og:image).
	Icon string `yaml:"icon"`
	// ActivityPub makes the site a fediverse account (activitypub.go).
	ActivityPub *fediverseFile `yaml:"activitypub"`
}

type sourceFile struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Interval string `yaml:"interval"`
	Keep     int    `yaml:"keep"`
	MaxAge   string `yaml:"max_age"`
	Section  string `yaml:"section"`
}

var (
	authorityRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+,\d{4}(-\d{2}(-\d{2})?)?$|^[^@\s,]+@[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$`)
	languageRE  = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	clockRE     = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)$`)
)

// parseSite parses morningpost.yaml. The file: sources are looked up
// in fsys (when not nil): one that leads out of the content root is a
// problem; one that does not exist yet is not (the poller reports it).
func parseSite(b []byte, fsys fs.FS, list *Problems) *Site {
	var warns Problems
	p := problems{list: list, warn: &warns, path: SiteFile, last: lastLine(b)}
	var f siteFile
	doc := decode(b, &f, p)
	s := &Site{
		Title:         Clean(strings.TrimSpace(f.Title)),
		Tagline:       Clean(strings.TrimSpace(f.Tagline)),
		Topics:        Clean(strings.TrimSpace(f.Topics)),
		Established:   f.Established,
		Description:   Clean(strings.TrimSpace(f.Description)),
		Language:      f.Language,
		TimeZone:      f.TimeZone,
		Authority:     Clean(strings.TrimSpace(f.Authority)),
		Author:        cleanPerson(f.Author),
		FeedLength:    30,
		SourcesPublic: f.SourcesPublic,
	}
	if doc == nil {
		// The file does not parse. The issues are still checked, against
		// the defaults, so every problem is reported at once.
		s.BaseURL = &url.URL{Scheme: "http", Host: "localhost"}
		s.Location = time.UTC
		s.PublishTime = 6 * time.Hour
		return s
	}
	s.warnings = &warns
	s.Title = p.title(s.Title, lineOf(doc, "title"), "title")
	if s.Title == "" {
		p.add(lineOf(doc, "title"), "title is required")
	}
	u, err := url.Parse(strings.TrimSpace(f.BaseURL))
	switch {
	case f.BaseURL == "":
		p.add(lineOf(doc, "base_url"), "base_url is required (e.g. https://post.example/)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		p.add(lineOf(doc, "base_url"), "base_url %q must be an absolute http(s) URL without query or fragment", f.BaseURL)
	default:
		s.BaseURL = u
	}
	if s.BaseURL == nil {
		s.BaseURL = &url.URL{Scheme: "http", Host: "localhost"}
	}
	if s.Language == "" {
		s.Language = "en-GB"
	} else if !languageRE.MatchString(s.Language) {
		p.add(lineOf(doc, "language"), "language %q is not a language tag such as en-GB", s.Language)
	}
	if s.TimeZone == "" {
		s.TimeZone = "Europe/London"
	}
	if loc, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		p.add(lineOf(doc, "time_zone"), "time_zone %q is not an IANA time zone such as Europe/London", s.TimeZone)
		s.Location = time.UTC
	} else {
		s.Location = loc
	}
	if f.PublishTime == "" {
		s.PublishTime = 6 * time.Hour
	} else if m := clockRE.FindStringSubmatch(f.PublishTime); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s.PublishTime = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute
	} else {
		p.add(lineOf(doc, "publish_time"), "publish_time %q must be a 24-hour time such as \"06:00\"", f.PublishTime)
	}
	s.authorityLine = lineOf(doc, "authority")
	switch {
	case s.Authority == "":
		p.add(lineOf(doc, "authority"), "authority is required: a domain you own and a date, e.g. post.example,2025")
	case !authorityRE.MatchString(s.Authority):
		p.add(lineOf(doc, "authority"), "authority %q must be a domain (or e-mail address), a comma and a date, e.g. post.example,2025", s.Authority)
	}
	if s.Author.Name == "" {
		p.add(lineOf(doc, "author"), "author.name is required")
	}
	if f.FeedLength != nil {
		if *f.FeedLength < 1 || *f.FeedLength > 500 {
			p.add(lineOf(doc, "feed_length"), "feed_length must be between 1 and 500")
		} else {
			s.FeedLength = *f.FeedLength
		}
	}
	for i, h := range f.WebSubHubs {
		u, err := HubURL(h)
		if err != nil {
			p.add(lineOf(doc, "websub_hubs", strconv.Itoa(i)), "websub_hubs: %v", err)
			continue
		}
		s.WebSubHubs = append(s.WebSubHubs, u)
	}
	parseBranding(&f, s, fsys, doc, p)
	parseFediverse(&f, s, doc, p)
	s.CacheMaxAge = duration(f.CacheMaxAge, 5*time.Minute, doc, p, "cache_max_age")
	s.StaleWhileRevalidate = duration(f.StaleWhileRevalidate, time.Hour, doc, p, "stale_while_revalidate")
	s.StaleIfError = duration(f.StaleIfError, 24*time.Hour, doc, p, "stale_if_error")

	names := map[string]bool{}
	for i, sf := range f.Sources {
		at := func(key string) int { return lineOf(doc, "sources", strconv.Itoa(i), key) }
		src := Source{
			Name:     Clean(strings.TrimSpace(sf.Name)),
			URL:      Clean(strings.TrimSpace(sf.URL)),
			Keep:     sf.Keep,
			Interval: duration(sf.Interval, 0, doc, p, "sources", strconv.Itoa(i), "interval"),
			MaxAge:   duration(sf.MaxAge, 0, doc, p, "sources", strconv.Itoa(i), "max_age"),
			Section:  Section(sf.Section),
		}
		for _, sp := range src.problems() {
			p.add(at(sp.key), "sources: %s", sp.msg)
		}
		if src.Name != "" && names[src.Name] {
			p.add(at("name"), "sources: %s", duplicateSource(src.Name))
		}
		names[src.Name] = true
		if name, ok := src.File(); ok && fsys != nil && checkSourceURL(src.URL) == "" {
			if _, err := fs.Stat(fsys, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				p.add(at("url"), "sources: url %q: %s", src.URL, readError(err))
			}
		}
		s.Sources = append(s.Sources, src)
	}
	return s
}

func duration(s string, def time.Duration, doc *yaml.Node, p problems, keys ...string) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.add(lineOf(doc, keys...), "%s %q is not a duration such as 90s, 5m or 1h", keys[len(keys)-1], s)
		return def
	}
	return d
}

func cleanPerson(p Person) Person {
	return Person{Name: Clean(strings.TrimSpace(p.Name)), Email: Clean(strings.TrimSpace(p.Email)), URL: Clean(strings.TrimSpace(p.URL))}
}

type listFile struct {
	Title string         `yaml:"title,omitempty"`
	Intro string         `yaml:"intro,omitempty"`
	Items []listItemFile `yaml:"items,omitempty"`
}

type listItemFile struct {
	Name        string `yaml:"name,omitempty"`
	Description string `yaml:"description,omitempty"`
	Link        string `yaml:"link,omitempty"`
	Source      string `yaml:"source,omitempty"`
}

type metricsFile struct {
	Title string   `yaml:"title,omitempty"`
	Rows  []Metric `yaml:"rows,omitempty"`
}

type issueFile struct {
	Date    string `yaml:"date,omitempty"`
	Draft   bool   `yaml:"draft,omitempty"`
	Place   string `yaml:"place,omitempty"`
	Weather string `yaml:"weather,omitempty"`
	Tagline string `yaml:"tagline,omitempty"`
	Updated string `yaml:"updated,omitempty"`
	// Published pins when the issue goes public and is dated, in place
	// of date: at publish_time (see Issue.Pinned).
	Published string       `yaml:"published,omitempty"`
	Metrics   *metricsFile `yaml:"metrics,omitempty"`
	Tools     *listFile    `yaml:"tools,omitempty"`
	Reading   *listFile    `yaml:"reading,omitempty"`
}

type articleFile struct {
	Section    string   `yaml:"section,omitempty"`
	Title      string   `yaml:"title,omitempty"`
	Slug       string   `yaml:"slug,omitempty"`
	Kicker     string   `yaml:"kicker,omitempty"`
	Standfirst string   `yaml:"standfirst,omitempty"`
	Rating     string   `yaml:"rating,omitempty"`
	PullQuote  string   `yaml:"pull_quote,omitempty"`
	Author     *Person  `yaml:"author,omitempty"`
	Tags       []string `yaml:"tags,omitempty"`
	Order      int      `yaml:"order,omitempty"`
	Draft      bool     `yaml:"draft,omitempty"`
	Updated    string   `yaml:"updated,omitempty"`
	Image      string   `yaml:"image,omitempty"`
	ImageAlt   string   `yaml:"image_alt,omitempty"`
	Published  string   `yaml:"published,omitempty"`
}

// UnmarshalYAML lets an author be written as a bare name.
func (p *Person) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		p.Name = n.Value
		return nil
	}
	type plain Person
	return n.Decode((*plain)(p))
}

var ratingRE = regexp.MustCompile(`^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$`)

// parseIssueFiles parses one issue folder's files as readIssueFiles
// returned them: issue.md, if present, first.
func parseIssueFiles(dir string, n int, files []rawFile, images []*Image, site *Site, rendered map[[sha256.Size]byte]*body, list, warn *Problems) *Issue {
	issuePath := dir + "/issue.md"
	iss := &Issue{site: site, Number: n, Path: issuePath, Images: images}
	if len(files) > 0 && files[0].name == issuePath {
		parseIssue(files[0].data, iss, site, problems{list: list, warn: warn, path: issuePath, off: 1, last: lastLine(files[0].data)})
		files = files[1:]
	}
	slugs := map[string]string{}
	var leads []*Article
	for _, file := range files {
		p, b := file.name, file.data
		a := parseArticle(b, strings.TrimSuffix(path.Base(p), ".md"), iss, site, rendered, problems{list: list, warn: warn, path: p, off: 1, last: lastLine(b)})
		if a == nil {
			continue
		}
		a.Path = p
		if other, dup := slugs[a.Slug]; dup {
			*list = append(*list, Problem{Path: p, Msg: fmt.Sprintf("slug %q is already used by %s; give one of them another slug:", a.Slug, other)})
		}
		slugs[a.Slug] = p
		if a.Section == Lead {
			leads = append(leads, a)
		}
		a.id, a.idNumber = a.ID(), iss.Number
		iss.Articles = append(iss.Articles, a)
	}
	secondLeads(leads, list)
	sort.SliceStable(iss.Articles, func(i, j int) bool {
		a, b := iss.Articles[i], iss.Articles[j]
		if sa, sb := sectionRank(a.Section), sectionRank(b.Section); sa != sb {
			return sa < sb
		}
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return a.Key < b.Key
	})
	return iss
}

func sectionRank(s Section) int {
	for i, v := range Sections {
		if v == s {
			return i
		}
	}
	return len(Sections)
}

func parseIssue(b []byte, iss *Issue, site *Site, p problems) {
	yml, body, ok := frontMatter(b)
	if !ok {
		p.addAt(1, "issue.md must start with front matter between two --- lines, holding at least date:")
		return
	}
	var f issueFile
	doc := decode(yml, &f, p)
	if doc == nil {
		return
	}
	iss.Draft = f.Draft
	iss.Place = Clean(strings.TrimSpace(f.Place))
	iss.Weather = Clean(strings.TrimSpace(f.Weather))
	iss.Tagline = Clean(strings.TrimSpace(f.Tagline))
	if iss.Tagline == "" {
		iss.Tagline = site.Tagline
	}
	if f.Date == "" {
		p.add(lineOf(doc, "date"), "date is required (YYYY-MM-DD)")
	} else if d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.Date), site.Location); err != nil {
		p.add(lineOf(doc, "date"), "date %q is not a date of the form 2026-04-25", f.Date)
	} else {
		iss.Date = d
		h := int(site.PublishTime / time.Hour)
		m := int(site.PublishTime % time.Hour / time.Minute)
		iss.PublishAt = time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, site.Location)
	}
	if f.Date != "" {
		iss.dateLine = lineOf(doc, "date") + p.off
	}
	if iss.Pinned = timeKey("published", f.Published, site, doc, p); !iss.Pinned.IsZero() {
		iss.PublishAt = iss.Pinned
	}
	iss.Updated = updatedTime(f.Updated, site, doc, p)
	if note := strings.TrimSpace(string(body)); note != "" && checkMarkdown(Clean(string(body)), bodyLine(yml), p) {
		html, err := Markdown(Clean(note))
		if err != nil {
			p.add(0, "editor's note: %v", err)
		}
		iss.Note = withImages(html, iss)
		iss.noteImages = checkImages(Clean(string(body)), bodyLine(yml), iss, p)
	}
	if f.Metrics != nil {
		m := &Metrics{Title: Clean(strings.TrimSpace(f.Metrics.Title))}
		for i, r := range f.Metrics.Rows {
			row := Metric{Label: Clean(strings.TrimSpace(r.Label)), Value: Clean(strings.TrimSpace(r.Value))}
			if row.Label == "" || row.Value == "" {
				p.add(lineOf(doc, "metrics", "rows", strconv.Itoa(i)), "metrics: every row needs a label and a value")
			}
			m.Rows = append(m.Rows, row)
		}
		iss.Metrics = m
	}
	iss.Tools = parseList(f.Tools, Tools, site, doc, p)
	iss.Reading = parseList(f.Reading, Reading, site, doc, p)
	checkIssuePlaceholders(iss, &f, doc, p)
}

func parseList(f *listFile, s Section, site *Site, doc *yaml.Node, p problems) *List {
	if f == nil {
		return nil
	}
	l := &List{Section: s, Title: p.title(Clean(strings.TrimSpace(f.Title)), lineOf(doc, string(s), "title"), string(s)+" title"), Intro: Clean(strings.TrimSpace(f.Intro))}
	if l.Title == "" {
		l.Title = site.SectionTitle(s)
	}
	for i, it := range f.Items {
		at := func(key string) int { return lineOf(doc, string(s), "items", strconv.Itoa(i), key) }
		item := ListItem{
			Name:        Clean(strings.TrimSpace(it.Name)),
			Description: Clean(strings.TrimSpace(it.Description)),
			Link:        Clean(strings.TrimSpace(it.Link)),
			Source:      Clean(strings.TrimSpace(it.Source)),
		}
		if item.Name == "" {
			p.add(at("name"), "%s: item %d needs a name", s, i+1)
		}
		if item.Description == "" {
			p.add(at("description"), "%s: item %d needs a description", s, i+1)
		}
		if item.Link != "" {
			if u, err := url.Parse(item.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.add(at("link"), "%s: link %q must be an absolute http(s) URL", s, item.Link)
			}
		}
		l.Items = append(l.Items, item)
	}
	return l
}

// HubURL checks the URL of a WebSub hub (websub_hubs:,
// MORNINGPOST_WEBSUB_HUBS) and returns it as written, trimmed.
func HubURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if s == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("hub %q must be an absolute http(s) URL such as https://pubsubhubbub.appspot.com/, without a fragment or credentials", s)
	}
	return s, nil
}

func updatedTime(s string, site *Site, doc *yaml.Node, p problems) time.Time {
	return timeKey("updated", s, site, doc, p)
}

// timeKey reads the time of front matter key (updated:, published:).
func timeKey(key, s string, site *Site, doc *yaml.Node, p problems) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(site.Location)
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, site.Location); err == nil {
			return t
		}
	}
	p.add(lineOf(doc, key), "%s %q is not a time such as 2026-04-25T09:30:00+01:00 or 2026-04-25 09:30", key, s)
	return time.Time{}
}

// newBody is an article's body of Markdown src, not rendered yet, or
// the body of the last load (bodies, by the hash of their Markdown; nil
// for none) when the Markdown is unchanged.
func newBody(src string, bodies map[[sha256.Size]byte]*body) *body {
	sum := sha256.Sum256([]byte(src))
	if b, ok := bodies[sum]; ok {
		return b
	}
	return &body{sum: sum, size: len(strings.TrimSpace(src)), src: src}
}

func parseArticle(b []byte, key string, iss *Issue, site *Site, rendered map[[sha256.Size]byte]*body, p problems) *Article {
	yml, body, ok := frontMatter(b)
	if !ok {
		p.addAt(1, "an article must start with front matter between two --- lines, holding at least title:")
		return nil
	}
	var f articleFile
	doc := decode(yml, &f, p)
	if doc == nil {
		return nil
	}
	a := &Article{
		Issue:      iss,
		Key:        key,
		Title:      Clean(strings.TrimSpace(f.Title)),
		Kicker:     Clean(strings.TrimSpace(f.Kicker)),
		Standfirst: Clean(strings.TrimSpace(f.Standfirst)),
		PullQuote:  Clean(strings.TrimSpace(f.PullQuote)),
		Order:      f.Order,
		Draft:      f.Draft,
		Author:     site.Author,
	}
	if !validKey(key) { // every valid slug is a valid key
		p.add(0, "file name %q: use letters, digits and hyphens (it is part of the entry's permanent ID)", key+".md")
	}
	switch {
	case f.Section != "":
		a.Section = Section(f.Section)
		a.sectionLine = lineOf(doc, "section") + p.off
		if !a.Section.IsArticle() {
			p.add(lineOf(doc, "section"), "section must be lead, deep-dive or opinion, not %q", f.Section)
		}
	case key == "lead":
		a.Section = Lead
	case key == "deep-dive":
		a.Section = DeepDive
	default:
		a.Section = Opinion
	}
	a.Title = p.title(a.Title, lineOf(doc, "title"), "title")
	if a.Title == "" {
		p.add(lineOf(doc, "title"), "title is required")
	}
	a.Slug = strings.TrimSpace(f.Slug)
	a.slugGiven = a.Slug != ""
	if a.Slug == "" {
		if a.Slug = Slugify(a.Title); a.Slug == "" {
			a.Slug = strings.ToLower(key)
		}
	} else if !validSlug(a.Slug) {
		p.add(lineOf(doc, "slug"), "slug %q may hold only a-z, 0-9 and single hyphens", a.Slug)
	}
	if f.Rating != "" {
		m := ratingRE.FindStringSubmatch(f.Rating)
		var r Rating
		if m != nil {
			r.Score, _ = strconv.Atoi(m[1])
			r.Scale, _ = strconv.Atoi(m[2])
		}
		if m == nil || r.Scale == 0 || r.Score > r.Scale {
			p.add(lineOf(doc, "rating"), "rating %q must be N/M with N at most M, e.g. 7/10", f.Rating)
		} else {
			a.Rating = &r
		}
	}
	if f.Author != nil {
		a.Author = cleanPerson(*f.Author)
		if a.Author.Name == "" {
			p.add(lineOf(doc, "author"), "author needs a name")
		}
	}
	for i, t := range f.Tags {
		if t = Clean(strings.TrimSpace(t)); t != "" {
			if TagSlug(t) == "" {
				p.add(lineOf(doc, "tags", strconv.Itoa(i)), "tag %q has no letters a-z or digits to make its URL (/tags/…) from", t)
			}
			a.Tags = append(a.Tags, t)
		}
	}
	a.Updated = updatedTime(f.Updated, site, doc, p)
	a.Pinned = timeKey("published", f.Published, site, doc, p)
	src := Clean(string(body))
	checkArticlePlaceholders(a, &f, doc, src, firstTextLine(yml, body), p)
	if checkMarkdown(src, bodyLine(yml), p) {
		a.images = checkImages(src, bodyLine(yml), iss, p)
		a.body = newBody(src, rendered)
	}
	leadImage(a, f.Image, f.ImageAlt, doc, p)
	if a.Standfirst != "" {
		a.summary = Truncate(a.Standfirst, SummaryLength)
	}
	return a
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// secondLeads makes a problem of every lead of an issue but one. The
// editor who made a second lead wrote section: lead in some other file
// than lead.md, so that file is blamed, on that line, and lead.md is
// kept as the lead.
func secondLeads(leads []*Article, list *Problems) {
	if len(leads) < 2 {
		return
	}
	keep := leads[0]
	for _, a := range leads {
		if a.Key == "lead" {
			keep = a
			break
		}
	}
	for _, a := range leads {
		if a == keep {
			continue
		}
		*list = append(*list, Problem{Path: a.Path, Line: a.sectionLine, Msg: fmt.Sprintf(
			"an issue has one lead, and %s is this issue's lead: set section: to deep-dive or opinion here", keep.Path)})
	}
}
