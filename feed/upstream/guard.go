package upstream

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/morningpost/morningpost/content"
)

// Limits on the shape of a document, checked before it reaches the parser.
const (
	// MaxDepth is the deepest element (or JSON array/object) nesting we
	// accept. Real feeds nest under 20 levels; gofeed recurses per level and
	// a document millions deep overflows the stack, killing the process.
	MaxDepth = 128
	// MaxElements bounds elements (or JSON objects and arrays) per document,
	// so 8 MiB of "<a/>" cannot turn into a gigabyte of parsed structs.
	MaxElements = 250_000
	// MaxItems bounds <item>/<entry> elements per document.
	MaxItems = 10_000
)

// ErrGuard is returned (wrapped) when a document is refused before parsing.
var ErrGuard = errors.New("document refused")

// newFeedParser returns a gofeed parser configured for untrusted input.
// A gofeed.Parser is not documented as safe for concurrent use: make one
// per parse (it is cheap).
func newFeedParser() *gofeed.Parser {
	p := gofeed.NewParser()
	// The image scan parses every item's HTML again; we never use it.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	// Keep the RSS struct so we can read <ttl>, which the universal
	// feed drops. The body is capped, so the second copy is bounded.
	p.KeepOriginalFeed = true
	return p
}

// parsedFeed is a parsed document plus what we learnt from it.
type parsedFeed struct {
	feed *gofeed.Feed
	ttl  int // RSS <ttl> in minutes, 0 if absent
}

// parse makes body valid UTF-8, guards it and hands it to gofeed.
// headerCharset is the charset parameter of the Content-Type, if any.
func parse(body []byte, headerCharset string) (parsedFeed, error) {
	body, err := normalize(body, headerCharset)
	if err != nil {
		return parsedFeed{}, err
	}
	if err := guard(body); err != nil {
		return parsedFeed{}, err
	}
	f, err := newFeedParser().Parse(bytes.NewReader(body))
	if err != nil {
		return parsedFeed{}, fmt.Errorf("parse: %w", err)
	}
	pf := parsedFeed{feed: f}
	if orig, ok := f.OriginalFeed().(*rss.Feed); ok && orig != nil {
		if _, err := fmt.Sscan(strings.TrimSpace(orig.TTL), &pf.ttl); err != nil || pf.ttl < 0 {
			pf.ttl = 0
		}
	}
	return pf, nil
}

// guard refuses documents the parser cannot survive: nesting deeper than
// MaxDepth, more than MaxElements elements or MaxItems items. It tokenises
// with encoding/xml, configured as gofeed configures it (non-strict, no
// entity map) so that it sees the same elements gofeed would; entities are
// never expanded by either, so "billion laughs" stays a few bytes.
//
// A syntax error ends the check without refusing: gofeed reads the same
// tokens and stops at the same error, so everything it can reach has been
// checked, and its error message is the more useful one.
func guard(body []byte) error {
	if isJSON(body) {
		return guardJSON(body)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	// stack holds, per open element, whether it counts towards MaxDepth.
	// Sloppy feeds put unescaped HTML in descriptions, where an unclosed
	// <br> or <img> nests everything after it until the description ends;
	// such void elements count only towards maxVoidDepth, which still
	// bounds the parser's recursion far below what hurts it.
	var stack []bool
	depth, elements, items := 0, 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return nil // io.EOF or a syntax error: see above
		}
		switch t := tok.(type) {
		case xml.StartElement:
			counts := !voidElements[t.Name.Local]
			stack = append(stack, counts)
			if counts {
				depth++
			}
			elements++
			if t.Name.Local == "item" || t.Name.Local == "entry" {
				items++
			}
			switch {
			case depth > MaxDepth:
				return fmt.Errorf("%w: elements nested deeper than %d", ErrGuard, MaxDepth)
			case len(stack) > maxVoidDepth:
				return fmt.Errorf("%w: elements nested deeper than %d", ErrGuard, maxVoidDepth)
			case elements > MaxElements:
				return fmt.Errorf("%w: more than %d elements", ErrGuard, MaxElements)
			case items > MaxItems:
				return fmt.Errorf("%w: more than %d items", ErrGuard, MaxItems)
			}
		case xml.EndElement:
			if n := len(stack); n > 0 {
				if stack[n-1] {
					depth--
				}
				stack = stack[:n-1]
			}
		}
	}
}

// maxVoidDepth bounds nesting including HTML void elements (see guard).
const maxVoidDepth = 4096

