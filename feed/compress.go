package feed

// Gzip compresses b as the feed cache does: best compression, a header with
// no name and no time, so the same bytes always give the same output.
// The static export uses it for documents the server sends uncompressed.
func Gzip(b []byte) ([]byte, error) { return gzipBytes(b) }

// Brotli compresses b at the level the feed cache uses.
func Brotli(b []byte) ([]byte, error) { return brotliBytes(b) }
