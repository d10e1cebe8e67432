// Package testcontent is the content root the tests of handlers/ and
// handlers/site share: a small site whose issues are public, scheduled
// and drafts at fixed times, read with a fake clock. Tests only.
package testcontent

import (
	"testing/fstest"
	"time"
)

// The fixture's times. Issues go public at 06:00 Europe/London, which is
// 05:00 UTC in April.
var (
	Published86 = time.Date(2026, 4, 24, 5, 0, 0, 0, time.UTC)
	Publish87   = time.Date(2026, 4, 25, 5, 0, 0, 0, time.UTC)
	// Now is between the two: 86 is public, 87 scheduled.
	Now = time.Date(2026, 4, 24, 12, 0, 0, 0, time.UTC)
)

// Texts that must never reach a reader.
const (
	DraftIssueTitle   = "Secret Draft Issue Story"
	DraftArticleTitle = "Secret Draft Article"
	ScheduledTitle    = "Scheduled Lead For Issue 87"
)

// FS is a small content root: issue 86 public with a draft article,
// issue 87 scheduled, issue 85 a draft in the past.
func FS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"morningpost.yaml": file(`title: The AI Morning Post
tagline: Your Daily AI Intelligence Briefing
topics: Artificial Intelligence • Machine Learning • Future Tech
established: 2025
description: A daily briefing on artificial intelligence.
base_url: https://post.example/
language: en-GB
time_zone: Europe/London
publish_time: "06:00"
authority: post.example,2025
author:
  name: The Desk
cache_max_age: 5m
stale_while_revalidate: 1h
websub_hubs: [https://hub.example/, https://hub2.example/websub]
`),
		"issues/86/issue.md": file(`---
date: 2026-04-24
place: Manchester, United Kingdom
weather: 6°C Cloudy
metrics:
  title: Weekend Innovation Metrics
  rows:
    - label: Individual Developer Models
      value: 5/5 trending
tools:
  items:
    - name: GrayColor Model
      description: Mysterious trending model
    - name: Qwen3-8B Julia
      description: Julia integration
      link: https://example.org/qwen
reading:
  items:
    - name: The Economics of Specialized AI Models
      description: Academic paper
---
`),
		"issues/86/lead.md": file(`---
slug: weekend-warriors
title: "The Weekend Warriors: Individual Developers Drive AI's Silent Revolution"
kicker: Lead Story
rating: 7/10
standfirst: While corporate AI labs pause for the weekend, individual developers build.
tags: [open-source]
---
This Saturday's trending models tell a fascinating story.
`),
		"issues/86/deep-dive.md": file(`---
slug: specialization-thesis
title: "The Specialization Thesis"
kicker: Analysis
pull_quote: When weekend warriors choose safer formats, the ecosystem matures.
---
The current trending landscape reveals a shift.
`),
		"issues/86/editor.md": file(`---
title: The Democracy of AI Development Is Working
kicker: Editor's Column
---
Today's trending models represent everything right.
`),
		"issues/86/guest.md": file(`---
title: "Specialization Over Generalization"
kicker: Guest Column
---
The industry's obsession with general models left a gap.
`),
		"issues/86/secret.md": file(`---
title: ` + DraftArticleTitle + `
draft: true
---
Not yet.
`),
		"issues/87/issue.md": file(`---
date: 2026-04-25
place: Manchester, United Kingdom
weather: 6°C Cloudy
---
`),
		"issues/87/lead.md": file(`---
slug: scheduled
title: ` + ScheduledTitle + `
kicker: Lead Story
---
Tomorrow's news.
`),
		"issues/85/issue.md": file(`---
date: 2026-04-20
draft: true
---
`),
		"issues/85/lead.md": file(`---
title: ` + DraftIssueTitle + `
---
Never printed.
`),
	}
}
