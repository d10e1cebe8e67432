// Package export writes a site as static files: every public URL its
// handler answers, found by crawling from a few roots, each as a file
// with its gzip and brotli siblings and a modification time equal to the
// Last-Modified the handler sends, plus the configuration that makes
// nginx, Netlify or Cloudflare Pages answer with the same headers.
//
// The files come from the very handler the server runs, called in
// process, so the export holds the same bytes as the server sends and
// picks up new URLs (pages, feeds, images) without a list kept by hand:
// whatever a page or feed links to, on the same site, is exported.
// Documents no link reaches, or that a query or an Accept picks (the
// fediverse account's), are asked for by a list (Options.Extra) and
// written under names of their own, which the configuration serves at
// their URLs.
//
// An export into a folder that holds an earlier one is incremental: a
// file whose bytes are unchanged is not written and keeps its time;
// files of URLs that went away are removed. Every write is a temporary
// file renamed into place, so a server reading the folder meanwhile
// never sees half a file.
package export

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/feed"
)

// Options say what to export and how.
type Options struct {
	// Handler answers the site's URLs, as the server would.
	Handler http.Handler
	// Base is the site's absolute URL: absolute links under it are the
	// site's own and are followed.
	Base *url.URL
	// Roots are the paths the crawl starts from, such as "/" and
	// "/feeds.opml"; a root answering 404 is left out silently.
	Roots []string
	// Skip reports paths never exported even when linked (editor's
	// pages, health and metrics); nil skips nothing.
	Skip func(path string) bool
	// Fallback is the time given to a document served without
	// Last-Modified when it is new or its bytes changed (see docTime).
	Fallback time.Time
	// Identity says the handler sends identity bytes to every client
	// (its feed cache is made by feed.NewIdentityCache) and would
	// otherwise compress as feed.Gzip and feed.Brotli do. The export then
	// asks each URL once and compresses it itself, and not at all when
	// its bytes equal the last export's: their .gz and .br files are
	// kept, since the same bytes compress to the same bytes.
	Identity bool
	// Renders, when set, is the Renders the handler's feed cache reads
	// back from (feed.Cache.UseRenders), made by NewRenders for this
	// folder: the export keeps what it holds for the next one.
	Renders *Renders
	// Namespace names the program and everything besides the content
	// that the documents' bytes and links depend on (base URL, hubs,
	// the record's dates): the links of a document found by the last
	// export are reused for the same bytes only under the same name.
	// NewRenders takes the same. Empty: links are always parsed.
	Namespace string
	// Moved are the paths that answer 301 besides those every export
	// redirects (a trailing slash, any spelling of a tag's page and
	// feeds): the site's content.Snapshot.Moved. Those whose targets are
	// not exported are left out.
	Moved []content.Move
	// GzipOnly reports paths whose documents are given a .gz and no .br
	// (feed archives, which few readers fetch, and then once): brotli
	// costs several times gzip's CPU for 9% smaller files. nil: every
	// compressible document has both.
	GzipOnly func(path string) bool
	// Extra are documents the crawl cannot reach, asked for with an
	// Accept of their own: the fediverse account's (activitypub.Static),
	// served from files under names of the export's choosing by the
	// rules Extra describes. A target answering 404 is left out.
	Extra []Extra
	// Workers fetch and write in parallel; GOMAXPROCS when zero.
	Workers int
	// Progress, when set, is called now and then while the export runs.
	Progress func(Progress)

	// interrupt, set by tests, is told each file renamed into place;
	// true stops the export right there, leaving the folder as a kill
	// would (temporary files, journal and all).
	interrupt func(file string) bool
}

// Extra is a document the crawl does not reach (see Options.Extra).
type Extra struct {
	// Target is the request, path and query; Accept its Accept header.
	Target, Accept string
	// Arg and Match: the document is the one at Target's path whose
	// query argument Arg matches the regular expression Match (without
	// regard to case, on its raw value). Empty for a Target without query.
	Arg, Match string
	// Object: the document answers at Target's path to requests that
	// ask for ActivityStreams (an article's object), the page to others.
	Object bool
}

// Progress is how far an export has come.
type Progress struct {
	Documents int // documents exported so far
	Pending   int // URLs found but not yet fetched
	Wrote     int // files written so far
}

