package feed

import (
	"strings"
	"testing"
)

// Tag feeds hold the newest articles carrying the tag, capped like
// /feed.*, and pass the same validator checks as every other feed.
func TestTagFeeds(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 40, BaseURL: "https://post.example/blog/"}))
	all := build(snap, Spec{Kind: Articles}, -1)
	for _, slug := range []string{"common", "tag-lead"} {
		s := TagSpec(slug)
		if !s.Valid() {
			t.Fatalf("%v is not valid", s)
		}
		d := Build(snap, s)
		checkAll(t, d)
		if len(d.Entries) == 0 || len(d.Entries) > DefaultFeedLength {
			t.Errorf("%s: %d entries", slug, len(d.Entries))
		}
		if got := d.Self(Atom); got != "https://post.example/blog/tags/"+slug+"/feed.atom" {
			t.Errorf("%s: self %s", slug, got)
		}
		if d.links.prev != "" {
			t.Errorf("%s: links an archive %s", slug, d.links.prev)
		}
		// Entries are /feed.*'s entries that carry the tag, in its order.
		var want []string
		for _, e := range all.Entries {
			for _, c := range e.Categories {
				if c == slug {
					want = append(want, e.Item.Id)
				}
			}
		}
		got := entryIDs(d)
		if slug == "common" {
			want = entryIDs(all) // every article is tagged common
		}
		if strings.Join(got, " ") != strings.Join(want[:min(len(want), len(got))], " ") {
			t.Errorf("%s: entries %v, want %v", slug, got, want)
		}
	}
	for _, bad := range []Spec{TagSpec(""), TagSpec("Open-Source"), {Kind: TagFeed, Tag: "x", Section: "lead"}} {
		if bad.Valid() {
			t.Errorf("%v is valid", bad)
		}
	}
}

// A tag feed's cached bytes change when an issue it holds changes, and
// only its own documents are rendered.
func TestTagFeedCached(t *testing.T) {
	snap := load(t, synth(synthOptions{Issues: 5}))
	c := NewCache(64 << 20)
	r1, err := c.Get(snap, TagSpec("common"), Atom)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := c.Get(snap, TagSpec("common"), Atom)
	if r1 != r2 || c.Stats().Renders != 1 {
		t.Errorf("second Get rendered again (%d renders)", c.Stats().Renders)
	}
	if r3, _ := c.Get(snap, TagSpec("tag-lead"), Atom); r3 == r1 {
		t.Error("two tags share one document")
	}
}
