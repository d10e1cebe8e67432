package feed

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Compressing the same bytes gives the same bytes, whatever was
// compressed before (gzip writers are reused): the ETags of feeds and the static export's .gz and
// .br files depend on it.
func TestCompressorsReusedGiveSameBytes(t *testing.T) {
	for _, n := range []int{300000, 10, 5000, 0, 70000} {
		in := bytes.Repeat([]byte("The quick brown fox <p>jumps</p> over 87 lazy dogs. "), n/50+1)[:n]
		var want bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&want, gzipLevel)
		zw.ModTime = time.Unix(0, 0)
		zw.Write(in)
		zw.Close()
		var wantBr bytes.Buffer
		bw := brotli.NewWriterOptions(&wantBr, brotli.WriterOptions{Quality: brotliLevel, LGWin: brotliWindow(n)})
		bw.Write(in)
		bw.Close()
		for range 2 {
			if got, err := Gzip(in); err != nil || !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("gzip of %d bytes: differs from a new writer's (%v)", n, err)
			}
			// Any gzip reader reads it back, with no name and no time.
			got, _ := Gzip(in)
			zr, err := stdgzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			back, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(back, in) || zr.Name != "" || !zr.ModTime.IsZero() {
				t.Fatalf("gzip of %d bytes: read back %d bytes (%v), name %q, time %v", n, len(back), err, zr.Name, zr.ModTime)
			}
			if got, err := Brotli(in); err != nil || !bytes.Equal(got, wantBr.Bytes()) {
				t.Fatalf("brotli of %d bytes: differs from a new writer's (%v)", n, err)
			}
			got, _ = Brotli(in)
			if back, err := io.ReadAll(brotli.NewReader(bytes.NewReader(got))); err != nil || !bytes.Equal(back, in) {
				t.Fatalf("brotli of %d bytes: read back %d bytes (%v)", n, len(back), err)
			}
		}
	}
}

// The brotli window holds the whole document (so no match is lost to
// it) and no more than the next power of two (so a small document does
// not pay for the 2 MB match finder of the default 4 MB window).
func TestBrotliWindowFitsDocument(t *testing.T) {
	for _, n := range []int{0, 1, 1008, 1009, 65520, 65521, 300000, 1 << 24, 1 << 30} {
		w := brotliWindow(n)
		if w < 10 || w > 24 {
			t.Errorf("%d bytes: window 2^%d, outside brotli's 10 to 24", n, w)
		}
		if n <= 1<<24-16 && 1<<w-16 < n {
			t.Errorf("%d bytes: window 2^%d holds only %d", n, w, 1<<w-16)
		}
		if w > 10 && 1<<(w-1)-16 >= n {
			t.Errorf("%d bytes: window 2^%d, where 2^%d holds them", n, w, w-1)
		}
	}
}
