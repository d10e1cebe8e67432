package content

import (
	"strings"
	"testing"
)

// fill appends lines of plain text to s up to MaxMarkdownSize bytes.
func fill(s, line string) string {
	n := (MaxMarkdownSize - len(s)) / len(line)
	return s + strings.Repeat(line, max(n, 0))
}

// worstAccepted are texts of MaxMarkdownSize bytes at the limits of
// checkMarkdown, built on the inputs goldmark renders in quadratic time.
func worstAccepted() map[string]string {
	para := func(unit string, o int) string { // one paragraph of o units, then a blank line
		return strings.Repeat(unit, o) + "\n\n"
	}
	blocks := func(unit string) string { // 32 paragraphs of openers, together at the most work allowed
		k := strings.Count(unit, "[") + strings.Count(unit, "*") + strings.Count(unit, "_") + strings.Count(unit, "~") + strings.Count(unit, "<")
		o := 1
		for k*(o+1)*(len(unit)*(o+1)+1) <= maxInlineWork/32 {
			o++
		}
		return strings.Repeat(para(unit, o), 32)
	}
	row := "|" + strings.Repeat(" |", 99) + "\n"
	return map[string]string{
		"quotes":           fill(strings.Repeat(">", MaxNesting)+" x\n", "a\n"),
		"lists":            fill(strings.Repeat("1. ", 8)+"x\n", "a\n"),
		"quote-lists":      fill(strings.Repeat("> - ", 4)+"x\n", "a\n"),
		"link-openers-one": fill(strings.Repeat("[a](", maxInlineWork/MaxMarkdownSize/1), "a\n"),
		"link-openers":     fill(blocks("[a]("), "\na\n"),
		"brackets":         fill(blocks("["), "\na\n"),
		"emphasis":         fill(blocks("*a"), "\na\n"),
		"strong":           fill(blocks("**a"), "\na\n"),
		"tags":             fill(blocks("<a"), "\na\n"),
		"images":           fill(blocks("![a]("), "\na\n"),
		"mixed":            fill(blocks("*[_`<~"), "\na\n"),
		"table":            fill("|"+strings.Repeat(" a |", 100)+"\n|"+strings.Repeat("-|", 100)+"\n"+strings.Repeat(row, 99)+"\n", "a\n"),
		"long-table":       fill("| a | b |\n|-|-|\n"+strings.Repeat("| x |\n", MaxTableCells/2-1)+"\n", "a\n"),
		"prose":            fill("", "Some *plain* prose with [a link](https://example.com/) and `code`, as articles have.\n\n"),
	}
}

// Every worst accepted text is accepted, and renders in well under
// 100 ms (see BenchmarkMarkdownWorst for the numbers).
func TestWorstAccepted(t *testing.T) {
	for name, src := range worstAccepted() {
		if len(src) > MaxMarkdownSize {
			t.Errorf("%s: %d bytes, over the limit", name, len(src))
		}
		if ls := markdownLimits(src); len(ls) > 0 {
			t.Errorf("%s refused: %v", name, ls)
		}
	}
}

// BenchmarkMarkdownWorst renders the worst texts checkMarkdown accepts.
func BenchmarkMarkdownWorst(b *testing.B) {
	for name, src := range worstAccepted() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := Markdown(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
