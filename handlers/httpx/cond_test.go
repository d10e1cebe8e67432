package httpx

import "testing"

func TestAcceptEncoding(t *testing.T) {
	tests := map[string]Encoding{
		"":                    EncIdentity,
		"gzip":                EncGzip,
		"br":                  EncBrotli,
		"gzip, br":            EncBrotli,
		" gzip ; q=0.5 , br ": EncBrotli,
		"br;q=0":              EncIdentity,
		"br;q=0.001":          EncBrotli,
		"br;q=bogus, gzip":    EncGzip,
		"gzip;Q=0, br;q=0":    EncIdentity,
		"compress, deflate":   EncIdentity,
		"*":                   EncBrotli,
		"*;q=0, gzip":         EncGzip,
		"identity;q=0":        EncIdentity,
	}
	for in, want := range tests {
		if got := AcceptEncoding(in); got != want {
			t.Errorf("acceptEncoding(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestETagListMatch(t *testing.T) {
	tests := []struct {
		list, etag string
		want       bool
	}{
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`"b","a"`, `"a"`, true},
		{`"x,y", "a"`, `"a"`, true},
		{`"x,y"`, `"y"`, false},
		{`"ab"`, `"a"`, false},
		{`a`, `"a"`, false},
		{`*`, `"a"`, true},
		{``, `"a"`, false},
		{`"unterminated`, `"a"`, false},
		{`bogus, "a"`, `"a"`, true},
	}
	for _, tt := range tests {
		if got := etagListMatch(tt.list, tt.etag); got != tt.want {
			t.Errorf("etagListMatch(%q, %q) = %v, want %v", tt.list, tt.etag, got, tt.want)
		}
	}
}