// Result sums up an export.
type Result struct {
	Documents int // URLs exported
	Files     int // files in the export, configuration included
	Wrote     int // files written (new, changed, or given a new time)
	Kept      int // files left as they were
	Removed   int // files of URLs that no longer exist
	// Broken are links to the site that answered 404: they point
	// nowhere on the server either.
	Broken []Link
	// Unexportable are URLs with a query string whose body differs
	// from the URL without it: files cannot hold both.
	Unexportable []string
	// Advanced are documents whose bytes changed since the last export
	// while the Last-Modified the server sends did not move: their files
	// were given a time one second past the last export's, so that
	// caches and readers see the change.
	Advanced int
	// HeaderRules is the number of rules in _headers (Cloudflare Pages
	// reads at most 100).
	HeaderRules int
}

// Link is a link found in From that points at To.
type Link struct{ From, To string }

// document is one exported URL: what the server configuration needs to
// answer it as the handler does.
type document struct {
	path     string      // URL path, without query
	file     string      // slash-separated path of its file under the folder
	page     bool        // an HTML page, stored as file with .html
	header   http.Header // the headers a server must add (see configHeaders)
	variants []variant   // the same bytes under a query string, with other headers
	modified time.Time
	// extra: a document of Options.Extra, whose file is named otherwise
	// than its path (see extraFile).
	extra *Extra
}

// variant is a URL with a query string that answers the same bytes as
// its path alone, with some other headers (a versioned style sheet is
// cached for a year).
type variant struct {
	query  string
	header http.Header
}

// fetched is what one crawl step found.
type fetched struct {
	target  string // path and query asked for
	status  int
	doc     *document // nil for a query variant or a failure
	variant *variant  // set for a URL with a query
	sum     [32]byte  // hash of the body, to compare a variant with its path
	links   []string  // site URLs the body links to
	err     error
}

// Export writes the site into dir, returning what it did. dir must be
// empty, missing, or hold an earlier export.
func Export(ctx context.Context, dir string, opts Options) (*Result, error) {
	if opts.Handler == nil || opts.Base == nil {
		return nil, errors.New("export: Options.Handler and Options.Base are required")
	}
	var prev *loaded
	if opts.Renders != nil {
		prev = opts.Renders.prev // NewRenders read it
	} else {
		prev = loadState(dir, opts.Namespace)
	}
	out, err := openFolder(dir, prev)
	if err != nil {
		return nil, err
	}
	defer out.closeJournal(false) // kept when the export fails: the next one reads it
	out.interrupt = opts.interrupt
	x := &exporter{opts: opts, out: out, prev: prev, docs: map[string]docRecord{}, targets: newTargetTable()}
	if x.opts.Workers <= 0 {
		x.opts.Workers = runtime.GOMAXPROCS(0)
	}
	res, docs, err := x.crawl(ctx)
	if err != nil {
		return nil, err
	}
	if docs, err = x.fetchExtra(ctx, docs, res); err != nil {
		return nil, err
	}
	if err := x.writeConfig(docs, res); err != nil {
		return nil, err
	}
	st := &state{Version: stateVersion, Namespace: opts.Namespace, Renders: opts.Renders.kept(out.records)}
	if opts.Namespace != "" {
		for _, d := range x.docs {
			st.Docs = append(st.Docs, d)
		}
		x.targets.sorted(st)
	}
	removed, err := out.finish(st)
	if err != nil {
		return nil, err
	}
	res.Removed = removed
	res.Files = len(out.files)
	res.Wrote, res.Kept = int(out.wrote.Load()), int(out.kept.Load())
	res.Advanced = int(out.advanced.Load())
	return res, nil
}

type exporter struct {
	opts Options
	out  *folder
	prev *loaded // the last export's state

	mu      sync.Mutex
	docs    map[string]docRecord // links of this export's documents, by target
	targets *targetTable         // what their links number
}

