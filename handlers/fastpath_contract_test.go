package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/feed"
)

// The fast path answers feed requests without Echo, so what Echo's
// middleware does for a request the fast path must do itself. The
// middleware are listed in routes.go (server.middleware), each with how
// the fast path does the same; a middleware added anywhere else would
// not run on the requests the fast path answers. This fails until it is
// added to that list (or the feeds leave the fast path).
func TestFastPathMirrorsEveryMiddleware(t *testing.T) {
	for _, m := range (&server{}).middleware() {
		if m.fn == nil || strings.TrimSpace(m.mirror) == "" {
			t.Errorf("middleware %+v: say how the fast path does the same", m)
		}
	}
	// Use and Pre are Echo's ways to add middleware: one call of Use,
	// in newServer's loop over the list, and nothing else.
	calls := echoCalls(t, "Use", "Pre")
	if want := []string{"handlers.go: newServer: Use"}; !slices.Equal(calls, want) {
		t.Errorf("middleware is added at %v, want only %v (the loop over server.middleware)", calls, want)
	}
}

// echoCalls lists the calls of methods named names in the package's
// non-test files, as "file: function: method".
func echoCalls(t *testing.T, names ...string) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && slices.Contains(names, sel.Sel.Name) {
						calls = append(calls, name+": "+fn.Name.Name+": "+sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
	return calls
}

// The route table is what Echo serves: every line for GET and HEAD (or
// its own methods), nothing else; the fast path answers exactly the
// subscription feeds, which have no guard.
func TestRouteTableIsWhatEchoServes(t *testing.T) {
	ts := newTestServer(t, fixture())
	h, err := NewServer(Deps{Content: ts.live, Feeds: ts.feeds, PreviewToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range h.s.routes() {
		methods := r.methods
		if methods == nil {
			methods = getHead
		}
		for _, m := range methods {
			want[m+" "+r.path] = true
		}
	}
	got := map[string]bool{}
	for _, r := range h.e.Routes() {
		got[r.Method+" "+r.Path] = true
	}
	for r := range got {
		if !want[r] {
			t.Errorf("Echo serves %s, which the table does not list", r)
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("the table lists %s, which Echo does not serve", r)
		}
	}
	var subs []string
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			subs = append(subs, spec.Path(f))
		}
	}
	if fast := slices.Sorted(maps.Keys(h.routes)); !slices.Equal(fast, slices.Sorted(slices.Values(subs))) {
		t.Errorf("the fast path answers %v, want the subscription feeds %v", fast, subs)
	}
	// A private route answers 404 without the token, whatever its kind of handler.
	for _, r := range h.s.routes() {
		if r.kind != kindPrivate || strings.Contains(r.path, ":") {
			continue
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, r.path, nil))
		if code := rec.Code; code != http.StatusNotFound {
			t.Errorf("GET %s without the token: %d, want 404", r.path, code)
		}
	}
}

// checkTable refuses what the fast path and the export could not honour.
func TestCheckTable(t *testing.T) {
	s := &server{}
	good := s.routes()
	if err := checkTable(good); err != nil {
		t.Fatal(err)
	}
	guarded := s.subscription(feed.Specs()[0], feed.Atom)
	guarded.guard = s.desk.Require
	for name, c := range map[string]struct {
		r    route
		want string
	}{
		"twice":         {good[0], "listed twice"},
		"fast guarded":  {guarded, "fast path"},
		"private root":  {route{path: "/desk", kind: kindPrivate, h: s.desk.Index, root: true}, "export root"},
		"root w/ param": {route{path: "/x/:n", kind: kindPage, h: s.site.Issue, root: true}, "export root"},
	} {
		table := slices.Clone(good)
		if name == "fast guarded" {
			for i := range table {
				if table[i].path == guarded.path {
					table = slices.Delete(table, i, i+1)
					break
				}
			}
		}
		err := checkTable(append(table, c.r))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.r.path) {
			t.Errorf("%s: %v, want an error naming %s and %q", name, err, c.r.path, c.want)
		}
	}
}

// The export's URL set comes from the table: its roots, and the private
// and machine routes it never writes.
func TestExportSet(t *testing.T) {
	roots := ExportRoots()
	want := []string{"/", "/issues", "/feeds", "/feeds.opml", "/robots.txt", "/sitemap.xml", "/favicon.ico", "/icon.png", "/search"}
	for _, spec := range feed.Specs() {
		for _, f := range feed.Formats {
			want = append(want, spec.Path(f))
		}
	}
	for _, f := range feed.Formats {
		want = append(want, feed.SourcesPath(f))
	}
	if !slices.Equal(slices.Sorted(slices.Values(roots)), slices.Sorted(slices.Values(want))) {
		t.Errorf("roots %v, want %v", roots, want)
	}
	for p, never := range map[string]bool{
		"/preview": true, "/preview/issues/3": true, "/preview/issues/3/lead": true, "/preview/events": true,
		"/sources": true, "/healthz": true, "/metrics": true,
		"/sources/feed.rss": false, "/": false, "/issues/3": false,
		"/previewx": false, "/feed.atom": false, "/static/live.js": false,
		"/search/feed.atom": true, "/search": false, "/search/index.json": false,
	} {
		if got := NotExported(p); got != never {
			t.Errorf("NotExported(%q) = %v, want %v", p, got, never)
		}
	}
}
