package httpx

import (
	"net/http"

	"github.com/morningpost/morningpost/feed"
)

// The header block of a cached response: one function, Block,
// decides every header field a feed or a page is served with, and both
// paths that serve them write its block and nothing else besides what
// net/http adds (Date, and Connection: close when asked): Write puts
// it in Echo's header map, the fast path writes it on the wire as it
// is, in net/http's order. A header added here reaches both.

// Field is one header field as it is written: a canonical name and its
// values, which are shared and never modified.
type Field struct {
	name  string
	value []string
}

// MaxFields bounds a block: ten fields of every response, and a
// page's own.
const MaxFields = 16

// Header values shared by every response. They are never modified:
// net/http only reads header slices, and a one-element literal has no
// spare capacity for an append to write into.
var (
	VaryAcceptEncoding = []string{"Accept-Encoding"}
	Nosniff            = []string{"nosniff"}
	AnyOrigin          = []string{"*"}
)

// Block appends to dst the header block of response r sent as b
// with status 200 or 304 (which leaves out the fields that describe the
// body), Cache-Control cc (nil: none, the guard's stands) and Vary vary,
// sorted by name as net/http writes them; a file (r.Header.File) has no
// Vary. cors adds Access-Control-Allow-Origin: * to a feed; a page or a
// file (r.Header.Fields set) has only the fields it names, which replace
// those made here.
func Block(dst []Field, r *feed.Response, b *feed.Body, status int, cc, vary []string, cors bool) []Field {
	page := r.Header.Fields != nil
	if cors && !page {
		dst = append(dst, Field{"Access-Control-Allow-Origin", AnyOrigin})
	}
	if cc != nil {
		dst = append(dst, Field{"Cache-Control", cc})
	}
	if status == http.StatusOK {
		if b.EncodingValue != nil {
			dst = append(dst, Field{"Content-Encoding", b.EncodingValue})
		}
		dst = append(dst, Field{"Content-Length", b.LengthValue}, Field{"Content-Type", r.Header.ContentType})
	}
	dst = append(dst, Field{"Etag", b.ETagValue})
	if r.Header.LastModified != nil {
		dst = append(dst, Field{"Last-Modified", r.Header.LastModified})
	}
	if r.Header.Link != nil {
		dst = append(dst, Field{"Link", r.Header.Link}) // WebSub discovery, on 304s too
	}
	if !r.Header.File { // a file has one coding
		dst = append(dst, Field{"Vary", vary})
	}
	dst = append(dst, Field{"X-Content-Type-Options", Nosniff})
	if !page {
		return dst
	}
	for name, v := range r.Header.Fields {
		dst = setField(dst, name, v)
	}
	sortFields(dst)
	return dst
}

// setField replaces the value of name in fs, or appends it.
func setField(fs []Field, name string, v []string) []Field {
	for i := range fs {
		if fs[i].name == name {
			fs[i].value = v
			return fs
		}
	}
	return append(fs, Field{name, v})
}

// sortFields sorts a short block by name (insertion sort: no allocation).
func sortFields(fs []Field) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].name < fs[j-1].name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// SetFields puts a block into a header map.
func SetFields(h http.Header, fs []Field) {
	for _, f := range fs {
		h[f.name] = f.value
	}
}

// AppendFields appends a block as it goes on the wire.
func AppendFields(out []byte, fs []Field) []byte {
	for _, f := range fs {
		for _, v := range f.value {
			out = append(out, f.name...)
			out = append(out, ": "...)
			out = append(out, v...)
			out = append(out, "\r\n"...)
		}
	}
	return out
}