// crawl fetches every URL reachable from the roots, writing each
// document's files as it goes.
func (x *exporter) crawl(ctx context.Context) (*Result, []*document, error) {
	res := &Result{}
	seen := map[string]bool{}
	var pending []string
	from := map[string]string{} // where a URL was first linked from
	add := func(target, src string) {
		if seen[target] {
			return
		}
		p, _, _ := strings.Cut(target, "?")
		if x.opts.Skip != nil && x.opts.Skip(p) {
			return
		}
		seen[target] = true
		from[target] = src
		pending = append(pending, target)
	}
	for _, r := range x.opts.Roots {
		add(r, "")
	}
	docs := map[string]*document{}
	sums := map[string][32]byte{}
	type pendingVariant struct {
		path string
		v    *variant
		sum  [32]byte
	}
	var variants []pendingVariant

	results := make(chan fetched)
	inflight := 0
	var firstErr error
	last := time.Now()
	for len(pending) > 0 || inflight > 0 {
		for firstErr == nil && ctx.Err() == nil && len(pending) > 0 && inflight < x.opts.Workers {
			t := pending[0]
			pending = pending[1:]
			inflight++
			go func() { results <- x.fetch(t) }()
		}
		if inflight == 0 {
			break
		}
		f := <-results
		inflight--
		if firstErr == nil {
			firstErr = ctx.Err()
		}
		switch {
		case f.err != nil:
			if firstErr == nil {
				firstErr = f.err
			}
			continue
		case f.status == http.StatusNotFound:
			if src := from[f.target]; src != "" {
				res.Broken = append(res.Broken, Link{From: src, To: f.target})
			}
			continue
		}
		p, _, _ := strings.Cut(f.target, "?")
		if f.variant != nil {
			variants = append(variants, pendingVariant{p, f.variant, f.sum})
			add(p, f.target)
		} else {
			docs[p] = f.doc
			sums[p] = f.sum
		}
		for _, l := range f.links {
			add(l, p)
		}
		if x.opts.Progress != nil && time.Since(last) > 100*time.Millisecond {
			last = time.Now()
			x.opts.Progress(Progress{Documents: len(docs), Pending: len(pending) + inflight, Wrote: x.out.wroteSoFar()})
		}
	}
	if firstErr != nil {
		return nil, nil, firstErr
	}
	for _, pv := range variants {
		d := docs[pv.path]
		if d == nil || sums[pv.path] != pv.sum || d.page {
			res.Unexportable = append(res.Unexportable, pv.path+"?"+pv.v.query)
			continue
		}
		d.variants = append(d.variants, *pv.v)
	}
	list := make([]*document, 0, len(docs))
	for _, d := range docs {
		slices.SortFunc(d.variants, func(a, b variant) int { return strings.Compare(a.query, b.query) })
		list = append(list, d)
	}
	slices.SortFunc(list, func(a, b *document) int { return strings.Compare(a.path, b.path) })
	slices.SortFunc(res.Broken, func(a, b Link) int { return strings.Compare(a.To+a.From, b.To+b.From) })
	slices.Sort(res.Unexportable)
	res.Documents = len(list)
	if x.opts.Progress != nil {
		x.opts.Progress(Progress{Documents: len(docs), Wrote: x.out.wroteSoFar()})
	}
	return res, list, nil
}

// get asks the handler for target with an Accept-Encoding.
func (x *exporter) get(target, acceptEncoding string) *httptest.ResponseRecorder {
	return x.getAccept(target, acceptEncoding, "")
}

// getAccept asks the handler for target with an Accept-Encoding and,
// unless empty, an Accept.
func (x *exporter) getAccept(target, acceptEncoding, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = x.opts.Base.Host
	req.Header.Set("Accept-Encoding", acceptEncoding)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.RemoteAddr = "127.0.0.1:1"
	w := httptest.NewRecorder()
	x.opts.Handler.ServeHTTP(w, req)
	return w
}

// fetch gets one URL and, for a path without query, writes its files.
func (x *exporter) fetch(target string) fetched { return x.fetchAs(target, nil) }

