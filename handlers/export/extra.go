package export

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
)

// objectsDir is the folder of the articles' objects (Extra.Object): a
// dot-folder, which nginx serves only through the location that picks
// an object by Accept.
const objectsDir = ".objects"

// extraFile is where the document of Extra e, at URL path p, is stored:
// an object under objectsDir; any other in a dot-folder named after its
// path's last segment, as index, or, picked by a query argument, one
// file per argument's value (/ap/news is ap/.news/index,
// /ap/news/outbox?page=2 ap/news/.outbox/page-2). Only the locations
// nginxExtra writes reach them, so /ap/news and /ap/news/outbox can both
// be files.
func extraFile(e *Extra, p string) string {
	if e.Object {
		return objectsDir + "/" + strings.TrimPrefix(p, "/")
	}
	dir, base := path.Split(strings.TrimPrefix(p, "/"))
	if e.Arg == "" {
		return dir + "." + base + "/index"
	}
	_, query, _ := strings.Cut(e.Target, "?")
	return dir + "." + base + "/" + e.Arg + "-" + fileSafe(query, e.Arg)
}

// fileSafe is the value of argument arg in query, with every character
// but letters, digits, '.', '-' and '_' as '_'.
func fileSafe(query, arg string) string {
	v := ""
	for kv := range strings.SplitSeq(query, "&") {
		if k, val, _ := strings.Cut(kv, "="); k == arg {
			v = val
		}
	}
	b := []byte(v)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// fetchExtra writes the documents of Options.Extra and adds them to docs
// (sorted by path, then file).
func (x *exporter) fetchExtra(ctx context.Context, docs []*document, res *Result) ([]*document, error) {
	if len(x.opts.Extra) == 0 {
		return docs, nil
	}
	files := map[string]string{}
	for _, d := range docs {
		files[d.file] = d.path
	}
	for i := range x.opts.Extra {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := &x.opts.Extra[i]
		f := x.fetchAs(e.Target, e)
		if f.err != nil {
			return nil, f.err
		}
		if f.status == http.StatusNotFound {
			continue
		}
		if other, ok := files[f.doc.file]; ok {
			return nil, fmt.Errorf("export: %s and %s would both be the file %s", other, e.Target, f.doc.file)
		}
		files[f.doc.file] = e.Target
		docs = append(docs, f.doc)
		res.Documents++
	}
	slices.SortStableFunc(docs, func(a, b *document) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return strings.Compare(a.file, b.file)
	})
	return docs, nil
}

// splitExtra separates the documents picked by a query argument or
// by Accept (whose locations nginxExtra writes) from the others; a
// document at the path of ones picked by a query argument goes with
// them, first, as what that path answers without the argument.
func splitExtra(docs []*document) (plain []*document, byQuery map[string][]*document, objects []*document) {
	byQuery = map[string][]*document{}
	for _, d := range docs {
		switch {
		case d.extra != nil && d.extra.Object:
			objects = append(objects, d)
		case d.extra != nil && d.extra.Arg != "":
			byQuery[d.path] = append(byQuery[d.path], d)
		}
	}
	for _, d := range docs {
		switch {
		case d.extra != nil && (d.extra.Object || d.extra.Arg != ""):
		case byQuery[d.path] != nil:
			byQuery[d.path] = append([]*document{d}, byQuery[d.path]...)
		default:
			plain = append(plain, d)
		}
	}
	return plain, byQuery, objects
}

