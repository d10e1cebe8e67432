package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/morningpost/morningpost/content"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestSpecs(t *testing.T) {
	want := []string{
		"/feed.rss", "/feed.atom", "/feed.json",
		"/issues/feed.rss", "/issues/feed.atom", "/issues/feed.json",
		"/sections/lead/feed.rss", "/sections/lead/feed.atom", "/sections/lead/feed.json",
		"/sections/deep-dive/feed.rss", "/sections/deep-dive/feed.atom", "/sections/deep-dive/feed.json",
		"/sections/opinion/feed.rss", "/sections/opinion/feed.atom", "/sections/opinion/feed.json",
		"/sections/tools/feed.rss", "/sections/tools/feed.atom", "/sections/tools/feed.json",
		"/sections/reading/feed.rss", "/sections/reading/feed.atom", "/sections/reading/feed.json",
	}
	var got []string
	for _, s := range Specs() {
		if !s.Valid() {
			t.Errorf("%v not valid", s)
		}
		for _, f := range Formats {
			p := s.Path(f)
			got = append(got, p)
			if s2, f2, ok := ParsePath(p); !ok || s2 != s || f2 != f {
				t.Errorf("ParsePath(%q) = %v, %v, %v", p, s2, f2, ok)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paths:\n%q\nwant\n%q", got, want)
	}
	if _, _, ok := ParsePath("/feed.xml"); ok {
		t.Error("ParsePath(/feed.xml) ok")
	}
	snap := sampleSnap(t)
	for s, want := range map[Spec]string{
		{Kind: Articles}: "The AI Morning Post",
		{Kind: Issues}:   "The AI Morning Post — Issues",
		{Kind: SectionFeed, Section: content.Lead}: "The AI Morning Post — Lead Story",
	} {
		if got := s.Title(snap.Site); got != want {
			t.Errorf("%v.Title = %q, want %q", s, got, want)
		}
	}
	for f, want := range map[Format]string{RSS: "application/rss+xml; charset=utf-8", Atom: "application/atom+xml; charset=utf-8", JSON: "application/feed+json; charset=utf-8"} {
		if got := f.ContentType(); got != want {
			t.Errorf("%s.ContentType() = %q", f, got)
		}
	}
	for _, bad := range []Spec{{Kind: Articles, Section: content.Lead}, {Kind: SectionFeed, Section: "x"}, {Kind: 9}} {
		if bad.Valid() {
			t.Errorf("%+v valid", bad)
		}
	}
}

func TestGolden(t *testing.T) {
	snap := sampleSnap(t)
	for _, s := range Specs() {
		d := Build(snap, s)
		for _, f := range Formats {
			name := goldenName(s, f)
			t.Run(name, func(t *testing.T) {
				got, err := Render(d, f)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./feed -run TestGolden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; if the change is intended, run go test ./feed -run TestGolden -update\ngot:\n%s", name, got)
				}
			})
		}
	}
}

