package export

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/morningpost/morningpost/content"
)

// The files an export writes for the servers, beside the documents.
const (
	nginxName     = "_nginx.conf"
	headersName   = "_headers"
	redirectsName = "_redirects"
	notFoundName  = "404.html"
)

// writeConfig writes the not-found page and the configuration of nginx,
// Netlify and Cloudflare Pages for the documents exported.
func (x *exporter) writeConfig(docs []*document, res *Result) error {
	nf := x.get("/"+notFoundName, "identity")
	if nf.Code != http.StatusNotFound {
		return fmt.Errorf("export: /%s is a URL of the site; the not-found page needs that file name", notFoundName)
	}
	nfHeader := configHeaders(nf.Result().Header)
	body := nf.Body.Bytes()
	both := func() ([]byte, []byte, error) { return compressBoth(body) }
	if _, err := x.out.putDocument(notFoundName, body, sum(body), both, true, false, time.Time{}, x.opts.Fallback); err != nil {
		return err
	}

	types := extensionTypes(docs)
	moved := x.moved(docs)
	conf, err := nginxConf(docs, types, nfHeader, moved, strings.TrimSuffix(x.opts.Base.Path, "/"))
	if err != nil {
		return err
	}
	if err := x.out.putFile(nginxName, conf, x.opts.Fallback); err != nil {
		return err
	}
	headers, n := headersFile(docs, types)
	res.HeaderRules = n
	if err := x.out.putFile(headersName, headers, x.opts.Fallback); err != nil {
		return err
	}
	return x.out.putFile(redirectsName, redirectsFile(moved, extraRedirects(docs)), x.opts.Fallback)
}

// moved are the Moved of the options whose targets are exported
// documents, and whose own paths are not.
func (x *exporter) moved(docs []*document) []content.Move {
	paths := make(map[string]bool, len(docs))
	for _, d := range docs {
		paths[d.path] = true
	}
	var out []content.Move
	for _, m := range x.opts.Moved {
		if paths[m.To] && !paths[m.From] && !strings.ContainsAny(m.From+m.To, "$\"{}; \t\n") {
			out = append(out, m)
		}
	}
	return out
}

// ext is the extension nginx sees on the document's file.
func (d *document) ext() string { return strings.TrimPrefix(path.Ext(d.file), ".") }

// extensionTypes maps each file extension to the one Content-Type of
// every document whose file has it; an extension shared by documents of
// different types, and files without one, are left out (their
// locations set the type themselves).
func extensionTypes(docs []*document) map[string]string {
	types := map[string]string{"html": "text/html; charset=utf-8"} // the not-found page
	mixed := map[string]bool{}
	for _, d := range docs {
		e, ct := d.ext(), d.header.Get("Content-Type")
		switch {
		case e == "" || strings.ContainsAny(e, " ;{}\"'") || mixed[e]:
		case types[e] == "" || types[e] == ct:
			types[e] = ct
		default:
			delete(types, e)
			mixed[e] = true
		}
	}
	return types
}

// profile is what a location must say for a document: how its file is
// found and which headers it adds.
func (d *document) profile(types map[string]string) string {
	var b strings.Builder
	if d.page {
		b.WriteString("page\n")
	}
	writeHeader(&b, locationHeader(d.header, types[d.ext()] != ""))
	for _, v := range d.variants {
		b.WriteString("?" + v.query + "\n")
		writeHeader(&b, locationHeader(v.header, types[d.ext()] != ""))
	}
	return b.String()
}

