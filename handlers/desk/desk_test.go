package desk

import (
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
	"github.com/morningpost/morningpost/feed/upstream"
	"github.com/morningpost/morningpost/handlers/audience"
	"github.com/morningpost/morningpost/handlers/page"
)

const testToken = "desk-test-token-0123456789"

// newTestDesk is a desk over fsys, its pages' layout filled as the
// public site's are, without the site's icon.
func newTestDesk(t testing.TB, fsys fs.FS) *Desk {
	t.Helper()
	live, err := content.NewLive(fsys, content.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	static, err := page.LoadStatic()
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Deps{
		Token: testToken, Content: live, Feeds: feed.NewCache(64 << 20), Now: time.Now, Static: static,
		NewPage: func(snap *content.Snapshot, title, path string, _ content.Section) page.Page {
			return page.Page{Site: snap.Site, Title: title, Canonical: snap.Site.URL(path), CSS: static.URL("site.css"), Icon: static.URL("icon.png"),
				Feeds: []page.FeedLink{{Type: "application/atom+xml", Title: "t (Atom)", Href: snap.Site.URL("/feed.atom"), Format: "Atom"}}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

// Every template only the desk fills renders with its typed page,
// including the edge cases (nothing published yet); the public site's
// are TestTemplatesRenderEveryPage's in handlers.
func TestTemplatesRenderDeskPages(t *testing.T) {
	srv := newTestDesk(t, content.Sample())
	snap := srv.content.Content().Preview()
	empty := srv.content.At(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	iss := snap.Latest()
	pages := map[string][]any{
		"preview": {
			previewIndexPage{Page: srv.newPage(snap, "t", "/preview", ""), Pending: []pendingIssue{{Number: 87, Articles: []pendingArticle{{Title: "a", Status: content.StatusDraft}}}}, Problems: content.Problems{{Path: "p", Line: 1, Msg: "m"}}, Recent: snap.Issues},
			previewIndexPage{Page: srv.newPage(empty, "t", "/preview", "")},
		},
		"sources": {
			sourcesPage{Page: srv.newPage(snap, "t", "/sources", ""), States: []upstream.SourceState{{Name: "s", LastResult: "ok", LastError: "e", ErrorStreak: 2}},
				Items: []upstream.Item{{Title: "t", Link: "https://example.org/", SourceName: "s", Summary: "sum"}}, Source: "s", Query: "q"},
			sourcesPage{Page: srv.newPage(empty, "t", "/sources", "")},
		},
		"audience": {
			audiencePage{Page: srv.newPage(snap, "t", "/preview/audience", ""), Today: audience.Day{Date: "2026-12-01", Subscribers: 3},
				ByFeed: []audienceFeed{{Path: "/feed.atom", Share: "50%"}}, Readers: []nameCount{{"newsboat", 3}}, Bots: []nameCount{{"Googlebot", 1}},
				Charts: []chart{newChart("c", "C", []string{"a", "b"}, []chartPoint{{Date: "2026-12-01", Values: []int64{2, 1}}})}},
			audiencePage{Page: srv.newPage(empty, "t", "/preview/audience", ""), Today: audience.Day{Date: "2026-12-01"}},
		},
		"entries": {entriesPage{Page: srv.newPage(snap, "t", "/issues/87", ""), Shown: iss, Entries: []entryView{{Title: "t", Warnings: []string{"w"}}}}},
	}
	for _, name := range []string{"preview", "sources", "audience", "entries"} {
		if len(pages[name]) == 0 {
			t.Errorf("page %q has no render test", name)
		}
		for i, data := range pages[name] {
			b, err := srv.tmpl.Render(name, data)
			if err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			contains(t, name, string(b), `<link rel="canonical"`, `<link rel="alternate" type="application/atom+xml"`, `property="og:title"`, "</html>")
		}
	}
}

func TestEntryWarnings(t *testing.T) {
	p := readerPolicy()
	orig := `<p style="color:red" onclick="x()">Hi</p><script>alert(1)</script>` +
		`<img src="http://example.org/a.png"><img src="/local.png"><img src="https://ok.example/b.png">`
	clean := p.Sanitize(orig)
	if strings.Contains(clean, "script") || strings.Contains(clean, "style") || strings.Contains(clean, "onclick") {
		t.Fatalf("reader sanitiser kept %s", clean)
	}
	a := &content.Article{PullQuote: "A quote that is lost"}
	got := strings.Join(entryWarnings(orig, clean, a), "\n")
	for _, want := range []string{
		"Image http://example.org/a.png is not https",
		"Image /local.png is not an absolute https address",
		"removes 3 elements or attributes",
		"The pull quote is missing",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ok.example") {
		t.Error("warned about an https image")
	}
	if w := entryWarnings("<p>fine</p>", p.Sanitize("<p>fine</p>"), nil); len(w) != 0 {
		t.Errorf("clean entry warnings: %v", w)
	}
}

// Entries rendered from a snapshot of their issue alone are those of the
// whole archive's feeds, byte for byte.
func TestPreviewEntriesFromOneIssue(t *testing.T) {
	s := newTestDesk(t, content.Sample())
	snap := s.content.Content().Preview()
	for _, iss := range snap.Issues {
		whole, err := s.entryViews(snap, iss)
		if err != nil {
			t.Fatal(err)
		}
		one, err := s.entryViews(snap.Only(iss.Number), iss)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole) != len(one) {
			t.Fatalf("issue %d: %d entries, %d from the issue alone", iss.Number, len(whole), len(one))
		}
		for i := range whole {
			if whole[i].RSS != one[i].RSS || whole[i].Atom != one[i].Atom || whole[i].JSON != one[i].JSON {
				t.Errorf("issue %d entry %s differs when rendered from the issue alone", iss.Number, whole[i].ID)
			}
		}
	}
	if snap.Only(99) != nil {
		t.Error("Only(99) is not nil")
	}
}

// What a presented token is compared with has one length whatever the
// token's, so the time of a comparison cannot tell the token's length.
func TestPreviewAuthFixedLength(t *testing.T) {
	sizes := func(token string) []int {
		a, err := newPreviewAuth(token)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		v := reflect.ValueOf(a).Elem()
		for i := range v.NumField() {
			out = append(out, v.Field(i).Len())
		}
		return out
	}
	short, long := sizes("0123456789abcdef"), sizes("0123456789abcdef0123456789abcdef0123456789abcdef")
	if !reflect.DeepEqual(short, long) {
		t.Errorf("previewAuth holds %v for a 16-character token, %v for a 48-character one: the comparison's length follows the token's", short, long)
	}
	a, _ := newPreviewAuth("0123456789abcdef")
	if !a.tokenOK("0123456789abcdef") || a.tokenOK("0123456789abcdeF") || a.tokenOK("0123456789abcdef0") || a.tokenOK("") {
		t.Error("tokenOK accepts another token or refuses the token")
	}
}

// previewArchive is the sample plus n-1 generated issues, the newest a draft.
func previewArchive(b *testing.B, n int) (*Desk, int) {
	b.Helper()
	m := fstest.MapFS{}
	sample := content.Sample()
	_ = fs.WalkDir(sample, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(sample, p)
			m[p] = &fstest.MapFile{Data: data}
		}
		return err
	})
	last := time.Date(2026, 4, 24, 0, 0, 0, 0, time.UTC)
	for name, body := range content.Synthetic(n, last) {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	s := newTestDesk(b, m)
	return s, s.content.Content().Issues[0].Number
}

// BenchmarkPreviewEntries is the cost of "what readers will see" for the
// newest issue of an archive when the content has just changed (no cached
// entries): every entry rendered in three formats.
func BenchmarkPreviewEntries(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(strconv.Itoa(n)+"-issues", func(b *testing.B) {
			s, num := previewArchive(b, n)
			snap := s.content.Content().Preview()
			iss := snap.Issue(num)
			for b.Loop() {
				if _, err := s.entryViews(snap.Only(num), iss); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