// TestSampleContent checks what the sample's feeds say, beyond their shape.
func TestSampleContent(t *testing.T) {
	snap := sampleSnap(t)
	arts := Build(snap, Spec{Kind: Articles})
	wantIDs := []string{
		"tag:morningpost.example,2025:issue-87/lead",
		"tag:morningpost.example,2025:issue-87/deep-dive",
		"tag:morningpost.example,2025:issue-87/editor",
		"tag:morningpost.example,2025:issue-87/guest",
	}
	if got := entryIDs(arts); !slices.Equal(got, wantIDs) {
		t.Errorf("article IDs %q, want %q", got, wantIDs)
	}
	issues := Build(snap, Spec{Kind: Issues})
	if len(issues.Entries) != 1 {
		t.Fatalf("issues feed: %d entries", len(issues.Entries))
	}
	c := issues.Entries[0].Item.Content
	for _, want := range []string{
		"<p>Saturday, 25 April 2026 · Manchester, United Kingdom · 6°C Cloudy · Issue #87</p>",
		"<p><strong>Lead Story</strong></p>",
		"<p>Rating: 7/10</p>",
		`<tr><th scope="row">Safetensors Adoption</th><td>60% of top models</td></tr>`,
		"<p><strong>Analysis</strong></p>",
		"<blockquote><p>When weekend warriors choose more complex but safer serialization formats",
		"<p><strong>Guest Column</strong></p>",
		"<h2>Tools of the Week</h2>",
		"<li><strong>GrayColor Model</strong> — Mysterious trending model",
		"<h2>Weekend Reading</h2>",
		`href="http://localhost:8080/issues/87/weekend-warriors"`,
	} {
		if !strings.Contains(c, want) {
			t.Errorf("issue content lacks %q", want)
		}
	}
	tools := Build(snap, Spec{Kind: SectionFeed, Section: content.Tools})
	if got := entryIDs(tools); !slices.Equal(got, []string{"tag:morningpost.example,2025:issue-87/tools"}) {
		t.Errorf("tools IDs %q", got)
	}
	lead := Build(snap, Spec{Kind: SectionFeed, Section: content.Lead})
	if got := entryIDs(lead); !slices.Equal(got, wantIDs[:1]) {
		t.Errorf("lead IDs %q", got)
	}
	if got := lead.Entries[0].Categories; !slices.Equal(got, []string{"Lead Story", "open-source", "models", "hugging-face"}) {
		t.Errorf("lead categories %q", got)
	}
	want := time.Date(2026, 4, 25, 5, 0, 0, 0, time.UTC)
	if !arts.Feed.Updated.Equal(want) {
		t.Errorf("updated %v, want %v", arts.Feed.Updated, want)
	}
	// Before the sample's publication time nothing is public.
	c0, _ := content.Load(content.Sample())
	empty := c0.At(time.Date(2026, 4, 25, 4, 59, 0, 0, time.UTC))
	for _, s := range Specs() {
		d := Build(empty, s)
		if len(d.Entries) != 0 || !d.Feed.Updated.IsZero() {
			t.Errorf("%v before publication: %d entries, updated %v", s, len(d.Entries), d.Feed.Updated)
		}
		checkAll(t, d)
	}
}

// checkAll renders d in every format and checks each against what feed
// validators require, and the three against each other through gofeed.
func checkAll(t *testing.T, d *Doc) {
	t.Helper()
	for _, f := range Formats {
		b, err := Render(d, f)
		if err != nil {
			t.Fatalf("%s: %v", d.Self(f), err)
		}
		switch f {
		case RSS:
			checkRSS(t, d, b)
		case Atom:
			checkAtom(t, d, b)
		case JSON:
			checkJSON(t, d, b)
		}
		checkRoundTrip(t, d, f, b)
	}
}

func TestValid(t *testing.T) {
	snaps := map[string]*content.Snapshot{
		"sample": sampleSnap(t),
		"synth":  load(t, synth(synthOptions{Issues: 12, BaseURL: "https://post.example/blog/"})),
	}
	for name, snap := range snaps {
		for _, s := range Specs() {
			t.Run(name+"/"+s.String(), func(t *testing.T) {
				d := Build(snap, s)
				if len(d.Entries) == 0 {
					t.Fatal("no entries")
				}
				checkAll(t, d)
			})
		}
	}
}

func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}

const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
)

type xmlLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// Namespaced fields come first: a field without a namespace matches an
// element of any namespace.
type rssCheck struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		AtomLinks     []xmlLink `xml:"http://www.w3.org/2005/Atom link"`
		Title         string    `xml:"title"`
		Link          string    `xml:"link"`
		Description   string    `xml:"description"`
		Language      string    `xml:"language"`
		LastBuildDate string    `xml:"lastBuildDate"`
		Generator     string    `xml:"generator"`
		Image         struct {
			URL   string `xml:"url"`
			Title string `xml:"title"`
			Link  string `xml:"link"`
		} `xml:"image"`
		Items []struct {
			Creator     []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Title       string   `xml:"title"`
			Link        string   `xml:"link"`
			Description string   `xml:"description"`
			PubDate     string   `xml:"pubDate"`
			Author      []string `xml:"author"`
			Categories  []string `xml:"category"`
			GUID        struct {
				ID          string `xml:",chardata"`
				IsPermaLink string `xml:"isPermaLink,attr"`
			} `xml:"guid"`
		} `xml:"item"`
	} `xml:"channel"`
}

