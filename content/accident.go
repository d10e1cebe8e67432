package content

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Guards against publishing by accident. An editor who copies last
// week's folder, or removes `draft: true` from a scaffold before writing
// it, would otherwise send readers a duplicate or a page of placeholders
// the moment the file lands: feed readers keep what they fetched, so an
// accident cannot be taken back. Each guard is a problem, so the content
// that holds it is not loaded and the last good content stays public;
// a draft is never checked, since nothing of it goes out.

// SampleAuthority is the sample's tag: URI authority (morningpost.yaml
// authority:), which a newsletter of its own must replace before its
// first issue goes out.
const SampleAuthority = "morningpost.example,2025"

// Placeholder texts written by Scaffold: headlines, standfirsts, pull
// quotes and bodies of the articles, and the stub rows of issue.md.
const (
	phLeadTitle      = "Lead story headline"
	phLeadStandfirst = "One or two sentences that sum up the story."
	phLeadBody       = "Write the lead story here, in Markdown."
	phDeepTitle      = "Deep dive headline"
	phDeepQuote      = "A sentence from the text worth setting apart."
	phDeepBody       = "Write the deep dive here."
	phEditorTitle    = "Editor's column headline"
	phEditorBody     = "Write the editor's column here."
	phGuestTitle     = "Guest column headline"
	phGuestBody      = "Write the guest column here."
	phMetricLabel    = "Replace this label"
	phMetricValue    = "and this value"
	phToolName       = "Tool name"
	phToolText       = "One line on why it deserves attention."
	phReadingName    = "Title of the piece"
	phReadingText    = "One line on what it is and why to read it."
)

// placeholders are the texts above, each with what it stands for.
var placeholders = map[string]string{
	phLeadTitle: "headline", phDeepTitle: "headline", phEditorTitle: "headline", phGuestTitle: "headline",
	phLeadStandfirst: "standfirst", phDeepQuote: "pull quote",
	phLeadBody: "text", phDeepBody: "text", phEditorBody: "text", phGuestBody: "text",
	phMetricLabel: "metrics row", phMetricValue: "metrics row",
	phToolName: "tool", phToolText: "tool", phReadingName: "reading", phReadingText: "reading",
}

// placeholder reports what s stands in for when it is text that
// `new-issue` wrote, and "" otherwise.
func placeholder(s string) string { return placeholders[strings.TrimSpace(s)] }

// unwritten is the problem of text that new-issue wrote and nobody
// changed, in a file that is not a draft.
func unwritten(p problems, line int, what, text string) {
	p.add(line, "%s %q is new-issue's placeholder: write it, or keep this a draft (draft: true) until it is written; placeholders never go out", what, text)
}

// checkArticlePlaceholders makes a problem of each placeholder left in a
// public article: doc is its front matter, src its Markdown, which starts
// on line textLine of the file.
func checkArticlePlaceholders(a *Article, f *articleFile, doc *yaml.Node, src string, textLine int, p problems) {
	if a.Draft || a.Issue.Draft {
		return
	}
	for _, field := range []struct{ key, text string }{
		{"title", f.Title}, {"standfirst", f.Standfirst}, {"pull_quote", f.PullQuote},
	} {
		if what := placeholder(field.text); what != "" {
			unwritten(p, lineOf(doc, field.key), what, strings.TrimSpace(field.text))
		}
	}
	if what := placeholder(src); what != "" {
		p.addAt(textLine, "the %s %q is new-issue's placeholder: write the article, or keep it a draft (draft: true) until it is written; placeholders never go out", what, strings.TrimSpace(src))
	}
}

// checkIssuePlaceholders makes a problem of each placeholder row left in
// the metrics box and the lists of a public issue.md.
func checkIssuePlaceholders(iss *Issue, f *issueFile, doc *yaml.Node, p problems) {
	if iss.Draft {
		return
	}
	if f.Metrics != nil {
		for i, r := range f.Metrics.Rows {
			for _, s := range []string{r.Label, r.Value} {
				if placeholder(s) != "" {
					unwritten(p, lineOf(doc, "metrics", "rows", strconv.Itoa(i)), "metrics row", strings.TrimSpace(s))
					break
				}
			}
		}
	}
	for _, l := range []struct {
		key  string
		list *listFile
	}{{"tools", f.Tools}, {"reading", f.Reading}} {
		if l.list == nil {
			continue
		}
		for i, it := range l.list.Items {
			for _, s := range []string{it.Name, it.Description} {
				if what := placeholder(s); what != "" {
					unwritten(p, lineOf(doc, l.key, "items", strconv.Itoa(i)), what+" item", strings.TrimSpace(s))
					break
				}
			}
		}
	}
}

// firstTextLine is the line of a file on which its body's text starts,
// after the front matter and any blank lines.
func firstTextLine(yml, body []byte) int {
	blank := body[:len(body)-len(bytes.TrimLeft(body, "\r\n"))]
	return bodyLine(yml) + bytes.Count(blank, []byte("\n"))
}

// minCopied is the least length of a body that counts as a copy of
// another: short bodies ("More soon.") may repeat honestly.
const minCopied = 80

// copies returns a problem for each public article that repeats, word
// for word, the body of an article of another issue: an issue folder
// copied and not rewritten. The later issue (by number) is blamed, and
// the message names both files.
func copies(issues []*Issue) Problems {
	var ps Problems
	first := map[[sha256.Size]byte]*Article{} // by the hash of the Markdown
	// Oldest first, so the first seen is the original.
	for i := len(issues) - 1; i >= 0; i-- {
		iss := issues[i]
		if iss.Draft {
			continue
		}
		for _, a := range iss.Articles {
			if a.Draft || a.body == nil || a.body.size < minCopied {
				continue
			}
			orig, seen := first[a.body.sum]
			if !seen {
				first[a.body.sum] = a
				continue
			}
			if orig.Issue == iss {
				continue
			}
			ps = append(ps, Problem{Path: a.Path, Msg: fmt.Sprintf(
				"says word for word what %s says (issue %d): a copied issue never goes out; rewrite it, or keep it a draft (draft: true) until it is rewritten (morningpost new-issue scaffolds the next issue as a draft)",
				orig.Path, orig.Issue.Number)})
		}
	}
	return ps
}

// authorityWarning warns when a site published anywhere but on this
// machine still has the sample's authority: entry IDs are made from it,
// and feed readers keep an ID for ever, so it can be changed now and
// never after the first issue goes out.
func authorityWarning(s *Site, line int) *Problem {
	if s.Authority != SampleAuthority || s.BaseURL == nil || isLocalHost(s.BaseURL.Hostname()) {
		return nil
	}
	return &Problem{Path: SiteFile, Line: line, Msg: fmt.Sprintf(
		"authority is still the sample's %q while base_url is %s: every entry's permanent ID (tag:%s:…) is made from it, and readers keep IDs for ever, so set a domain you own and a date (e.g. %s,2026) now; once an issue is out it can never change",
		SampleAuthority, s.BaseURL, SampleAuthority, s.BaseURL.Hostname())}
}

func isLocalHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