// nginxExtra writes the locations of the documents picked by a query
// argument (WebFinger's resources, the outbox's pages) and by Accept
// (the articles' objects), each from a dot-folder that only these
// locations reach.
func nginxExtra(b *strings.Builder, byQuery map[string][]*document, objects []*document, prefix string) error {
	if len(byQuery) == 0 && len(objects) == 0 {
		return nil
	}
	b.WriteString("\n# The fediverse account's documents that a query or an Accept picks, as serve answers them.\n")
	for _, p := range sortedMapKeys(byQuery) {
		ds := byQuery[p]
		fmt.Fprintf(b, "location = %s {\n", quote(prefix+p))
		var plain *document
		dirs := map[string]*document{}
		args := map[string]bool{}
		for _, d := range ds {
			if d.extra.Arg == "" {
				plain = d
				continue
			}
			fmt.Fprintf(b, "    if ($arg_%s ~* %s) { rewrite ^ %s last; }\n", d.extra.Arg, quote(d.extra.Match), quote(prefix+"/"+d.file))
			dirs[path.Dir(d.file)] = d
			args[d.extra.Arg] = true
		}
		// Any other value is a document there is not (a page past the
		// last).
		for _, a := range sortedMapKeys(args) {
			fmt.Fprintf(b, "    if ($arg_%s) { return 404; }\n", a)
		}
		if plain == nil {
			b.WriteString("    return 404;\n}\n")
		} else {
			if err := extraHeaders(b, plain); err != nil {
				return err
			}
			fmt.Fprintf(b, "    try_files %s =404;\n}\n", quote(prefix+"/"+plain.file))
		}
		for _, dir := range sortedMapKeys(dirs) {
			fmt.Fprintf(b, "location ^~ %s {\n    internal;\n", quote(prefix+"/"+dir+"/"))
			if err := extraHeaders(b, dirs[dir]); err != nil {
				return err
			}
			b.WriteString("    try_files $uri =404;\n}\n")
		}
	}
	if len(objects) == 0 {
		return nil
	}
	// A request asking for ActivityStreams at any URL looks for an
	// object first, and is answered as anyone's when there is none.
	q := regexp.QuoteMeta(prefix)
	fmt.Fprintf(b, `if ($http_accept ~* "application/activity\+json|application/ld\+json") {
    rewrite "^%[1]s(/.*)$" %[3]s last;
}
location ^~ %[2]s {
    internal;
`, q, quote(prefix+"/"+objectsDir+"/"), quote(prefix+"/"+objectsDir+"$1"))
	if err := extraHeaders(b, objects[0]); err != nil {
		return err
	}
	fmt.Fprintf(b, `    try_files $uri @mp_page;
}
location @mp_page {
    rewrite "^%[1]s/\.objects(/.*)$" %[2]s last;
}
`, q, quote(prefix+"$1"))
	return nil
}

// extraHeaders writes the type and headers of d in a location.
func extraHeaders(b *strings.Builder, d *document) error {
	fmt.Fprintf(b, "    types { }\n    default_type %s;\n", quote(d.header.Get("Content-Type")))
	return addHeaders(b, d.header, d.path, false)
}

// headersPath is the path _headers names document d by: its file's for
// one picked by a query or Accept (hosts that read _headers cannot pick
// by either, so such a document is found only at its file's URL).
func (d *document) headersPath() string {
	if d.extra != nil {
		return "/" + d.file
	}
	return d.path
}

// typeRule is the rule of _headers that gives d its Content-Type when
// no extension does: a folder's for documents picked by a query or
// Accept (all of one type), its own path's otherwise.
func (d *document) typeRule() string {
	if d.extra != nil && d.extra.Object {
		return "/" + objectsDir + "/*"
	}
	if d.extra != nil {
		return "/" + path.Dir(d.file) + "/*"
	}
	return d.path
}

// extraRedirects are the lines of _redirects that answer the paths of
// Options.Extra's documents from their files, for Netlify and
// Cloudflare Pages, which cannot pick by a query or by Accept: a path's
// document without query, or for WebFinger the first account's,
// whatever the query. Objects are found at their files' URLs only.
func extraRedirects(docs []*document) string {
	var b strings.Builder
	done := map[string]bool{}
	for _, d := range docs {
		if d.extra == nil || d.extra.Object || done[d.path] || d.extra.Arg != "" && d.path != "/.well-known/webfinger" {
			continue
		}
		done[d.path] = true
		fmt.Fprintf(&b, "%s  /%s  200\n", d.path, d.file)
	}
	return b.String()
}