func checkRSS(t *testing.T, d *Doc, b []byte) {
	t.Helper()
	wellFormed(t, b)
	for _, ns := range []string{`xmlns:atom="` + nsAtom + `"`, `xmlns:dc="` + nsDC + `"`, `xmlns:content="` + nsContent + `"`} {
		if !bytes.Contains(b[:500], []byte(ns)) {
			t.Errorf("RSS lacks %s", ns)
		}
	}
	var r rssCheck
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	ch := r.Channel
	if r.Version != "2.0" || ch.Title == "" || ch.Description == "" || !absURL(ch.Link) {
		t.Errorf("RSS channel: version %q title %q description %q link %q", r.Version, ch.Title, ch.Description, ch.Link)
	}
	if ch.Language != "en-gb" || !strings.HasPrefix(ch.Generator, "morningpost") {
		t.Errorf("RSS language %q generator %q", ch.Language, ch.Generator)
	}
	if !slices.Contains(ch.AtomLinks, xmlLink{Href: d.Self(RSS), Rel: "self", Type: "application/rss+xml"}) {
		t.Errorf("RSS atom:link self missing: %+v", ch.AtomLinks)
	}
	if ch.Image.URL != d.Icon || ch.Image.Title != ch.Title || ch.Image.Link != ch.Link {
		t.Errorf("RSS image %+v", ch.Image)
	}
	if len(d.Entries) > 0 {
		rfc822Date(t, ch.LastBuildDate, d.Feed.Updated)
	} else if ch.LastBuildDate != "" {
		t.Errorf("empty feed has lastBuildDate %q", ch.LastBuildDate)
	}
	if len(ch.Items) != len(d.Entries) {
		t.Fatalf("RSS: %d items, want %d", len(ch.Items), len(d.Entries))
	}
	for i, it := range ch.Items {
		e := d.Entries[i]
		if it.GUID.ID != e.Item.Id || it.GUID.IsPermaLink != "false" || !strings.HasPrefix(it.GUID.ID, "tag:") {
			t.Errorf("RSS guid %+v, want %q isPermaLink=false", it.GUID, e.Item.Id)
		}
		if it.Title != e.Item.Title || it.Title == "" || it.Description == "" || !absURL(it.Link) {
			t.Errorf("RSS item %q: title %q description %q link %q", e.Item.Id, it.Title, it.Description, it.Link)
		}
		if len(it.Author) != 0 || len(it.Creator) != 1 || it.Creator[0] == "" {
			t.Errorf("RSS item %q: author %q dc:creator %q", e.Item.Id, it.Author, it.Creator)
		}
		if !slices.Equal(it.Categories, e.Categories) || len(it.Categories) == 0 {
			t.Errorf("RSS item %q: categories %q", e.Item.Id, it.Categories)
		}
		rfc822Date(t, it.PubDate, e.Item.Created)
		if it.Content == "" {
			t.Errorf("RSS item %q: no content:encoded", e.Item.Id)
		}
		absoluteLinks(t, it.Content)
	}
}

func rfc822Date(t *testing.T, s string, want time.Time) {
	t.Helper()
	got, err := time.Parse(time.RFC1123Z, s)
	if err != nil || !got.Equal(want) || got.Year() < 1000 {
		t.Errorf("RFC 822 date %q: %v, want %v", s, err, want)
	}
}