// voidElements are HTML elements that never have content, so in real
// feeds they nest only by mistake (unescaped, unclosed HTML).
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// guardJSON checks nesting and size of a JSON document with a byte scan:
// no allocation, no recursion, and it does not need the JSON to be valid
// (the parser judges that afterwards).
func guardJSON(body []byte) error {
	depth, containers := 0, 0
	inString, escaped := false, false
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			containers++
			if depth > MaxDepth {
				return fmt.Errorf("%w: JSON nested deeper than %d", ErrGuard, MaxDepth)
			}
			if containers > MaxElements {
				return fmt.Errorf("%w: more than %d JSON objects and arrays", ErrGuard, MaxElements)
			}
		case '}', ']':
			depth = max(0, depth-1)
		}
	}
	return nil
}

// isJSON reports whether the document looks like JSON (as gofeed's
// detector decides: by its first significant byte).
func isJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}
)

// normalize returns body as valid UTF-8 without characters XML forbids,
// with any XML encoding declaration rewritten to say UTF-8.
//
// The charset is taken from a byte-order mark, else the XML declaration,
// else the Content-Type header. A document that declares nothing and is not
// valid UTF-8 is decoded as Windows-1252 (the superset of Latin-1 that
// browsers use for "ISO-8859-1"): that is what such feeds almost always are.
// A document that claims UTF-8 but has invalid bytes gets U+FFFD for them.
func normalize(body []byte, headerCharset string) ([]byte, error) {
	label := ""
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		body, label = body[len(bomUTF8):], "utf-8"
	case bytes.HasPrefix(body, bomUTF16BE), bytes.HasPrefix(body, bomUTF16LE):
		dec := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode UTF-16: %w", err)
		}
		body, label = out, "utf-8"
	}
	declared, declStart, declEnd := "", -1, -1
	if !isJSON(body) {
		declared, declStart, declEnd = xmlDeclEncoding(body)
	}
	if label == "" {
		label = cmp.Or(declared, headerCharset)
	}

	if label != "" {
		enc, name := charset.Lookup(label)
		if enc == nil {
			return nil, fmt.Errorf("unsupported charset %q", label)
		}
		if name != "utf-8" {
			out, err := enc.NewDecoder().Bytes(body)
			if err != nil {
				return nil, fmt.Errorf("decode %s: %w", name, err)
			}
			body = out
			// Recompute: offsets may have moved (they rarely do: the
			// declaration is ASCII in every charset we accept).
			_, declStart, declEnd = xmlDeclEncoding(body)
		} else if !utf8.Valid(body) {
			body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	} else if !utf8.Valid(body) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("decode windows-1252: %w", err)
		}
		body = out
	}
	if declStart >= 0 && !strings.EqualFold(string(body[declStart:declEnd]), "utf-8") {
		// The bytes are UTF-8 now; say so, or the parser would decode again.
		fixed := make([]byte, 0, len(body))
		fixed = append(fixed, body[:declStart]...)
		fixed = append(fixed, "UTF-8"...)
		body = append(fixed, body[declEnd:]...)
	}
	// encoding/xml refuses a whole document for one character XML
	// forbids; they have no business in a feed.
	return content.CleanBytes(body), nil
}

// xmlDeclEncoding finds encoding="..." in a leading <?xml ...?> declaration
// and returns its value and byte offsets, or "", -1, -1.
func xmlDeclEncoding(b []byte) (string, int, int) {
	start := len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	if !bytes.HasPrefix(b[start:], []byte("<?xml")) {
		return "", -1, -1
	}
	end := bytes.Index(b[start:min(len(b), start+512)], []byte("?>"))
	if end < 0 {
		return "", -1, -1
	}
	decl := b[start : start+end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return "", -1, -1
	}
	rest := decl[i+len("encoding"):]
	off := start + i + len("encoding")
	// Skip spaces, '=', spaces, then a quote.
	j := 0
	for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t' || rest[j] == '=' || rest[j] == '\r' || rest[j] == '\n') {
		j++
	}
	if j >= len(rest) || (rest[j] != '"' && rest[j] != '\'') {
		return "", -1, -1
	}
	q := rest[j]
	k := bytes.IndexByte(rest[j+1:], q)
	if k < 0 {
		return "", -1, -1
	}
	vs := off + j + 1
	return string(rest[j+1 : j+1+k]), vs, vs + k
}
