package page

import "testing"

// A site at the root of its host: pages are byte for byte what they were.
func TestRootSitePagesUnchanged(t *testing.T) {
	p := []byte(`<a href="/issues/86">x</a><img src="/static/a.png">`)
	if got := UnderBase(nil, p); &got[0] != &p[0] {
		t.Error("a site at the root is rewritten")
	}
}