type atomCheck struct {
	XMLName   xml.Name  `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string    `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID        string    `xml:"id"`
	Title     string    `xml:"title"`
	Subtitle  string    `xml:"subtitle"`
	Updated   string    `xml:"updated"`
	Icon      string    `xml:"icon"`
	Links     []xmlLink `xml:"link"`
	Author    []string  `xml:"author>name"`
	Generator struct {
		Name    string `xml:",chardata"`
		URI     string `xml:"uri,attr"`
		Version string `xml:"version,attr"`
	} `xml:"generator"`
	Entries []struct {
		ID        string    `xml:"id"`
		Title     string    `xml:"title"`
		Updated   string    `xml:"updated"`
		Published string    `xml:"published"`
		Links     []xmlLink `xml:"link"`
		Author    []string  `xml:"author>name"`
		Content   struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
		Summary struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"summary"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

func checkAtom(t *testing.T, d *Doc, b []byte) {
	t.Helper()
	wellFormed(t, b)
	var a atomCheck
	if err := xml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != d.Feed.Id || !strings.HasPrefix(a.ID, "tag:") || a.ID == d.Feed.Link.Href {
		t.Errorf("Atom feed id %q, want the tag URI %q", a.ID, d.Feed.Id)
	}
	if a.Title == "" || a.Subtitle == "" || a.Icon != d.Icon || len(a.Author) != 1 || a.Author[0] == "" || a.Lang != "en-GB" {
		t.Errorf("Atom feed: title %q subtitle %q icon %q author %q lang %q", a.Title, a.Subtitle, a.Icon, a.Author, a.Lang)
	}
	if a.Generator.Name != Generator || a.Generator.URI == "" || a.Generator.Version == "" {
		t.Errorf("Atom generator %+v", a.Generator)
	}
	if !slices.Contains(a.Links, xmlLink{Href: d.Self(Atom), Rel: "self", Type: "application/atom+xml"}) ||
		!slices.Contains(a.Links, xmlLink{Href: d.Feed.Link.Href, Rel: "alternate", Type: "text/html"}) {
		t.Errorf("Atom feed links %+v", a.Links)
	}
	want := d.Feed.Updated
	if want.IsZero() {
		want = zeroUpdated
	}
	rfc3339Date(t, a.Updated, want)
	if len(a.Entries) != len(d.Entries) {
		t.Fatalf("Atom: %d entries, want %d", len(a.Entries), len(d.Entries))
	}
	for i, ae := range a.Entries {
		e := d.Entries[i]
		if ae.ID != e.Item.Id || ae.Title != e.Item.Title {
			t.Errorf("Atom entry id %q title %q, want %q %q", ae.ID, ae.Title, e.Item.Id, e.Item.Title)
		}
		rfc3339Date(t, ae.Published, e.Item.Created)
		rfc3339Date(t, ae.Updated, e.Item.Updated)
		if !slices.Contains(ae.Links, xmlLink{Href: e.Item.Link.Href, Rel: "alternate", Type: "text/html"}) {
			t.Errorf("Atom entry %q links %+v", ae.ID, ae.Links)
		}
		if len(ae.Author) != 1 || ae.Author[0] != e.Item.Author.Name {
			t.Errorf("Atom entry %q author %q", ae.ID, ae.Author)
		}
		if ae.Content.Type != "html" || ae.Content.Body != e.Item.Content || ae.Summary.Type != "text" || ae.Summary.Body != e.Item.Description {
			t.Errorf("Atom entry %q content type %q summary type %q", ae.ID, ae.Content.Type, ae.Summary.Type)
		}
		var terms []string
		for _, c := range ae.Categories {
			terms = append(terms, c.Term)
		}
		if !slices.Equal(terms, e.Categories) || len(terms) == 0 {
			t.Errorf("Atom entry %q categories %q", ae.ID, terms)
		}
		absoluteLinks(t, ae.Content.Body)
	}
}

func rfc3339Date(t *testing.T, s string, want time.Time) {
	t.Helper()
	got, err := time.Parse(time.RFC3339, s)
	if err != nil || !got.Equal(want) {
		t.Errorf("RFC 3339 date %q: %v, want %v", s, err, want)
	}
}

func checkJSON(t *testing.T, d *Doc, b []byte) {
	t.Helper()
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	str := func(m map[string]any, k string) string {
		s, ok := m[k].(string)
		if !ok || s == "" {
			t.Errorf("JSON Feed: %q is %#v, want a string", k, m[k])
		}
		return s
	}
	if str(j, "version") != "https://jsonfeed.org/version/1.1" || str(j, "feed_url") != d.Self(JSON) || str(j, "home_page_url") != d.Feed.Link.Href {
		t.Errorf("JSON Feed version %v feed_url %v home_page_url %v", j["version"], j["feed_url"], j["home_page_url"])
	}
	for _, k := range []string{"title", "description", "language", "icon", "favicon"} {
		str(j, k)
	}
	if _, ok := j["author"]; ok {
		t.Error(`JSON Feed 1.1 has "authors", not the deprecated "author"`)
	}
	items, ok := j["items"].([]any)
	if !ok {
		t.Fatalf(`JSON Feed: "items" is %#v, want an array (even empty)`, j["items"])
	}
	if len(items) != len(d.Entries) {
		t.Fatalf("JSON Feed: %d items, want %d", len(items), len(d.Entries))
	}
	for i, v := range items {
		it := v.(map[string]any)
		e := d.Entries[i]
		if str(it, "id") != e.Item.Id || str(it, "title") != e.Item.Title || str(it, "url") != e.Item.Link.Href {
			t.Errorf("JSON item %d: id %v title %v url %v", i, it["id"], it["title"], it["url"])
		}
		str(it, "summary")
		str(it, "language")
		absoluteLinks(t, str(it, "content_html"))
		for k, want := range map[string]time.Time{"date_published": e.Item.Created, "date_modified": e.Item.Updated} {
			rfc3339Date(t, str(it, k), want)
		}
		authors, _ := it["authors"].([]any)
		if len(authors) != 1 || authors[0].(map[string]any)["name"] != e.Item.Author.Name {
			t.Errorf("JSON item %q authors %#v", e.Item.Id, it["authors"])
		}
		if _, ok := it["author"]; ok {
			t.Errorf(`JSON item %q has the deprecated "author"`, e.Item.Id)
		}
		tags, _ := it["tags"].([]any)
		if len(tags) != len(e.Categories) {
			t.Errorf("JSON item %q tags %#v", e.Item.Id, it["tags"])
		}
	}
}

// checkRoundTrip parses our output with gofeed, as feed readers would, and
// compares what comes back with the Doc.
func checkRoundTrip(t *testing.T, d *Doc, f Format, b []byte) {
	t.Helper()
	pf, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gofeed %s: %v", f, err)
	}
	if pf.Title != d.Feed.Title || pf.Link != d.Feed.Link.Href || pf.FeedLink != d.Self(f) || !strings.EqualFold(pf.Language, d.Language) {
		t.Errorf("gofeed %s: title %q link %q feed link %q language %q", f, pf.Title, pf.Link, pf.FeedLink, pf.Language)
	}
	if len(pf.Items) != len(d.Entries) {
		t.Fatalf("gofeed %s: %d items, want %d", f, len(pf.Items), len(d.Entries))
	}
	for i, it := range pf.Items {
		e := d.Entries[i]
		if it.GUID != e.Item.Id || it.Title != e.Item.Title || it.Link != e.Item.Link.Href {
			t.Errorf("gofeed %s item %d: guid %q title %q link %q, want %q %q %q", f, i, it.GUID, it.Title, it.Link, e.Item.Id, e.Item.Title, e.Item.Link.Href)
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(e.Item.Created) {
			t.Errorf("gofeed %s item %q: published %v, want %v", f, e.Item.Id, it.PublishedParsed, e.Item.Created)
		}
		if f != RSS && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(e.Item.Updated)) {
			t.Errorf("gofeed %s item %q: updated %v, want %v", f, e.Item.Id, it.UpdatedParsed, e.Item.Updated)
		}
		// gofeed strips what looks like markup from names; compare names
		// that have none.
		plain := !strings.ContainsAny(e.Item.Author.Name, "<>&")
		if len(it.Authors) != 1 || plain && it.Authors[0].Name != e.Item.Author.Name {
			var names []string
			for _, a := range it.Authors {
				names = append(names, a.Name+" <"+a.Email+">")
			}
			t.Errorf("gofeed %s item %q: authors %q, want %q", f, e.Item.Id, names, e.Item.Author.Name)
		}
		if !slices.Equal(it.Categories, e.Categories) {
			t.Errorf("gofeed %s item %q: categories %q, want %q", f, e.Item.Id, it.Categories, e.Categories)
		}
	}
}

func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// absoluteLinks checks that every href and src in an HTML fragment is an
// absolute URL: feed readers have no base URL.
func absoluteLinks(t *testing.T, fragment string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		for _, a := range z.Token().Attr {
			if (a.Key == "href" || a.Key == "src") && !absURL(a.Val) {
				t.Errorf("relative URL %s=%q in content", a.Key, a.Val)
			}
		}
	}
}

