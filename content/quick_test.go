package content

import (
	"testing"
	"time"
)

func TestQuickSample(t *testing.T) {
	c, err := Load(Sample())
	if err != nil {
		t.Fatal(err)
	}
	s := c.At(time.Now())
	for _, a := range s.Articles() {
		t.Log(a.ID(), a.Slug, a.Section, a.Published(), a.Summary)
	}
	t.Log(c.Version, s.Key)
}
