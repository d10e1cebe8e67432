package feed

import (
	"bytes"
	"compress/gzip"
	"sync"

	"github.com/andybalholm/brotli"
)

// Gzip compresses b as the feed cache does: best compression, a header with
// no name and no time, so the same bytes always give the same output.
// The static export uses it for documents the server sends uncompressed.
func Gzip(b []byte) ([]byte, error) { return gzipBytes(b) }

// Brotli compresses b at the level the feed cache uses.
func Brotli(b []byte) ([]byte, error) { return brotliBytes(b) }

// gzipWriters are reused: a new one allocates and clears about a
// megabyte of tables, which costs more than compressing a small
// document, and a reset one gives the same bytes as a new one. Brotli
// writers are not: a reset one keeps state from its last input, and the
// same bytes then compress differently.
var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression); return w }}

// gzipBytes compresses b. The header has no name and no time, so the same
// input gives the same bytes.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// brotliLevel trades render time for size. Measured on feeds: levels 7
// to 9 cost two to four times level 6 for under 1% smaller output;
// level 11 is 20-100 times slower for about 18% smaller. Renders happen
// once per content change, but a slow one delays every waiting request.
const brotliLevel = 6

func brotliBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	bw := brotli.NewWriterLevel(&buf, brotliLevel)
	if _, err := bw.Write(b); err != nil {
		return nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
