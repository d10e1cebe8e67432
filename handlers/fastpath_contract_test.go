package handlers

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// The fast path answers feed requests without Echo, so what Echo's
// middleware does for a request the fast path must do itself. These are
// the middleware it mirrors, and how:
var fastPathMirrors = map[string]string{
	"(*server).observe-fm":      "answer calls s.record: metrics, access log and audience",
	"limitBody":                 "parseFastRequest hands over any request with a body",
	"recoverPanic":              "getFeed recovers a panic and hands the request over",
	"(*server).previewLogin-fm": "it acts on ?token= only, and the fast path answers no query",
}

// A middleware added with e.Pre or e.Use would not run on the requests
// the fast path answers: this fails until the fast path mirrors it and
// fastPathMirrors says how (or the feeds leave the fast path).
func TestFastPathMirrorsEveryMiddleware(t *testing.T) {
	ts := newTestServer(t, fixture())
	h, err := NewServer(Deps{Content: ts.live, Feeds: ts.feeds})
	if err != nil {
		t.Fatal(err)
	}
	if pre := middlewareNames(t, h.e, "premiddleware"); len(pre) > 0 {
		t.Errorf("Echo pre-middleware %v: the fast path does not run it", pre)
	}
	var got []string
	for _, name := range middlewareNames(t, h.e, "middleware") {
		got = append(got, name)
		if _, ok := fastPathMirrors[name]; !ok {
			t.Errorf("Echo middleware %s: the fast path does not run it; mirror it there and list it in fastPathMirrors", name)
		}
	}
	for name := range fastPathMirrors {
		if !slices.Contains(got, name) {
			t.Errorf("fastPathMirrors lists %s, which Echo no longer runs: the fast path must not do it either", name)
		}
	}
}

// middlewareNames reads the functions of Echo's unexported middleware
// list named field.
func middlewareNames(t *testing.T, e *echo.Echo, field string) []string {
	t.Helper()
	v := reflect.ValueOf(e).Elem().FieldByName(field)
	if !v.IsValid() || v.Kind() != reflect.Slice {
		t.Fatalf("echo.Echo has no %s list any more: find where this Echo version keeps its middleware", field)
	}
	var names []string
	for i := range v.Len() {
		name := runtime.FuncForPC(v.Index(i).Pointer()).Name()
		names = append(names, strings.TrimPrefix(name, "github.com/morningpost/morningpost/handlers."))
	}
	return names
}

// Route middleware is seen as routes are added, and a feed route with
// its own stops NewServer.
func TestFastRoutesHaveNoMiddleware(t *testing.T) {
	ts := newTestServer(t, fixture())
	s, _, err := newServer(Deps{Content: ts.live, Feeds: ts.feeds})
	if err != nil {
		t.Fatal(err)
	}
	if !s.routeMiddleware["/preview"] || !s.routeMiddleware["/sources"] {
		t.Errorf("the guarded routes are not seen as having middleware: %v", s.routeMiddleware)
	}
	h, err := NewServer(Deps{Content: ts.live, Feeds: ts.feeds})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.routes) < 12 {
		t.Errorf("the fast path answers only %d routes", len(h.routes))
	}
	if err := fastRoutesBare(h.routes, s.routeMiddleware); err != nil {
		t.Error(err)
	}
	err = fastRoutesBare(h.routes, map[string]bool{"/issues/feed.json": true})
	if err == nil || !strings.Contains(err.Error(), "/issues/feed.json") {
		t.Errorf("a feed route with middleware: %v", err)
	}
}