// fetchAs gets one URL, as fetch does, or the document of Options.Extra
// e when e is not nil, which has no links to follow and is written
// under the name extraFile gives it.
func (x *exporter) fetchAs(target string, e *Extra) fetched {
	f := fetched{target: target}
	accept := ""
	if e != nil {
		accept = e.Accept
	}
	w := x.getAccept(target, "identity", accept)
	f.status = w.Code
	switch {
	case w.Code == http.StatusNotFound:
		return f
	case w.Code != http.StatusOK:
		f.err = fmt.Errorf("export: GET %s: the server answered %d", target, w.Code)
		return f
	}
	h := w.Result().Header
	body := w.Body.Bytes()
	if enc := h.Get("Content-Encoding"); enc != "" && enc != "identity" {
		f.err = fmt.Errorf("export: GET %s: %s bytes to a client that asked for identity", target, enc)
		return f
	}
	p, query, _ := strings.Cut(target, "?")
	d := &document{path: p, header: configHeaders(h)}
	if e != nil {
		d.file = extraFile(e, p)
		d.extra = e
		f.sum = sum(body)
	} else {
		f.sum = x.sumOf(p, query, h, body)
		f.links = x.linksOf(target, h.Get("Content-Type"), body, f.sum)
		if query != "" {
			f.variant = &variant{query: query, header: configHeaders(h)}
			return f
		}
		d.page = isHTML(h.Get("Content-Type"))
		d.file = fileName(p, d.page)
	}
	if lm := h.Get("Last-Modified"); lm != "" {
		t, err := http.ParseTime(lm)
		if err != nil {
			f.err = fmt.Errorf("export: GET %s: Last-Modified %q: %w", target, lm, err)
			return f
		}
		d.modified = t
	}
	var both func() ([]byte, []byte, error)
	gzipOnly := x.opts.GzipOnly != nil && x.opts.GzipOnly(p)
	reuse := true // an unchanged file's siblings were compressed from the same bytes by the same code
	if compressible(h.Get("Content-Type")) {
		// The handler compresses when it says it does; its bytes are
		// then asked for every time.
		own := !x.opts.Identity && varies(h)
		reuse = !own
		both = func() (gz, br []byte, err error) {
			switch {
			case gzipOnly && own:
				gz, err = x.encoded(target, body, "gzip")
			case gzipOnly:
				gz, err = feed.Gzip(body)
			case own:
				gz, br, err = x.handlerEncoded(target, body)
			default:
				gz, br, err = compressBoth(body)
			}
			if err != nil {
				err = fmt.Errorf("export: %s: %w", target, err)
			}
			return gz, br, err
		}
	}
	d.modified, f.err = x.out.putDocument(d.file, body, f.sum, both, reuse, gzipOnly, d.modified, x.opts.Fallback)
	f.doc = d
	return f
}

// sumOf is the SHA-256 of body, the document at path p (with query)
// that answered with header h: the last export's record of its file
// when the body is of the same length and its ETag is that of the
// record's hash (a document read back from its file, or rendered the
// same), else hashed.
func (x *exporter) sumOf(p, query string, h http.Header, body []byte) [32]byte {
	if query == "" && x.prev != nil {
		rec, ok := x.prev.files[fileName(p, isHTML(h.Get("Content-Type")))]
		if ok && rec.Size == int64(len(body)) && h.Get("Etag") == feed.ETag(rec.Sum) {
			return rec.Sum
		}
	}
	return sum(body)
}

// linksOf are the links of the document at target, of bytes body and
// hash sum: those the last export found when it had the same bytes.
func (x *exporter) linksOf(target, contentType string, body []byte, sum [32]byte) []string {
	var links []string
	ok := false
	if d, found := x.prev.docs[target]; found && d.Sum == sum {
		links, ok = x.prev.links(d)
	}
	if !ok {
		// Each once: a page links to the same URL many times.
		links = x.links(target, contentType, body)
		slices.Sort(links)
		links = slices.Compact(links)
	}
	if x.opts.Namespace == "" {
		return links // not kept for the next export
	}
	d := docRecord{Target: target, Sum: sum, Links: x.targets.numbers(links)}
	x.mu.Lock()
	x.docs[target] = d
	x.mu.Unlock()
	return links
}

// handlerEncoded is body in gzip and in brotli as the handler sends it,
// for a document it may compress itself (it says Vary: Accept-Encoding
// and Options.Identity is false).
func (x *exporter) handlerEncoded(target string, body []byte) (gz, br []byte, err error) {
	if gz, err = x.encoded(target, body, "gzip"); err == nil {
		br, err = x.encoded(target, body, "br")
	}
	return gz, br, err
}

