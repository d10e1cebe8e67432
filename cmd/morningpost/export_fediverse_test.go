package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExportFediverseServedByNginx exports a site with a fediverse
// account (and its section accounts) and serves it with nginx and the
// export's _nginx.conf: WebFinger, host-meta, NodeInfo, the actors,
// their outboxes and pages, following, and each article's object at its
// page's URL by Accept answer with the bytes and the type serve gives
// at the same moment, from the same store (the same keys).
func TestExportFediverseServedByNginx(t *testing.T) {
	at := time.Date(2026, 6, 3, 12, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "post")
	// 30 issues of five articles, and the sample's: the newsletter's
	// outbox has several pages.
	if err := writeArchive(dir, 30, at); err != nil {
		t.Fatal(err)
	}
	site, err := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "morningpost.yaml", string(site)+"activitypub:\n  username: news\n  sections: true\n")
	out := filepath.Join(t.TempDir(), "site")
	exportOK(t, "--content", dir, "--at", at.Format(time.RFC3339), out)
	ngx := startNginx(t, out)
	srv := startServer(t, serveConfig{content: dir, data: exportEnv(out)["MORNINGPOST_DATA"], now: func() time.Time { return at }, accessLog: false})

	fetch := identityFetcher(t)
	const as = "application/activity+json"
	const ld = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	// same asks both for target and wants the same 200, bytes and
	// headers from nginx as from serve; it returns the body.
	same := func(target string, header ...string) []byte {
		t.Helper()
		s, sBody := fetch(srv, target, header...)
		n, nBody := fetch(ngx, target, header...)
		if s.StatusCode != 200 || n.StatusCode != 200 {
			t.Errorf("%s %v: serve %d, nginx %d", target, header, s.StatusCode, n.StatusCode)
			return nil
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Access-Control-Allow-Origin"} {
			if s.Header.Get(h) != n.Header.Get(h) {
				t.Errorf("%s %v: %s: serve %q, nginx %q", target, header, h, s.Header.Get(h), n.Header.Get(h))
			}
		}
		if !bytes.Equal(sBody, nBody) {
			t.Errorf("%s %v: nginx's bytes differ from serve's:\nserve: %.300s\nnginx: %.300s", target, header, sBody, nBody)
		}
		return nBody
	}

	host := "localhost:8080" // the sample's base_url
	for _, acct := range []string{"acct:news@" + host, "news@" + host, "acct%3Anews%40" + strings.Replace(host, ":", "%3A", 1), "http://" + host + "/ap/news", url.QueryEscape("http://" + host + "/ap/news")} {
		var wf struct {
			Subject string
			Links   []struct{ Rel, Type, Href string }
		}
		b := same("/.well-known/webfinger?resource=" + acct)
		if err := json.Unmarshal(b, &wf); err != nil || wf.Subject != "acct:news@"+host || len(wf.Links) == 0 || wf.Links[0].Href != "http://"+host+"/ap/news" {
			t.Errorf("webfinger %s: %v %+v", acct, err, wf)
		}
	}
	if b := same("/.well-known/webfinger?resource=acct:opinion@" + host); !bytes.Contains(b, []byte(`"acct:opinion@`+host+`"`)) {
		t.Errorf("webfinger of a section's account: %s", b)
	}
	same("/.well-known/host-meta")
	same("/.well-known/nodeinfo")
	same("/nodeinfo/2.1")

	for _, name := range []string{"news", "opinion", "lead"} {
		var actor struct {
			PreferredUsername string
			Outbox            string
			PublicKey         struct{ PublicKeyPem string }
		}
		b := same("/ap/"+name, "Accept", as)
		if err := json.Unmarshal(b, &actor); err != nil || actor.PreferredUsername != name || !strings.Contains(actor.PublicKey.PublicKeyPem, "PUBLIC KEY") {
			t.Errorf("actor %s: %v %+v", name, err, actor)
		}
		var outbox struct {
			TotalItems int
			First      string
		}
		if err := json.Unmarshal(same("/ap/"+name+"/outbox", "Accept", as), &outbox); err != nil {
			t.Errorf("outbox %s: %v", name, err)
		}
		pages := 0
		for next := outbox.First; next != ""; pages++ {
			var page struct {
				Next         string
				OrderedItems []json.RawMessage
			}
			target := strings.TrimPrefix(next, "http://"+host)
			if err := json.Unmarshal(same(target, "Accept", ld), &page); err != nil || len(page.OrderedItems) == 0 {
				t.Fatalf("%s: %v, %d items", target, err, len(page.OrderedItems))
			}
			next = page.Next
		}
		if name == "news" && (outbox.TotalItems <= 40 || pages < 3) {
			t.Errorf("the newsletter's outbox: %d items in %d pages; want several pages", outbox.TotalItems, pages)
		}
		same("/ap/"+name+"/following", "Accept", as)
		// The page past the last is a 404 from both.
		beyond := "/ap/" + name + "/outbox?page=" + strings.Repeat("9", 3)
		if n, _ := fetch(ngx, beyond); n.StatusCode != 404 {
			t.Errorf("%s: nginx %d", beyond, n.StatusCode)
		}
	}

	// Each article: the page to browsers, the object to ActivityPub
	// clients, both saying Vary: Accept.
	objects := 0
	for _, u := range exportedURLs(t, out) {
		if strings.Count(u, "/") != 3 || !strings.HasPrefix(u, "/issues/") || strings.Contains(u, "/page/") {
			continue
		}
		page := same(u)
		if !bytes.Contains(page, []byte("<html")) {
			t.Errorf("%s: no page to a browser", u)
		}
		for _, accept := range []string{as, ld, "application/activity+json, application/ld+json"} {
			o := same(u, "Accept", accept)
			if !bytes.Contains(o, []byte(`"type":"Article"`)) {
				t.Errorf("%s (%s): not an Article: %.200s", u, accept, o)
			}
		}
		for _, accept := range []string{"", as} {
			n, _ := fetch(ngx, u, "Accept", accept, "Accept-Encoding", "gzip")
			if vary := strings.Join(n.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept,") && !strings.HasSuffix(vary, "Accept") || !strings.Contains(vary, "Accept-Encoding") {
				t.Errorf("%s (Accept %q): Vary %q", u, accept, vary)
			}
		}
		objects++
	}
	if objects < 100 {
		t.Errorf("only %d articles compared", objects)
	}
	// Other pages answer as to anyone when asked for ActivityStreams.
	for _, u := range []string{"/", "/issues", "/feed.atom"} {
		same(u, "Accept", as)
	}
	// The files are reached by their URLs only; followers need serve.
	for _, u := range []string{"/.objects/issues/87/" + "x", "/ap/.news/index", "/ap/news/.outbox/page-1", "/.well-known/.webfinger/", "/ap/news/followers",
		"/.well-known/webfinger?resource=acct:nobody@" + host, "/.well-known/webfinger"} {
		if n, _ := fetch(ngx, u); n.StatusCode != 404 {
			t.Errorf("%s: nginx %d, want 404", u, n.StatusCode)
		}
	}
}

