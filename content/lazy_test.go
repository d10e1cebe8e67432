package content

import (
	"strings"
	"testing"
)

// With LiveOptions.Lazy no body is rendered in the background: each is
// rendered when first asked for, as without it.
func TestLiveLazyRendersOnDemand(t *testing.T) {
	lazy, err := NewLive(Sample(), LiveOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	lazy.mu.Lock()
	started := lazy.stopPrerender != nil
	lazy.mu.Unlock()
	if started {
		t.Fatal("a lazy Live started rendering in the background")
	}
	var arts []*Article
	for _, iss := range lazy.Content().Issues {
		arts = append(arts, iss.Articles...)
	}
	if len(arts) == 0 {
		t.Fatal("no article")
	}
	for _, a := range arts {
		if a.body != nil && a.body.src == "" {
			t.Fatalf("%s: rendered before it was asked for", a.Key)
		}
	}
	if !strings.Contains(string(arts[0].Body()), "<") || arts[0].body.src != "" {
		t.Errorf("%s: not rendered when asked for", arts[0].Key)
	}
}
