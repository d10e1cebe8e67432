package search

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/content"
)

// StaticIndex is the index a static copy of the site searches in the
// browser (/search/index.json, read by handlers/page/static/search.js): the
// public articles of snap, newest first, each as its path, title,
// section, issue number, date and summary; for every word (folded and
// stemmed by Words, as the server's index holds it) the articles that
// have it, and apart those that have it in their title; and the stem of
// every word of the text that is not its own stem, so that the script
// stems a query word by looking it up.
//
// Postings are the articles' numbers, each written as the difference
// from the one before in base 36, separated by commas: the index of a
// ten-year archive stays a few megabytes before compression. The static
// search runs the same queries as the server with two differences, said
// in the README: a phrase finds articles that have all its words, in
// any order, and a query word that no article has is stemmed only if
// the text has a word of the same stem.
func StaticIndex(snap *content.Snapshot, sectionTitle func(content.Section) string) ([]byte, error) {
	type index struct {
		Version int               `json:"v"`
		Docs    [][]any           `json:"docs"`
		Words   map[string]string `json:"words"`
		Titles  map[string]string `json:"titles"`
		Stems   map[string]string `json:"stems"`
	}
	words := map[string][]int{}
	titles := map[string][]int{}
	stems := map[string]string{}
	add := func(m map[string][]int, w string, doc int) {
		if p := m[w]; len(p) == 0 || p[len(p)-1] != doc {
			m[w] = append(p, doc)
		}
	}
	scan := func(text string, m map[string][]int, doc int) {
		eachWord(text, func(start, end int, w string) {
			add(m, w, doc)
			if f := Fold(text[start:end]); f != w {
				stems[f] = w
			}
		})
	}
	x := index{Version: 1, Words: map[string]string{}, Titles: map[string]string{}, Stems: stems}
	for i, a := range snap.Articles() {
		x.Docs = append(x.Docs, []any{a.URLPath(), a.Title, sectionTitle(a.Section), a.Issue.Number,
			a.Issue.Date.Format("2 January 2006"), a.Summary()})
		scan(a.Title, titles, i)
		scan(a.Title, words, i)
		scan(Text(a), words, i)
	}
	encode := func(p []int) string {
		var b strings.Builder
		last := 0
		for i, n := range p {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(int64(n-last), 36))
			last = n
		}
		return b.String()
	}
	for w, p := range words {
		x.Words[w] = encode(p)
	}
	for w, p := range titles {
		x.Titles[w] = encode(p)
	}
	return json.Marshal(x)
}
