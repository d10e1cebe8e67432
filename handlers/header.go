package handlers

import (
	"net/http"

	"github.com/morningpost/morningpost/feed"
)

// The header block of a cached response: one function, feedHeader,
// decides every header field a feed or a page is served with, and both
// paths that serve them write its block and nothing else besides what
// net/http adds (Date, and Connection: close when asked): writeFeed puts
// it in Echo's header map, the fast path writes it on the wire as it
// is, in net/http's order. A header added here reaches both.

// field is one header field as it is written: a canonical name and its
// values, which are shared and never modified.
type field struct {
	name  string
	value []string
}

// maxHeaderFields bounds a block: ten fields of every response, and a
// page's own.
const maxHeaderFields = 16

// Header values shared by every response. They are never modified:
// net/http only reads header slices, and a one-element literal has no
// spare capacity for an append to write into.
var (
	hvVaryAcceptEncoding = []string{"Accept-Encoding"}
	hvNosniff            = []string{"nosniff"}
	hvAnyOrigin          = []string{"*"}
)

// feedHeader appends to dst the header block of response r sent as b
// with status 200 or 304 (which leaves out the fields that describe the
// body), Cache-Control cc (nil: none, the guard's stands) and Vary vary,
// sorted by name as net/http writes them. cors adds
// Access-Control-Allow-Origin: * to a feed; a page (r.Header.Fields set)
// has only the fields it names, which replace those made here.
func feedHeader(dst []field, r *feed.Response, b *feed.Body, status int, cc, vary []string, cors bool) []field {
	page := r.Header.Fields != nil
	if cors && !page {
		dst = append(dst, field{"Access-Control-Allow-Origin", hvAnyOrigin})
	}
	if cc != nil {
		dst = append(dst, field{"Cache-Control", cc})
	}
	if status == http.StatusOK {
		if b.EncodingValue != nil {
			dst = append(dst, field{"Content-Encoding", b.EncodingValue})
		}
		dst = append(dst, field{"Content-Length", b.LengthValue}, field{"Content-Type", r.Header.ContentType})
	}
	dst = append(dst, field{"Etag", b.ETagValue})
	if r.Header.LastModified != nil {
		dst = append(dst, field{"Last-Modified", r.Header.LastModified})
	}
	if r.Header.Link != nil {
		dst = append(dst, field{"Link", r.Header.Link}) // WebSub discovery, on 304s too
	}
	dst = append(dst, field{"Vary", vary}, field{"X-Content-Type-Options", hvNosniff})
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
func setField(fs []field, name string, v []string) []field {
	for i := range fs {
		if fs[i].name == name {
			fs[i].value = v
			return fs
		}
	}
	return append(fs, field{name, v})
}

// sortFields sorts a short block by name (insertion sort: no allocation).
func sortFields(fs []field) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].name < fs[j-1].name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// setFields puts a block into a header map.
func setFields(h http.Header, fs []field) {
	for _, f := range fs {
		h[f.name] = f.value
	}
}

// appendFields appends a block as it goes on the wire.
func appendFields(out []byte, fs []field) []byte {
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
