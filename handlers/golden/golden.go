// Package golden compares what a test produced with a file in its
// package's testdata, for the tests that pin the site's answers and its
// export (the safety net ARCHITECTURE.md describes). Run the test with
// -update to rewrite the file, deliberately, and say why in the commit.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Check compares got with testdata/name, or writes it there under
// -update. rerun is the command that updates it, for the message.
func Check(t testing.TB, name string, got []byte, rerun string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s -update)", err, rerun)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the output differs from %s; if the change is intended, run %s -update and say why in the commit\n%s", path, rerun, diff(string(want), string(got)))
	}
}

// diff lists the lines only in want (-) and only in got (+), the first
// 40 of each: the goldens are sorted lists, where that is the change.
func diff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for l := range strings.SplitSeq(s, "\n") {
			m[l] = true
		}
		return m
	}
	inW, inG := in(want), in(got)
	var b strings.Builder
	for _, side := range []struct {
		sign, text string
		other      map[string]bool
	}{{"-", want, inG}, {"+", got, inW}} {
		n := 0
		for l := range strings.SplitSeq(side.text, "\n") {
			if !side.other[l] && n < 40 {
				fmt.Fprintf(&b, "%s %s\n", side.sign, l)
				n++
			}
		}
	}
	return b.String()
}
