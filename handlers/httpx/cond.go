package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/morningpost/morningpost/feed"
)

// NotModified reports whether a conditional GET or HEAD may be answered
// with 304. If-None-Match takes precedence: when present, If-Modified-Since
// is ignored (RFC 9110 §13.2.2).
func NotModified(r *http.Request, etag string, modified time.Time) bool {
	return NotModifiedBy(r.Header["If-None-Match"], r.Header.Get("If-Modified-Since"), etag, modified)
}

// NotModifiedBy is NotModified given the request's If-None-Match values
// and its (first) If-Modified-Since value, "" when absent.
func NotModifiedBy(inm []string, ims string, etag string, modified time.Time) bool {
	if len(inm) > 0 {
		for _, list := range inm {
			if etagListMatch(list, etag) {
				return true
			}
		}
		return false
	}
	if modified.IsZero() || ims == "" {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	// HTTP dates have whole seconds.
	return !modified.Truncate(time.Second).After(t)
}

// etagListMatch reports whether an If-None-Match value matches etag by the
// weak comparison RFC 9110 requires for If-None-Match: "W/" is ignored on
// both sides. The value is "*" or a comma-separated list of quoted tags,
// which may themselves hold commas.
func etagListMatch(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			// Not a quoted tag: skip to the next comma.
			i := strings.IndexByte(list, ',')
			if i < 0 {
				return false
			}
			list = list[i:]
			continue
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		if tag == etag {
			return true
		}
		list = list[end+2:]
	}
}

// AcceptEncoding picks the encoding of a response from Accept-Encoding:
// brotli if accepted, else gzip, else identity. A coding is accepted when
// it is listed (or "*" is) with a q-value above zero.
func AcceptEncoding(header string) Encoding {
	if header == "" {
		return EncIdentity
	}
	br, gz, star := -1, -1, -1 // -1 unlisted, 0 refused, 1 accepted
	for header != "" {
		var item string
		item, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(item, ";")
		name = strings.TrimSpace(name)
		ok := 1
		if q, found := qValue(params); found && q <= 0 {
			ok = 0
		}
		switch {
		case strings.EqualFold(name, "br"):
			br = ok
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			gz = ok
		case name == "*":
			star = ok
		}
	}
	switch {
	case br == 1 || br == -1 && star == 1:
		return EncBrotli
	case gz == 1 || gz == -1 && star == 1:
		return EncGzip
	}
	return EncIdentity
}

// qValue finds q= among the parameters of one Accept-Encoding item.
func qValue(params string) (float64, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, true // a malformed weight is no consent
			}
			return q, true
		}
	}
	return 1, false
}

// Encoding is a Content-Encoding the feed cache keeps bytes for.
type Encoding int

const (
	EncIdentity Encoding = iota
	EncGzip
	EncBrotli
)

// BodyFor returns r's bytes for enc, falling back to gzip, then to
// identity, when the response holds no such form.
func BodyFor(r *feed.Response, enc Encoding) *feed.Body {
	switch {
	case enc == EncBrotli && r.Brotli.Bytes != nil:
		return &r.Brotli
	case enc != EncIdentity && r.Gzip.Bytes != nil:
		return &r.Gzip
	}
	return &r.Identity
}
