package search_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/content"
	"github.com/morningpost/morningpost/content/search"
)

// TestStaticIndex: the browser's index holds the public articles only,
// newest first, postings that decode to them, title postings apart, and
// the stems of the words of the text.
func TestStaticIndex(t *testing.T) {
	snap := load(t, fixture(t)).At(now)
	b, err := search.StaticIndex(snap, func(s content.Section) string { return string(s) })
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"zebracorn", "quokkafuture", "draftissueword", "Secret column"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the static index holds %q", secret)
		}
	}
	var x struct {
		Docs   [][]any
		Words  map[string]string
		Titles map[string]string
		Stems  map[string]string
	}
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	decode := func(s string) []string {
		var out []string
		last := int64(0)
		for _, d := range strings.Split(s, ",") {
			n, err := strconv.ParseInt(d, 36, 64)
			if err != nil {
				t.Fatalf("posting %q: %v", s, err)
			}
			last += n
			out = append(out, x.Docs[last][0].(string))
		}
		return out
	}
	if len(x.Docs) != 3 || x.Docs[0][0] != "/issues/2/open-weights-and-the-law" {
		t.Fatalf("docs %v", x.Docs)
	}
	if got := strings.Join(decode(x.Words["model"]), " "); got != "/issues/2/open-weights-and-the-law /issues/1/safetensors-format-wins /issues/1/running-small-models-on-phones" {
		t.Errorf("model: %s", got)
	}
	if got := strings.Join(decode(x.Titles["model"]), " "); got != "/issues/1/running-small-models-on-phones" {
		t.Errorf("model in titles: %s", got)
	}
	if x.Stems["models"] != "model" || x.Stems["zurich"] != "zurich" && x.Stems["zurich"] != "" {
		t.Errorf("stems: models→%q", x.Stems["models"])
	}
}