// encoded is body in encoding enc ("gzip" or "br"): the handler's bytes
// when it answers with that encoding, else compressed here as the
// handler compresses feeds.
func (x *exporter) encoded(target string, body []byte, enc string) ([]byte, error) {
	w := x.get(target, enc)
	if w.Code != http.StatusOK {
		return nil, fmt.Errorf("GET with Accept-Encoding: %s answered %d", enc, w.Code)
	}
	if w.Result().Header.Get("Content-Encoding") == enc {
		return w.Body.Bytes(), nil
	}
	return compress(body, enc)
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

// configHeaders are the response headers a static server must add to
// answer as the handler does: all but those the server derives from the
// file and the request itself (length, validators, encoding, Vary, date).
func configHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		switch k {
		case "Vary":
			// The static server adds Accept-Encoding itself; Accept is
			// said by the pages that answer an object as well
			// (Options.Extra).
			for _, v := range v {
				for f := range strings.SplitSeq(v, ",") {
					if strings.EqualFold(strings.TrimSpace(f), "Accept") {
						out["Vary"] = []string{"Accept"}
					}
				}
			}
			continue
		case "Date", "Content-Length", "Content-Encoding", "Etag", "Last-Modified",
			"Accept-Ranges", "Transfer-Encoding", "Connection":
			continue
		}
		out[k] = slices.Clone(v)
	}
	return out
}

// fileName is where the document at URL path p is stored: its path,
// except that a page is p.html ("/" is index.html, "/a/" a/index.html),
// so that /issues and /issues/87 can both be files. Static hosts serve
// p.html at p.
func fileName(p string, page bool) string {
	name := strings.TrimPrefix(p, "/")
	switch {
	case !page:
		return name
	case name == "" || strings.HasSuffix(name, "/"):
		return name + "index.html"
	}
	return name + ".html"
}

func isHTML(contentType string) bool {
	t, _, _ := mime.ParseMediaType(contentType)
	return t == "text/html"
}

// compressible reports whether a type gains from gzip: text, XML, JSON,
// JavaScript, SVG.
func compressible(contentType string) bool {
	t, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(t, "text/"),
		strings.HasSuffix(t, "+xml"), strings.HasSuffix(t, "/xml"),
		strings.HasSuffix(t, "+json"), strings.HasSuffix(t, "/json"),
		strings.Contains(t, "javascript"), t == "image/svg+xml":
		return true
	}
	return false
}

// sitePath turns a link found in the document at site path src into a
// site path with query, or "" when it leaves the site. Links are the
// site's when they are under the base URL, whose path, if any, the
// handler's pages link under and a proxy in front strips (relative ones
// are resolved against src's public URL, as a browser does).
func (x *exporter) sitePath(src, link string) string {
	link = strings.TrimSpace(link)
	if link == "" || strings.HasPrefix(link, "#") {
		return ""
	}
	ref, err := url.Parse(link)
	if err != nil {
		return ""
	}
	var u *url.URL
	base := x.opts.Base
	prefix := strings.TrimSuffix(base.Path, "/")
	if ref.Scheme != "" || ref.Host != "" {
		u = base.ResolveReference(ref)
		if (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, base.Host) {
			return ""
		}
	} else {
		// As the browser resolves it: against the page's public URL,
		// under the base path the handler's pages link with.
		u = (&url.URL{Path: prefix + src}).ResolveReference(ref)
	}
	if prefix != "" {
		if u.Path != prefix && !strings.HasPrefix(u.Path, prefix+"/") {
			return ""
		}
		u.Path = strings.TrimPrefix(u.Path, prefix)
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	if clean := path.Clean(p); strings.HasSuffix(p, "/") && clean != "/" {
		p = clean + "/"
	} else {
		p = clean
	}
	if u.RawQuery != "" {
		return p + "?" + u.RawQuery
	}
	return p
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

func compress(b []byte, enc string) ([]byte, error) {
	if enc == "br" {
		return feed.Brotli(b)
	}
	return feed.Gzip(b)
}

// compressBoth is b in gzip and in brotli, as the feed cache compresses.
func compressBoth(b []byte) (gz, br []byte, err error) {
	if gz, err = feed.Gzip(b); err == nil {
		br, err = feed.Brotli(b)
	}
	return gz, br, err
}