func writeHeader(b *strings.Builder, h http.Header) {
	for _, k := range sortedKeys(h) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

// locationHeader is h without Content-Type when the file's extension
// gives it.
func locationHeader(h http.Header, typed bool) http.Header {
	if !typed {
		return h
	}
	h = h.Clone()
	delete(h, "Content-Type")
	return h
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// node is one folder of URL paths: the documents directly in it and its
// subfolders.
type node struct {
	dir  string // "/", "/archive/", …
	docs []*document
	kids map[string]*node
}

// tree is the folders of docs' paths, or, for _headers (byFile), of
// the paths their files are found at (document.headersPath).
func tree(docs []*document, byFile bool) *node {
	root := &node{dir: "/", kids: map[string]*node{}}
	for _, d := range docs {
		n := root
		p := d.path
		if byFile {
			p = d.headersPath()
		}
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		for _, p := range parts[:len(parts)-1] {
			k := n.kids[p]
			if k == nil {
				k = &node{dir: n.dir + p + "/", kids: map[string]*node{}}
				n.kids[p] = k
			}
			n = k
		}
		n.docs = append(n.docs, d)
	}
	return root
}

func (n *node) sortedKids() []*node {
	keys := make([]string, 0, len(n.kids))
	for k := range n.kids {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*node, len(keys))
	for i, k := range keys {
		out[i] = n.kids[k]
	}
	return out
}

// count adds the profiles of every document below n to c.
func (n *node) count(c map[string]int, key func(*document) string) {
	for _, d := range n.docs {
		c[key(d)]++
	}
	for _, k := range n.kids {
		k.count(c, key)
	}
}

// mostCommon is the most frequent key, the first in order on a tie.
func mostCommon(c map[string]int) string {
	best, bestN := "", -1
	for k, n := range c {
		if n > bestN || n == bestN && k < best {
			best, bestN = k, n
		}
	}
	return best
}

// exact reports whether a document needs a location of its own whatever
// its folder's: the root page, names the guard location refuses
// (.html, .gz, .br, a trailing slash) and documents with query variants.
func (d *document) exact() bool {
	return d.path == "/" || len(d.variants) > 0 || guarded.MatchString(d.path) || d.extra != nil
}

// guarded are the paths nginx answers 404 unless a document has that
// exact path: pages' files, compressed siblings, folders, dot-files.
var guarded = regexp.MustCompile(`(\.(html|gz|br)|./)$|/\.`)

// nginxConf is the include for a server block serving the export.
// Each folder of URLs gets a prefix location for its most common
// profile when it differs from its parent's, and each document whose
// profile differs from its folder's an exact location. Locations serve
// only files named from the URL (try_files), so nothing else in the
// folder is reachable; the redirects serve answers come first
// (writeRedirects).
//
// prefix is the path of the base URL ("/blog", or "" at the root of the
// host): every location, and the files named, are under it, so that the
// export is served from a folder of that name under the server's root.
func nginxConf(docs []*document, types map[string]string, notFound http.Header, moved []content.Move, prefix string) ([]byte, error) {
	docs, byQuery, objects := splitExtra(docs)
	var b strings.Builder
	b.WriteString(`# Written by "morningpost export"; every export rewrites it.
#
`)
	if prefix == "" {
		b.WriteString(`# Include it in a server block whose root is this folder:
#
#   server {
#       listen 80;
#       server_name post.example;
#       root /srv/post;
#       include /srv/post/_nginx.conf;
#   }
`)
	} else {
		fmt.Fprintf(&b, `# The site is under %[1]s/: put this folder at %[1]s under the root of a
# server block, and include it there:
#
#   server {
#       listen 80;
#       server_name post.example;
#       root /srv/www;                      # this folder is /srv/www%[1]s
#       include /srv/www%[1]s/_nginx.conf;
#   }
`, prefix)
	}
	b.WriteString(`#
# nginx then answers each URL as "morningpost serve" does: the same
# paths, Content-Type, Cache-Control and other headers, gzip from the
# .gz files beside each document, Last-Modified from the file times
# the export set, and 404 for anything else.

`)
	b.WriteString("types {\n")
	for _, e := range sortedMapKeys(types) {
		fmt.Fprintf(&b, "    %s %s;\n", quote(types[e]), e)
	}
	b.WriteString("}\ndefault_type application/octet-stream;\n")
	b.WriteString(`gzip off;
gzip_static on;
gzip_vary on;
gzip_proxied any;
etag on;
if_modified_since exact;
`)
	fmt.Fprintf(&b, "error_page 404 %s/404.html;\n\nlocation = %s/404.html {\n    internal;\n", prefix, prefix)
	if err := addHeaders(&b, notFound, "", true); err != nil {
		return nil, err
	}
	b.WriteString("}\n\n# Not documents of the site.\n")
	for _, n := range []string{nginxName, headersName, redirectsName, manifestName, stateName} {
		fmt.Fprintf(&b, "location = %s/%s { return 404; }\n", prefix, n)
	}
	writeRedirects(&b, docs, moved, prefix)
	b.WriteString("location ~ \"(\\.(html|gz|br)|./)$\" { return 404; }\n")
	// Dot-files are the export's own (its journal, its temporary files),
	// never documents.
	b.WriteString("location ~ \"/\\.\" { return 404; }\n")
	if err := nginxExtra(&b, byQuery, objects, prefix); err != nil {
		return nil, err
	}

	// Each document's profile once: emit asks for it at every folder
	// above the document.
	profiles := make(map[*document]string, len(docs))
	for _, d := range docs {
		profiles[d] = d.profile(types)
	}
	key := func(d *document) string { return profiles[d] }
	var emit func(n *node, inherited string) error
	emit = func(n *node, inherited string) error {
		c := map[string]int{}
		n.count(c, key)
		if best := mostCommon(c); best != inherited || n.dir == "/" {
			var rep *document
			n.each(func(d *document) {
				if rep == nil && key(d) == best {
					rep = d
				}
			})
			if err := location(&b, "location "+quote(prefix+n.dir), rep, types, false, prefix); err != nil {
				return err
			}
			inherited = best
		}
		for _, d := range n.docs {
			if d.exact() || key(d) != inherited {
				if err := location(&b, "location = "+quote(prefix+d.path), d, types, true, prefix); err != nil {
					return err
				}
			}
		}
		for _, k := range n.sortedKids() {
			if err := emit(k, inherited); err != nil {
				return err
			}
		}
		return nil
	}
	if len(docs) == 0 {
		fmt.Fprintf(&b, "location %s/ { return 404; }\n", prefix)
		return []byte(b.String()), nil
	}
	if err := emit(tree(docs, false), ""); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// each calls f for every document below n.
func (n *node) each(f func(*document)) {
	for _, d := range n.docs {
		f(d)
	}
	for _, k := range n.sortedKids() {
		k.each(f)
	}
}

// location writes one location block serving documents like d: exact
// for d alone, else for the folder it opens.
func location(b *strings.Builder, head string, d *document, types map[string]string, exact bool, prefix string) error {
	if strings.ContainsAny(d.file, "$") {
		return fmt.Errorf("export: %s: nginx cannot name the file %s (a $ in a path)", d.path, d.file)
	}
	fmt.Fprintf(b, "\n%s {\n", head)
	typed := types[d.ext()] != ""
	if !typed {
		fmt.Fprintf(b, "    types { }\n    default_type %s;\n", quote(d.header.Get("Content-Type")))
	}
	h := locationHeader(d.header, true)
	if exact && len(d.variants) > 0 {
		// The same file under a query string, with other headers: a
		// variable per header that differs, set by the query.
		names := map[string]bool{}
		for k := range h {
			names[k] = true
		}
		for _, v := range d.variants {
			for k := range locationHeader(v.header, true) {
				names[k] = true
			}
		}
		varying := map[string]bool{}
		for k := range names {
			for _, v := range d.variants {
				if strings.Join(v.header[k], ", ") != strings.Join(h[k], ", ") {
					varying[k] = true
				}
			}
		}
		for _, k := range sortedMapKeys(varying) {
			fmt.Fprintf(b, "    set %s %s;\n", headerVar(k), quote(strings.Join(h[k], ", ")))
		}
		for _, v := range d.variants {
			fmt.Fprintf(b, "    if (%s) {\n", queryCondition(v.query))
			for _, k := range sortedMapKeys(varying) {
				fmt.Fprintf(b, "        set %s %s;\n", headerVar(k), quote(strings.Join(v.header[k], ", ")))
			}
			b.WriteString("    }\n")
		}
		for _, k := range sortedMapKeys(varying) {
			fmt.Fprintf(b, "    add_header %s %s;\n", k, headerVar(k))
			delete(h, k)
		}
	}
	if err := addHeaders(b, h, d.path, false); err != nil {
		return err
	}
	switch {
	case exact:
		fmt.Fprintf(b, "    try_files %s =404;\n", quote(prefix+"/"+d.file))
	case d.page:
		b.WriteString("    try_files $uri.html =404;\n")
	default:
		b.WriteString("    try_files $uri =404;\n")
	}
	b.WriteString("}\n")
	return nil
}

func addHeaders(b *strings.Builder, h http.Header, p string, always bool) error {
	suffix := ""
	if always {
		suffix = " always"
	}
	for _, k := range sortedKeys(h) {
		if k == "Content-Type" {
			continue
		}
		for _, v := range h[k] {
			if strings.Contains(v, "$") {
				return fmt.Errorf("export: %s: nginx cannot add the header %s: %s (a $ in a value)", p, k, v)
			}
			fmt.Fprintf(b, "    add_header %s %s%s;\n", k, quote(v), suffix)
		}
	}
	return nil
}

func headerVar(name string) string {
	return "$mp_" + strings.ToLower(strings.ReplaceAll(name, "-", "_"))
}

var argName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// queryCondition is the nginx condition for a request with this query.
func queryCondition(query string) string {
	if q, err := url.ParseQuery(query); err == nil && len(q) == 1 {
		for k, vs := range q {
			if len(vs) == 1 && argName.MatchString(k) {
				return "$arg_" + k + " = " + quote(vs[0])
			}
		}
	}
	return "$args = " + quote(query)
}

// quote is an nginx string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// headersFile is _headers for Netlify and Cloudflare Pages, given the
// Content-Type of each extension. The two hosts differ when rules
// overlap (Netlify takes the most specific rule's value of a header,
// Cloudflare joins them all), so no two rules that match one URL set the
// same header: Content-Type goes by extension (/*.atom), and any other
// header on a folder's rule (/archive/*) only when every document below
// has the same value, on each document's own rule otherwise. Security
// headers meant for pages (harmless on any response) may cover
// documents that lack them. It returns the file and its number of rules.
func headersFile(docs []*document, types map[string]string) ([]byte, int) {
	rules := map[string]http.Header{}
	set := func(pattern, k, v string) {
		if rules[pattern] == nil {
			rules[pattern] = http.Header{}
		}
		rules[pattern][k] = append(rules[pattern][k], v)
	}
	names := map[string]bool{}
	exts := map[string]bool{}
	for _, d := range docs {
		for k := range d.header {
			names[k] = true
		}
		switch {
		case d.page: // hosts send .html files as text/html; charset=utf-8
		case types[d.ext()] != "":
			exts[d.ext()] = true
		default:
			if r := d.typeRule(); rules[r] == nil || rules[r]["Content-Type"] == nil {
				set(r, "Content-Type", d.header.Get("Content-Type"))
			}
		}
	}
	for e := range exts {
		set("/*."+e, "Content-Type", types[e])
	}
	delete(names, "Content-Type")
	// Vary: Accept says a page's URL answers an object too, which these
	// hosts cannot do (extraRedirects).
	delete(names, "Vary")
	root := tree(docs, true)
	for _, k := range sortedMapKeys(names) {
		value := func(d *document) string {
			v := strings.Join(d.header[k], ", ")
			if v == "" && pageOnly[k] {
				return anyValue
			}
			return v
		}
		var walk func(n *node)
		walk = func(n *node) {
			c := map[string]int{}
			n.count(c, value)
			delete(c, anyValue)
			if len(c) <= 1 {
				if v := mostCommon(c); v != "" {
					set(n.dir+"*", k, v)
				}
				return
			}
			for _, d := range n.docs {
				if v := value(d); v != "" && v != anyValue {
					set(d.headersPath(), k, v)
				}
			}
			for _, kid := range n.sortedKids() {
				walk(kid)
			}
		}
		walk(root)
	}
	var b strings.Builder
	b.WriteString("# Written by \"morningpost export\" for Netlify and Cloudflare Pages; every export rewrites it.\n")
	b.WriteString("# No two rules that match one URL set the same header.\n")
	for _, p := range sortedMapKeys(rules) {
		fmt.Fprintf(&b, "\n%s\n", p)
		for _, k := range sortedKeys(rules[p]) {
			for _, v := range rules[p][k] {
				fmt.Fprintf(&b, "  %s: %s\n", k, v)
			}
		}
	}
	return []byte(b.String()), len(rules)
}

// anyValue stands for a header a document lacks but may be given.
const anyValue = "\x00any"

// pageOnly are headers that only mean something on an HTML page, so a
// rule may add them to other documents too.
var pageOnly = map[string]bool{
	"Content-Security-Policy": true,
	"Referrer-Policy":         true,
	"X-Content-Type-Options":  true,
	"X-Frame-Options":         true,
	"Permissions-Policy":      true,
}

// redirectsFile is _redirects for Netlify and Cloudflare Pages. Both
// serve a page's file PATH.html at PATH and 404.html for what does not
// exist; the file lists the site's redirects (moved: the former URLs of
// articles, the spellings of tags in the content) and keeps the
// export's own files off the site (Netlify; Cloudflare Pages has no 404
// rules and skips these lines). Both hosts answer a trailing slash
// themselves.
//
// extra, when not empty, are the lines answering the fediverse
// account's documents (extraRedirects).
func redirectsFile(moved []content.Move, extra string) []byte {
	var b strings.Builder
	b.WriteString("# Written by \"morningpost export\" for Netlify and Cloudflare Pages; every export rewrites it.\n")
	b.WriteString("# Pages are files named PATH.html, served at PATH.\n")
	if len(moved) > 0 {
		b.WriteString("# Former URLs of articles, and tags spelt otherwise than their URLs:\n")
	}
	for _, m := range moved {
		fmt.Fprintf(&b, "%s  %s  301\n", m.From, m.To)
		if m.Below {
			fmt.Fprintf(&b, "%s/*  %s/:splat  301\n", m.From, m.To)
		}
	}
	if extra != "" {
		b.WriteString("# The fediverse account (WebFinger answers its first handle, whatever the resource):\n")
		b.WriteString(extra)
	}
	b.WriteString("# The export's own files are not documents of the site:\n")
	for _, n := range []string{nginxName, manifestName, stateName} {
		fmt.Fprintf(&b, "/%s  /404.html  404!\n", n)
	}
	return []byte(b.String())
}

// tagPage is the path of a tag's page; its slug is the first group.
var tagPage = regexp.MustCompile(`^/tags/([a-z0-9]+(?:-[a-z0-9]+)*)$`)

// writeRedirects writes the locations that answer 301 as serve does: a
// path ending in "/" to the path without it (handlers'
// withoutTrailingSlash), the former URLs of articles to their current
// ones (moved), and a tag spelt otherwise than its slug
// (/tags/Open-Source, /tags/open_source/feed.atom) to its slug's. Serve
// finds a tag's slug with content.TagSlug; nginx cannot, so each tag of
// the export gets a pattern matching its slug's words in any case,
// separated by anything but letters and digits. The patterns sit in a
// location only non-canonical tag paths enter, so a canonical path
// never loops and other paths pay one pattern. Every path is under
// prefix, the base URL's path (see nginxConf).
func writeRedirects(b *strings.Builder, docs []*document, moved []content.Move, prefix string) {
	b.WriteString("\n# Redirects, as serve answers them.\n")
	fmt.Fprintf(b, "location ~ \"^(%s/.*?)/+$\" { return 301 $1$is_args$args; }\n", regexp.QuoteMeta(prefix))
	for _, m := range moved {
		if !m.Below {
			fmt.Fprintf(b, "location = %s { return 301 %s; }\n", quote(prefix+m.From), quote(prefix+m.To))
		}
	}
	var tags []string
	for _, d := range docs {
		if m := tagPage.FindStringSubmatch(d.path); m != nil {
			tags = append(tags, m[1])
		}
	}
	if len(tags) == 0 {
		return
	}
	slices.Sort(tags)
	q := regexp.QuoteMeta(prefix)
	fmt.Fprintf(b, "location ~ \"^%s/tags/(?:-|[^/]*(?:[^a-z0-9/-]|--|-(?:/|$)))\" {\n", q)
	for _, t := range tags {
		words := strings.Join(strings.Split(t, "-"), "[^a-z0-9/]+")
		fmt.Fprintf(b, "    location ~* \"^%s/tags/[^a-z0-9/]*%s[^a-z0-9/]*(/page/[0-9]+|/feed\\.(?:rss|atom|json))?$\" { return 301 %s/tags/%s$1; }\n", q, words, prefix, t)
	}
	b.WriteString("    return 404;\n}\n")
}
