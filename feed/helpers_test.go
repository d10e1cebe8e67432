package feed

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/morningpost/morningpost/content"
)

// now is after issue 87 of the sample went out (2026-04-25 06:00 BST).
var now = time.Date(2026, 4, 25, 12, 0, 0, 0, time.UTC)

func sampleSnap(t testing.TB) *content.Snapshot {
	t.Helper()
	c, err := content.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	snap := c.At(now)
	if len(snap.Issues) != 1 {
		t.Fatalf("sample at %v: %d public issues, want 1", now, len(snap.Issues))
	}
	return snap
}

func load(t testing.TB, fsys fstest.MapFS) *content.Snapshot {
	t.Helper()
	c, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c.At(now)
}

// synthOptions vary a synthetic content root.
type synthOptions struct {
	Issues     int
	BaseURL    string
	FeedLength int
	Title      func(issue int, key string) string
	Slug       func(issue int, key string) string
	Body       func(issue int, key string) string
}

// synth builds a content root of n issues, one a day up to the sample's
// date, each with a lead, a deep dive, two columns, metrics, tools and
// reading; bodies hold site-relative and page-relative links.
func synth(o synthOptions) fstest.MapFS {
	if o.BaseURL == "" {
		o.BaseURL = "https://post.example/"
	}
	if o.Title == nil {
		o.Title = func(n int, key string) string {
			return fmt.Sprintf("Issue %d %s: a headline with \"quotes\" & ampersands", n, key)
		}
	}
	if o.Slug == nil {
		o.Slug = func(int, string) string { return "" }
	}
	if o.Body == nil {
		o.Body = func(n int, key string) string {
			var b strings.Builder
			for p := range 5 {
				fmt.Fprintf(&b, "Paragraph %d of %s in issue %d. See [the previous issue](/issues/%d), "+
					"[the notes](#notes), [a sibling](%s-2) and [elsewhere](https://example.org/x?a=1&b=2). "+
					"Models, benchmarks, weights and **serialization formats** are discussed at some length "+
					"so that the body has a realistic size for a newsletter article of a few hundred words.\n\n",
					p+1, key, n, n-1, key)
			}
			b.WriteString("![A chart](/img/chart.png)\n")
			return b.String()
		}
	}
	site := fmt.Sprintf(`title: The AI Morning Post
tagline: Your Daily AI Intelligence Briefing
description: A daily briefing on artificial intelligence.
base_url: %s
language: en-GB
time_zone: Europe/London
publish_time: "06:00"
authority: post.example,2025
author:
  name: The AI Morning Post
  email: desk@post.example
  url: https://post.example/about
`, o.BaseURL)
	if o.FeedLength > 0 {
		site += fmt.Sprintf("feed_length: %d\n", o.FeedLength)
	}
	fsys := fstest.MapFS{"morningpost.yaml": {Data: []byte(site)}}
	last := time.Date(2026, 4, 25, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= o.Issues; i++ {
		date := last.AddDate(0, 0, i-o.Issues).Format("2006-01-02")
		dir := fmt.Sprintf("issues/%d/", i)
		fsys[dir+"issue.md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`---
date: %s
place: Manchester, United Kingdom
weather: 6°C Cloudy
metrics:
  title: Metrics
  rows:
    - label: Models
      value: "%d"
tools:
  intro: Tools we liked.
  items:
    - name: Tool A
      description: Does A.
      link: https://example.org/a
    - name: Tool B
      description: Does B.
      source: Trending models
reading:
  items:
    - name: Paper C
      description: About C.
      link: https://example.org/c
---
A note from the editor with [a link](/about).
`, date, i))}
		for _, key := range []string{"lead", "deep-dive", "editor", "guest"} {
			fm := fmt.Sprintf("---\ntitle: %q\nstandfirst: Standfirst of %s %d.\ntags: [tag-%s, common]\n", o.Title(i, key), key, i, key)
			if s := o.Slug(i, key); s != "" {
				fm += "slug: " + s + "\n"
			}
			if key == "lead" {
				fm += "rating: 7/10\n"
			}
			if key == "deep-dive" {
				fm += "kicker: Analysis\npull_quote: A quotation set apart.\n"
			}
			if key == "editor" && i%10 == 0 {
				fm += "updated: " + last.AddDate(0, 0, i-o.Issues).Add(30*time.Hour).Format(time.RFC3339) + "\n"
			}
			fsys[dir+key+".md"] = &fstest.MapFile{Data: []byte(fm + "---\n" + o.Body(i, key))}
		}
	}
	return fsys
}

// entryIDs lists a doc's entry IDs in order.
func entryIDs(d *Doc) []string {
	var ids []string
	for _, e := range d.Entries {
		ids = append(ids, e.Item.Id)
	}
	return ids
}

func goldenName(s Spec, f Format) string {
	return strings.ReplaceAll(strings.TrimPrefix(s.Path(f), "/"), "/", "-")
}
