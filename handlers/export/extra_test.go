package export

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExtra: documents asked for by a list, with an Accept of their
// own, are written under names of their own and served at their URLs
// by the query or the Accept that picks them; _headers gives a folder's
// objects one rule, and _redirects the documents without a query.
func TestExtra(t *testing.T) {
	mux := http.NewServeMux()
	json := func(typ string, body func(r *http.Request) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept") != "application/activity+json" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", typ)
			w.Header().Set("Vary", "Accept")
			w.Write([]byte(body(r)))
		}
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<a href="/a/1">1</a> <a href="/a/2">2</a>`))
	})
	mux.HandleFunc("GET /a/{n}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "application/activity+json" {
			w.Header().Set("Content-Type", "application/activity+json")
			w.Header().Set("Vary", "Accept")
			w.Write([]byte(`{"n":` + r.PathValue("n") + `}`))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Vary", "Accept")
		w.Write([]byte("page " + r.PathValue("n")))
	})
	mux.HandleFunc("GET /ap/news", json("application/activity+json", func(*http.Request) string { return `{"actor":1}` }))
	mux.HandleFunc("GET /ap/news/outbox", json("application/activity+json", func(r *http.Request) string { return `{"page":"` + r.URL.Query().Get("page") + `"}` }))
	mux.HandleFunc("GET /.well-known/webfinger", json("application/jrd+json", func(r *http.Request) string { return `{"subject":"` + r.URL.Query().Get("resource") + `"}` }))

	const as = "application/activity+json"
	dir := t.TempDir()
	res, err := Export(t.Context(), dir, Options{
		Handler: mux, Base: &url.URL{Scheme: "https", Host: "x.example", Path: "/"}, Roots: []string{"/"}, Fallback: time.Unix(0, 0),
		Extra: []Extra{
			{Target: "/.well-known/webfinger?resource=acct%3Anews%40x.example", Accept: as, Arg: "resource", Match: "^acct(:|%3A)news(@|%40)x\\.example$"},
			{Target: "/ap/news", Accept: as},
			{Target: "/ap/news/outbox", Accept: as},
			{Target: "/ap/news/outbox?page=1", Accept: as, Arg: "page", Match: "^1$"},
			{Target: "/ap/news/outbox?page=2", Accept: as, Arg: "page", Match: "^2$"},
			{Target: "/a/1", Accept: as, Object: true},
			{Target: "/a/2", Accept: as, Object: true},
			{Target: "/nowhere", Accept: as}, // 404: left out
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != 3+7 {
		t.Errorf("%d documents, want 10", res.Documents)
	}
	for name, want := range map[string]string{
		".well-known/.webfinger/resource-acct_3Anews_40x.example": `{"subject":"acct:news@x.example"}`,
		"ap/.news/index":         `{"actor":1}`,
		"ap/news/.outbox/index":  `{"page":""}`,
		"ap/news/.outbox/page-2": `{"page":"2"}`,
		".objects/a/1":           `{"n":1}`,
		"a/1.html":               "page 1",
	} {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	conf := read(nginxName)
	for _, want := range []string{
		"location = \"/.well-known/webfinger\" {\n    if ($arg_resource ~* \"^acct(:|%3A)news(@|%40)x\\\\.example$\") { rewrite ^ \"/.well-known/.webfinger/resource-acct_3Anews_40x.example\" last; }\n    if ($arg_resource) { return 404; }\n    return 404;\n}",
		"    if ($arg_page ~* \"^2$\") { rewrite ^ \"/ap/news/.outbox/page-2\" last; }\n    if ($arg_page) { return 404; }\n",
		"    try_files \"/ap/news/.outbox/index\" =404;",
		"location ^~ \"/ap/news/.outbox/\" {\n    internal;\n    types { }\n    default_type \"application/activity+json\";",
		"location = \"/ap/news\" {",
		"    rewrite \"^(/.*)$\" \"/.objects$1\" last;",
		"location ^~ \"/.objects/\" {\n    internal;",
		"    add_header Vary \"Accept\";",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("_nginx.conf lacks\n%s\n", want)
		}
	}
	headers := read(headersName)
	if !strings.Contains(headers, "\n/.objects/*\n  Content-Type: application/activity+json\n") || strings.Contains(headers, "/.objects/a/") || strings.Contains(headers, "Vary") {
		t.Errorf("_headers: the objects want one rule, and no Vary:\n%s", headers)
	}
	redirects := read(redirectsName)
	for _, want := range []string{"/ap/news  /ap/.news/index  200\n", "/ap/news/outbox  /ap/news/.outbox/index  200\n", "/.well-known/webfinger  /.well-known/.webfinger/resource-acct_3Anews_40x.example  200\n"} {
		if !strings.Contains(redirects, want) {
			t.Errorf("_redirects lacks %q:\n%s", want, redirects)
		}
	}
	if strings.Contains(redirects, "page-") || strings.Contains(redirects, ".objects") {
		t.Errorf("_redirects answers a query's or an Accept's document:\n%s", redirects)
	}
}
