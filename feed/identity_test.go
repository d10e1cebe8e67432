package feed

import (
	"bytes"
	"testing"
)

// An identity cache holds the bytes and validators of a full cache
// without their compressed forms, and Gzip and Brotli of those bytes are
// what the full cache holds.
func TestIdentityCache(t *testing.T) {
	snap := sampleSnap(t)
	full, id := NewCache(64<<20), NewIdentityCache(64<<20)
	if full.Identity() || !id.Identity() {
		t.Fatal("Identity() does not say which cache holds identity bytes only")
	}
	for _, s := range Specs() {
		for _, f := range Formats {
			want, err := full.Get(snap, s, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := id.Get(snap, s, f)
			if err != nil {
				t.Fatal(err)
			}
			name := s.Path(f)
			if !bytes.Equal(got.Identity.Bytes, want.Identity.Bytes) || got.Identity.ETag != want.Identity.ETag ||
				got.ContentType != want.ContentType || !got.LastModified.Equal(want.LastModified) {
				t.Errorf("%s: identity response differs from the full cache's", name)
			}
			if got.Gzip.Bytes != nil || got.Brotli.Bytes != nil {
				t.Errorf("%s: identity cache holds compressed bytes", name)
			}
			gz, _ := Gzip(got.Identity.Bytes)
			br, _ := Brotli(got.Identity.Bytes)
			if !bytes.Equal(gz, want.Gzip.Bytes) || !bytes.Equal(br, want.Brotli.Bytes) {
				t.Errorf("%s: Gzip or Brotli of the identity bytes differ from the full cache's", name)
			}
		}
	}
}
