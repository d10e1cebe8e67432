package content

import (
	"fmt"
	"strings"
)

// Limits on the shape of Markdown. goldmark's time grows with the
// square of some inputs (a line of 160 KB of ">" took 18.5 s to render;
// 320 KB of "[a](" took 46 s), and a table's output grows with its
// columns times its rows. checkMarkdown measures a text against these
// limits with one pass over its lines, before goldmark sees it: a text
// within them renders in milliseconds.
const (
	// MaxNesting is how deep quotes (>) and lists may be nested.
	MaxNesting = 12
	// MaxTableCells is the most cells (columns times rows) a table may have.
	MaxTableCells = 10_000
	// maxInlineWork bounds, over a whole text, the sum for every
	// paragraph of its brackets, emphasis marks and '<' (where goldmark
	// looks ahead for a link, an emphasis or a tag) times its bytes.
	// A long paragraph with a link or two a sentence counts some
	// thousands; 200 lines of code without a blank line, outside a
	// ``` block, a few million.
	maxInlineWork = 2 << 20
)

// markdownLimits is what checkMarkdown found wrong with a text: the
// line of each problem, inside the text, and its message.
type markdownLimit struct {
	line int
	msg  string
}

// checkMarkdown checks the shape of a Markdown text whose first line is
// line bodyLine of its file, adding a problem for every limit it
// exceeds, and reports whether it is within them all. A text beyond a
// limit must not be given to goldmark.
func checkMarkdown(src string, bodyLine int, p problems) bool {
	ls := markdownLimits(src)
	for _, l := range ls {
		p.addAt(bodyLine+l.line-1, "%s", l.msg)
	}
	return len(ls) == 0
}

// markdownLimits measures src against the limits. It is conservative:
// it counts what could be nesting or a paragraph where goldmark might
// see something else, except inside a ``` or ~~~ block that starts at
// the beginning of a line, which nothing but its closing fence ends.
func markdownLimits(src string) []markdownLimit {
	var out []markdownLimit
	var (
		fence      string // the opening fence of the code block the lines are in, or ""
		deepest    int    // the first line nested too deep, and its depth
		depth      int
		blockStart int // first line of the current paragraph (run of non-blank lines)
		blockBytes int
		openers    int
		tableLine  int // line of a table's delimiter row in the current paragraph, and its columns
		tableCols  int
		tableRows  int
		work       int // sum of openers × bytes of the paragraphs so far
		worst      markdownLimit
		worstWork  int
	)
	endBlock := func() {
		if tableCols > 0 && tableCols*tableRows > MaxTableCells {
			out = append(out, markdownLimit{tableLine - 1, fmt.Sprintf("this table has %d columns and %d rows: %d cells, and a table may have at most %d; split it", tableCols, tableRows, tableCols*tableRows, MaxTableCells)})
		}
		w := openers * blockBytes
		work += w
		if w > worstWork {
			worstWork = w
			worst = markdownLimit{blockStart, fmt.Sprintf("this paragraph has %d brackets, emphasis marks and '<' in %d bytes", openers, blockBytes)}
		}
		blockStart, blockBytes, openers, tableLine, tableCols, tableRows = 0, 0, 0, 0, 0, 0
	}
	line := 0
	for rest := src; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		line++
		if fence != "" {
			if strings.HasPrefix(l, fence[:1]) && closesFence(l, fence) {
				fence = ""
			}
			continue
		}
		if f := openingFence(l); f != "" {
			endBlock()
			fence = f
			continue
		}
		if strings.TrimSpace(l) == "" {
			endBlock()
			continue
		}
		if blockStart == 0 {
			blockStart = line
		}
		blockBytes += len(l) + 1
		d, text := nesting(l)
		if d > MaxNesting && deepest == 0 {
			depth, deepest = d, line
		}
		openers += strings.Count(text, "[") + strings.Count(text, "*") + strings.Count(text, "_") + strings.Count(text, "~") + strings.Count(text, "<")
		switch {
		case tableCols > 0:
			tableRows++
		case line > blockStart:
			if c := delimiterRow(text); c > 0 {
				tableLine, tableCols, tableRows = line, c, 1 // the header row
			}
		}
	}
	endBlock()
	if deepest > 0 {
		out = append(out, markdownLimit{deepest, fmt.Sprintf("quotes (>) and lists are nested %d deep here; at most %d levels are allowed", depth, MaxNesting)})
	}
	if work > maxInlineWork {
		worst.msg += "; the text has too many of them in too long paragraphs to render quickly: separate paragraphs with blank lines, and put code in a ``` block"
		out = append(out, worst)
	}
	return out
}

// nesting returns how deep a line may nest quotes and lists, and the
// line's text after its quote and list markers. Each '>' and each list
// marker ("-", "*", "+", "1." or "1)" before a space or the end) counts
// one level, and so do every two columns of white space among them
// when there is a marker: an item indented under another is nested in
// it. A line with no marker opens nothing.
func nesting(l string) (depth int, text string) {
	markers, cols := 0, 0
	i := 0
scan:
	for i < len(l) {
		c := l[i]
		switch {
		case c == ' ':
			cols++
			i++
			continue
		case c == '\t':
			cols += 4 - cols%4
			i++
			continue
		case c == '>':
			markers++
			i++
			continue
		case c == '-' || c == '*' || c == '+':
			if i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t' {
				markers++
				i++
				continue
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(l) && j-i < 9 && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j < len(l) && (l[j] == '.' || l[j] == ')') && (j+1 == len(l) || l[j+1] == ' ' || l[j+1] == '\t') {
				markers++
				i = j + 1
				continue
			}
		}
		break scan
	}
	if markers == 0 {
		return 0, l[i:]
	}
	return markers + cols/2, l[i:]
}

// openingFence returns the fence that opens a code block at the very
// start of a line (``` or ~~~, or longer), or "". Only such a block is
// left unmeasured: nothing ends it but its closing fence, whereas an
// indented one ends with the list or quote it is in.
func openingFence(l string) string {
	if l == "" || (l[0] != '`' && l[0] != '~') {
		return ""
	}
	n := len(l) - len(strings.TrimLeft(l, l[:1]))
	if n < 3 || (l[0] == '`' && strings.Contains(l[n:], "`")) {
		return ""
	}
	return l[:n]
}

// closesFence reports whether line l closes a code block opened by fence.
func closesFence(l, fence string) bool {
	t := strings.TrimLeft(l, " ")
	if len(l)-len(t) > 3 {
		return false
	}
	n := len(t) - len(strings.TrimLeft(t, fence[:1]))
	return n >= len(fence) && strings.TrimSpace(t[n:]) == ""
}

// delimiterRow returns the number of columns of a table's delimiter row
// ("| --- | :-: |"), or 0 if the line is not one.
func delimiterRow(l string) int {
	l = strings.TrimSpace(l)
	if !strings.Contains(l, "-") || strings.Trim(l, "|-: \t") != "" {
		return 0
	}
	if !strings.Contains(l, "|") {
		return 0 // a thematic break, or a heading's underline
	}
	l = strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|")
	return strings.Count(l, "|") + 1
}