func TestAbsoluteURLs(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 3, BaseURL: "https://post.example/blog/", Slug: func(_ int, k string) string { return k }}))
	d := Build(snap, Spec{Kind: SectionFeed, Section: content.Lead})
	c := d.Entries[0].Item.Content
	for _, want := range []string{
		`href="https://post.example/blog/issues/2"`,            // site-relative, under the base path
		`href="https://post.example/blog/issues/3/lead#notes"`, // fragment: the article's page
		`href="https://post.example/blog/issues/3/lead-2"`,     // page-relative
		`href="https://example.org/x?a=1&amp;b=2"`,             // absolute: untouched
		`src="https://post.example/blog/img/chart.png"`,        // images too
	} {
		if !strings.Contains(c, want) {
			t.Errorf("content lacks %s:\n%s", want, c)
		}
	}
	is := Build(snap, Spec{Kind: Issues}).Entries[0].Item.Content
	if !strings.Contains(is, `href="https://post.example/blog/about"`) {
		t.Errorf("editor's note link not absolute:\n%s", is)
	}
}

// TestStableIDs: entry and feed IDs do not depend on titles, slugs,
// bodies or the base URL.
func TestStableIDs(t *testing.T) {
	base := synthOptions{Issues: 5}
	variants := map[string]synthOptions{
		"title":    {Issues: 5, Title: func(n int, k string) string { return "Another title " + k }},
		"slug":     {Issues: 5, Slug: func(n int, k string) string { return "renamed-" + k }},
		"body":     {Issues: 5, Body: func(int, string) string { return "Completely different.\n" }},
		"base URL": {Issues: 5, BaseURL: "https://elsewhere.example/news/"},
	}
	a := load(t, synth(base))
	for name, o := range variants {
		b := load(t, synth(o))
		for _, s := range Specs() {
			da, db := Build(a, s), Build(b, s)
			if ia, ib := entryIDs(da), entryIDs(db); !slices.Equal(ia, ib) || len(ia) == 0 {
				t.Errorf("%s changed, %v: IDs\n%q\n%q", name, s, ia, ib)
			}
			if da.Feed.Id != db.Feed.Id {
				t.Errorf("%s changed, %v: feed ID %q -> %q", name, s, da.Feed.Id, db.Feed.Id)
			}
		}
	}
	d := Build(a, Spec{Kind: Articles})
	if got, want := d.Entries[0].Item.Id, "tag:post.example,2025:issue-5/lead"; got != want {
		t.Errorf("first ID %q, want %q", got, want)
	}
}

