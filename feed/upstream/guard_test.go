package upstream

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/morningpost/morningpost/content"
)

// deepXML is an RSS document with n nested elements inside an item:
// about 7*n bytes. gofeed alone dies on it (stack overflow) for n in the
// millions.
func deepXML(n int) []byte {
	var b bytes.Buffer
	b.Grow(7*n + 200)
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title><item><title>x</title>`)
	for range n {
		b.WriteString("<a>")
	}
	for range n {
		b.WriteString("</a>")
	}
	b.WriteString("</item></channel></rss>")
	return b.Bytes()
}

func TestHostileDeepNesting(t *testing.T) {
	doc := deepXML(2_000_000) // 14 MB
	if len(doc) < 14_000_000 {
		t.Fatalf("document is %d bytes, want 14 MB", len(doc))
	}
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(doc)
	}))
	// Raise the size cap so the document reaches the guard (with the
	// default 8 MiB cap it is refused for its size first).
	p, _ := newTestPoller(t, Options{MaxBodySize: 32 << 20}, content.Source{Name: "deep", URL: srv.URL})
	var r Result
	grew := heapGrowth(func() { r = pollOne(t, p) })
	if !errors.Is(r.Err, ErrGuard) || !strings.Contains(r.Err.Error(), "nested deeper") {
		t.Fatalf("err = %v, want the depth guard", r.Err)
	}
	if grew > memBound {
		t.Errorf("heap grew %d MiB, bound %d MiB", grew>>20, memBound>>20)
	}
	t.Logf("14 MB deep nesting: heap growth %.1f MiB", float64(grew)/(1<<20))

	p2, _ := newTestPoller(t, Options{}, content.Source{Name: "deep", URL: srv.URL})
	if r := pollOne(t, p2); !errors.Is(r.Err, ErrTooLarge) {
		t.Errorf("with default cap: err = %v, want ErrTooLarge", r.Err)
	}
}

func TestGuard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		doc     string
		refused bool
	}{
		{"ok rss", rssDoc("x", 0, rssItem{Title: "a"}), false},
		{"at depth limit", string(deepXML(MaxDepth - 4)), false},
		{"over depth limit", string(deepXML(MaxDepth)), true},
		{"json ok", `{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","title":"a"}]}`, false},
		{"json deep", `{"items":` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `}`, true},
		{"json brackets in strings", `{"title":"` + strings.Repeat("[", 1000) + `\"{{{"}`, false},
		{"too many items", "<rss><channel>" + strings.Repeat("<item/>", MaxItems+1) + "</channel></rss>", true},
		{"too many elements", "<rss><channel><item>" + strings.Repeat("<x/>", MaxElements+1) + "</item></channel></rss>", true},
		{"syntax error is the parser's business", "<rss><channel><item><title>a</tit", false},
		{"unclosed html tags", "<rss><channel><item><description>" + strings.Repeat("<br>", 300) + "</description></item></channel></rss>", false},
		{"unclosed html tags without end", "<rss><channel><item><description>" + strings.Repeat("<br>", maxVoidDepth+1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := guard([]byte(tc.doc))
			if refused := errors.Is(err, ErrGuard); refused != tc.refused {
				t.Errorf("guard = %v, want refused=%v", err, tc.refused)
			}
		})
	}
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>laughs</title>
<item><title>&lol9;</title><guid>1</guid><description>&lol9;&lol9;</description></item>
</channel></rss>`

func TestHostileBillionLaughs(t *testing.T) {
	srv := startServer(t, serveString(billionLaughs))
	p, store := newTestPoller(t, Options{}, content.Source{Name: "lol", URL: srv.URL})
	var r Result
	grew := heapGrowth(func() { r = pollOne(t, p) })
	if grew > memBound {
		t.Errorf("heap grew %d MiB, bound %d MiB", grew>>20, memBound>>20)
	}
	t.Logf("billion laughs: %s heap growth %.1f MiB", r.Outcome, float64(grew)/(1<<20))
	// Whether it parses is gofeed's choice; that nothing expanded is ours.
	items, _ := store.Items(t.Context(), ItemQuery{})
	for _, it := range items {
		if len(it.Title)+len(it.ContentHTML)+len(it.Summary) > 1000 || strings.Contains(it.Title, "lollol") {
			t.Errorf("entity expanded: title %d bytes, content %d bytes", len(it.Title), len(it.ContentHTML))
		}
	}
}

func TestHostileInvalidUTF8(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>` +
		"<item><guid>1</guid><title>bad \xff\xfe bytes \xc3</title><description>ctrl \x01\x02 chars</description></item></channel></rss>"
	srv := startServer(t, serveString(doc))
	p, store := newTestPoller(t, Options{}, content.Source{Name: "bad", URL: srv.URL})
	if r := pollOne(t, p); r.Err != nil {
		t.Fatalf("poll: %v", r.Err)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	if len(items) != 1 {
		t.Fatalf("got %d items", len(items))
	}
	it := items[0]
	if !utf8.ValidString(it.Title) || !strings.Contains(it.Title, "\uFFFD") || !strings.HasPrefix(it.Title, "bad ") {
		t.Errorf("title = %q, want valid UTF-8 with replacement characters", it.Title)
	}
	if it.Summary != "ctrl chars" {
		t.Errorf("summary = %q, want control characters removed", it.Summary)
	}
}

func TestLatin1WithoutDeclaration(t *testing.T) {
	doc := "<rss version=\"2.0\"><channel><title>Caf\xe9</title><item><guid>1</guid>" +
		"<title>Cr\xe8me br\xfbl\xe9e \x80 5</title></item></channel></rss>"
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml") // no charset either
		w.Write([]byte(doc))
	}))
	p, store := newTestPoller(t, Options{}, content.Source{Name: "latin", URL: srv.URL})
	if r := pollOne(t, p); r.Err != nil {
		t.Fatalf("poll: %v", r.Err)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	if len(items) != 1 || items[0].Title != "Crème brûlée € 5" {
		t.Errorf("items = %+v, want title %q", items, "Crème brûlée € 5")
	}
	st, _, _ := store.Source(t.Context(), "latin")
	if st.FeedTitle != "Café" {
		t.Errorf("feed title = %q", st.FeedTitle)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, header, want string
	}{
		{"utf-8 untouched", "<rss>é</rss>", "", "<rss>é</rss>"},
		{"bom stripped", "\xef\xbb\xbf<rss/>", "", "<rss/>"},
		{"declared latin-1 converted, declaration rewritten",
			`<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + "\xe9</rss>", "",
			`<?xml version="1.0" encoding="UTF-8"?><rss>é</rss>`},
		{"header charset", "<rss>\xe9</rss>", "iso-8859-1", "<rss>é</rss>"},
		{"declaration beats header", `<?xml version='1.0' encoding='utf-8'?><rss>é</rss>`, "iso-8859-1", `<?xml version='1.0' encoding='utf-8'?><rss>é</rss>`},
		{"utf-16", "\xff\xfe<\x00r\x00/\x00>\x00", "", "<r/>"},
		{"json latin-1", "{\"title\":\"caf\xe9\"}", "", `{"title":"café"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalize([]byte(tc.in), tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("normalize = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := normalize([]byte(`<?xml version="1.0" encoding="x-klingon"?><rss/>`), ""); err == nil {
		t.Error("unknown charset accepted")
	}
}

func TestJSONFeed(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://j.example/",
	"items":[{"id":"j1","url":"/posts/1","title":"Json item","content_html":"<p>Hello <script>x()</script><a href=\"/a\">a</a></p>","date_published":"2026-04-24T10:00:00Z"}]}`
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write([]byte(doc))
	}))
	p, store := newTestPoller(t, Options{Now: newClock().Now}, content.Source{Name: "json", URL: srv.URL})
	if r := pollOne(t, p); r.Err != nil || r.NewItems != 1 {
		t.Fatalf("result = %+v", r)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	it := items[0]
	if it.GUID != "j1" || it.Link != "https://j.example/posts/1" || strings.Contains(it.ContentHTML, "script") ||
		!strings.Contains(it.ContentHTML, `href="https://j.example/a"`) {
		t.Errorf("item = %+v", it)
	}
}

func TestAtomFeed(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
	<title>A</title><link href="https://a.example/"/><id>urn:a</id><updated>2026-04-24T10:00:00Z</updated>
	<entry><title>Atom item</title><id>urn:a:1</id><link href="https://a.example/1"/><updated>2026-04-24T10:00:00Z</updated>
	<author><name>Ada</name></author><summary>Short &amp; sweet</summary></entry></feed>`
	srv := startServer(t, serveString(doc))
	p, store := newTestPoller(t, Options{Now: newClock().Now}, content.Source{Name: "atom", URL: srv.URL})
	if r := pollOne(t, p); r.Err != nil || r.NewItems != 1 {
		t.Fatalf("result = %+v", r)
	}
	items, _ := store.Items(t.Context(), ItemQuery{})
	it := items[0]
	if it.GUID != "urn:a:1" || it.Author != "Ada" || it.Summary != "Short & sweet" || it.Updated.IsZero() {
		t.Errorf("item = %+v", it)
	}
}

// FuzzGuard feeds any bytes through normalisation, the guard and the
// parser: nothing may panic or hang, and what normalize returns is valid
// UTF-8.
func FuzzGuard(f *testing.F) {
	f.Add([]byte(rssDoc("t", 60, rssItem{Title: "a", Link: "https://e.example/a", GUID: "1", Description: "<p>x</p>"})), "")
	f.Add([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><entry><id>1</id><title>e</title></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1"}]}`), "utf-8")
	f.Add([]byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item><title>r</title></item></rdf:RDF>`), "")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>\xe9</title></channel></rss>"), "")
	f.Add([]byte(billionLaughs), "")
	f.Add(deepXML(MaxDepth+2), "")
	f.Fuzz(func(t *testing.T, body []byte, charset string) {
		norm, err := normalize(body, charset)
		if err == nil && !utf8.Valid(norm) {
			t.Fatalf("normalize returned invalid UTF-8")
		}
		parse(body, charset) // must not panic
	})
}