// TestExportFediverseUnderSubPathServedByNginx: a site under /blog/
// answers its account's documents and its articles' objects under that
// path from nginx, as serve does behind a proxy that strips it.
func TestExportFediverseUnderSubPathServedByNginx(t *testing.T) {
	at := time.Date(2026, 4, 26, 8, 0, 0, 0, time.UTC)
	dir := sampleFolder(t)
	site, err := os.ReadFile(filepath.Join(dir, "morningpost.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "morningpost.yaml", string(site)+"activitypub:\n  username: news\n")
	const base = "https://post.example/blog/"
	www := t.TempDir()
	out := filepath.Join(www, "blog")
	data := t.TempDir()
	if code, _, errOut := runCmd(t, map[string]string{"MORNINGPOST_DATA": data}, "export", "--content", dir, "--base-url", base, "--at", at.Format(time.RFC3339), out); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	port := startNginxProxy(t, func(port int) string {
		return fmt.Sprintf("server {\n\t\tlisten 127.0.0.1:%d;\n\t\troot %s;\n\t\tinclude %s/_nginx.conf;\n\t}", port, www, out)
	})
	ngx := fmt.Sprintf("http://127.0.0.1:%d/blog", port)
	srv := startServer(t, serveConfig{content: dir, data: data, baseURL: base, now: func() time.Time { return at }, accessLog: false})
	get := func(u, accept string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return roundTrip(t, http.DefaultTransport, req)
	}
	article := ""
	for _, u := range exportedURLs(t, out) {
		if strings.HasPrefix(u, "/issues/87/") && strings.Count(u, "/") == 3 {
			article = u
			break
		}
	}
	if article == "" {
		t.Fatal("no article of issue 87 exported")
	}
	for _, c := range []struct{ target, accept string }{
		{"/.well-known/webfinger?resource=acct:news@post.example", ""},
		{"/ap/news", "application/activity+json"},
		{"/ap/news/outbox?page=1", "application/activity+json"},
		{article, "application/activity+json"},
		{article, ""},
	} {
		s, sb := get(srv+c.target, c.accept)
		n, nb := get(ngx+c.target, c.accept)
		if s.StatusCode != 200 || n.StatusCode != 200 || !bytes.Equal(sb, nb) || s.Header.Get("Content-Type") != n.Header.Get("Content-Type") {
			t.Errorf("%s (Accept %q): serve %d %s, nginx %d %s; same bytes: %v", c.target, c.accept, s.StatusCode, s.Header.Get("Content-Type"), n.StatusCode, n.Header.Get("Content-Type"), bytes.Equal(sb, nb))
		}
	}
}