// TestOrder: newest first, then issue number, then print order.
func TestOrder(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 3}))
	got := entryIDs(Build(snap, Spec{Kind: Articles}))
	var want []string
	for n := 3; n >= 1; n-- {
		for _, k := range []string{"lead", "deep-dive", "editor", "guest"} {
			want = append(want, "tag:post.example,2025:issue-"+string(rune('0'+n))+"/"+k)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("order\n%q\nwant\n%q", got, want)
	}
	// Issue 30 was corrected after issue 31 came out: the feed's updated
	// time is its correction, not the newest publication.
	snap = load(t, synth(synthOptions{Issues: 31}))
	d := Build(snap, Spec{Kind: Articles})
	if first := d.Entries[0].Item.Updated; !d.Feed.Updated.After(first) {
		t.Errorf("feed updated %v, want the later correction (first entry %v)", d.Feed.Updated, first)
	}
}

func TestCapAndSize(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 100}))
	for _, s := range Specs() {
		d := Build(snap, s)
		if len(d.Entries) != DefaultFeedLength {
			t.Errorf("%v: %d entries, want %d", s, len(d.Entries), DefaultFeedLength)
		}
		for _, f := range Formats {
			b, err := Render(d, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 1<<20/2 {
				t.Errorf("%s: %d bytes, want well under 1 MB", s.Path(f), len(b))
			}
		}
	}
	short := load(t, synth(synthOptions{Issues: 10, FeedLength: 5}))
	for _, s := range Specs() {
		if n := len(Build(short, s).Entries); n != 5 {
			t.Errorf("feed_length 5, %v: %d entries", s, n)
		}
	}
	for _, s := range Specs() {
		for _, f := range Formats {
			b, _ := Render(Build(sampleSnap(t), s), f)
			if len(b) > 64<<10 {
				t.Errorf("sample %s: %d bytes", s.Path(f), len(b))
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	fsys := synth(synthOptions{Issues: 12})
	a, b := load(t, fsys), load(t, fsys)
	for _, s := range Specs() {
		for _, f := range Formats {
			x, err := Render(Build(a, s), f)
			if err != nil {
				t.Fatal(err)
			}
			y, _ := Render(Build(a, s), f)
			z, _ := Render(Build(b, s), f)
			if !bytes.Equal(x, y) || !bytes.Equal(x, z) {
				t.Errorf("%s: different bytes from the same content", s.Path(f))
			}
		}
	}
}

// TestDirtyStrings: whatever reaches Build, the output parses.
func TestDirtyStrings(t *testing.T) {
	dirty := []string{
		"nul\x00 bell\x07 escape\x1b form\x0c",
		"invalid \xff\xfe utf-8 \xc3",
		"non-characters \uFFFE \uFFFF",
		"cdata end ]]> and <![CDATA[ start",
		"<script>alert(1)</script> & < > \" '",
		"  many \t\n  spaces  ",
		"",
		"\u2028line\u2029separators",
	}
	for _, s := range dirty {
		snap := dirtySnap(t, s, s, s, s, s)
		for _, sp := range []Spec{{Kind: Articles}, {Kind: Issues}, {Kind: SectionFeed, Section: content.Tools}} {
			checkAll(t, Build(snap, sp))
		}
	}
}

// dirtySnap is the sample with the given strings in the newest article and
// its issue, made clean as content makes every text it gives out
// (content.Clean; content's FuzzLoad holds the loader to it): feed must
// render any clean text, and cleans nothing again.
func dirtySnap(t testing.TB, title, body, summary, author, tag string) *content.Snapshot {
	title, body, summary, author, tag = content.Clean(title), content.Clean(body), content.Clean(summary), content.Clean(author), content.Clean(tag)
	snap := sampleSnap(t)
	a := snap.Articles()[0]
	a.Title = title
	a.SetBody(template.HTML(body), summary)
	a.Standfirst = summary
	a.PullQuote = body
	a.Kicker = tag
	a.Author = content.Person{Name: author, Email: author, URL: author}
	a.Tags = []string{tag, tag + "x"}
	iss := snap.Issues[0]
	iss.Place = title
	iss.Weather = tag
	iss.Note = template.HTML(body)
	iss.Tools.Items[0].Name = title
	iss.Tools.Items[0].Description = summary
	iss.Tools.Items[0].Link = body
	iss.Tools.Intro = summary
	iss.Metrics.Rows[0].Label = tag
	return snap
}

func TestRenderEntry(t *testing.T) {
	snap := sampleSnap(t)
	s := Spec{Kind: Articles}
	id := "tag:morningpost.example,2025:issue-87/deep-dive"
	for _, f := range Formats {
		b, err := RenderEntry(snap, s, id, f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(id)) {
			t.Errorf("%s entry lacks its ID:\n%s", f, b)
		}
		if f == JSON {
			if !json.Valid(b) {
				t.Errorf("JSON entry not JSON:\n%s", b)
			}
		} else {
			wellFormed(t, b)
		}
		// The entry appears, as it is, in the feed.
		feed, _ := Render(Build(snap, s), f)
		if f != JSON && !strings.Contains(unindent(feed), unindent(b)) {
			t.Errorf("%s entry not found verbatim in the feed:\n%s", f, b)
		}
	}
	if _, err := RenderEntry(snap, s, "tag:nope", RSS); err == nil {
		t.Error("RenderEntry of a missing ID: no error")
	}
}

func unindent(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}
