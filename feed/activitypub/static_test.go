package activitypub

import (
	"regexp"
	"strings"
	"testing"
)

// TestStatic: the documents a static copy holds are the public ones,
// with no followers (only a running server knows them), and each
// WebFinger document's Match picks its handle and actor URL as a query
// carries them, and no other account.
func TestStatic(t *testing.T) {
	f := newFixture(t)
	st, err := f.svc.Static(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	var wf *Static
	for i, s := range st {
		targets = append(targets, s.Target)
		if strings.HasPrefix(s.Target, "/.well-known/webfinger?") {
			wf = &st[i]
		}
	}
	all := strings.Join(targets, " ")
	for _, want := range []string{"/.well-known/host-meta", "/.well-known/nodeinfo", "/nodeinfo/2.1", "/ap/news", "/ap/news/outbox", "/ap/news/outbox?page=1", "/ap/news/following", "/issues/1/first-lead", "/issues/1/first-column"} {
		if !strings.Contains(" "+all+" ", " "+want+" ") {
			t.Errorf("Static lacks %s: %s", want, all)
		}
	}
	for _, never := range []string{"followers", "inbox", "secret", "page=2"} {
		if strings.Contains(all, never) {
			t.Errorf("Static holds %q: %s", never, all)
		}
	}
	if wf == nil || wf.Arg != "resource" {
		t.Fatalf("no WebFinger document: %+v", wf)
	}
	re := regexp.MustCompile("(?i)" + wf.Match)
	for _, v := range []string{"acct:news@post.example", "acct%3Anews%40post.example", "news@post.example", "https://post.example/ap/news", "https%3A%2F%2Fpost.example%2Fap%2Fnews"} {
		if !re.MatchString(v) {
			t.Errorf("Match %s misses %s", wf.Match, v)
		}
	}
	for _, v := range []string{"acct:opinion@post.example", "acct:news@other.example", "acct:news@post.example.evil", "xacct:news@post.example"} {
		if re.MatchString(v) {
			t.Errorf("Match %s picks %s", wf.Match, v)
		}
	}
}
