package content

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the content, located in a file.
type Problem struct {
	Path string `json:"path"`           // slash-separated, inside the content root
	Line int    `json:"line,omitempty"` // 1-based; 0 when the whole file is at fault
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	}
	return p.Path + ": " + p.Msg
}

// Problems is every problem found in one load. It is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Line < ps[j].Line
	})
}

// problems collects Problems for one file, and its warnings: what is
// not wrong yet but will be hard to undo (see Content.Warnings).
type problems struct {
	list *Problems
	warn *Problems // nil: warnings are dropped
	path string
	off  int // line offset of the YAML inside the file
	last int // the file's last line; 0 when unknown
}

// lastLine is the number of the last line of a file's bytes.
func lastLine(b []byte) int { return bytes.Count(b, []byte("\n")) + 1 }

func (p problems) add(line int, format string, args ...any) {
	if line > 0 {
		line += p.off
	}
	p.addAt(line, format, args...)
}

// warning adds a warning at a line of the front matter (see add).
func (p problems) warning(line int, format string, args ...any) {
	if p.warn == nil {
		return
	}
	if line > 0 {
		line += p.off
	}
	if p.last > 0 && line > p.last {
		line = p.last
	}
	*p.warn = append(*p.warn, Problem{Path: p.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// title is the plain text of the title value of key (PlainTitle),
// warning when it held markup.
func (p problems) title(v string, line int, what string) string {
	t, markup := plainTitle(v)
	if markup {
		p.warning(line, "%s %q holds markup; it is shown as the plain text %q (titles are text: write no HTML in them)", what, v, t)
	}
	return t
}

// addAt adds a problem at a line of the file, not of its front matter.
func (p problems) addAt(line int, format string, args ...any) {
	// The YAML parser may place the end of a document past the end of
	// the file; the editor is sent to the last line instead.
	if p.last > 0 && line > p.last {
		line = p.last
	}
	*p.list = append(*p.list, Problem{Path: p.path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var (
	yamlLineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	atLineRE       = regexp.MustCompile(`at line \d+`)
	duplicateKeyRE = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	unknownKeyRE   = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	cannotDecodeRE = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// addYAML turns an error from the YAML decoder into problems with lines.
func (p problems) addYAML(msg string) {
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		p.add(0, "%s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	// Lines the message names ("already defined at line 5") are lines
	// of the YAML too: make them lines of the file.
	text := atLineRE.ReplaceAllStringFunc(m[2], func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "at line "))
		return "at line " + strconv.Itoa(n+p.off)
	})
	if d := duplicateKeyRE.FindStringSubmatch(text); d != nil {
		text = fmt.Sprintf("key %q is given twice (first on line %s): keep one of them", d[1], d[2])
	} else if k := unknownKeyRE.FindStringSubmatch(text); k != nil {
		text = fmt.Sprintf("unknown key %q", k[1])
	} else if c := cannotDecodeRE.FindStringSubmatch(text); c != nil {
		want := c[3]
		switch {
		case strings.HasPrefix(want, "[]"):
			want = "a list"
		case want == "int":
			want = "a whole number"
		case want == "bool":
			want = "true or false"
		case want == "string":
			want = "text"
		default:
			want = "a mapping of key: value lines"
		}
		text = fmt.Sprintf("%q should be %s", c[2], want)
	}
	p.add(line, "%s", text)
}

// unclosedQuote finds the first line of a YAML document whose value opens
// a quote that the line does not close, and which quote it is; 0 when
// there is none. Only asked after the document failed to parse: a quoted
// value may span lines in valid YAML, but in front matter a quote left
// open is the common typo, and the parser reports it far from its line.
func unclosedQuote(yml []byte) (line int, quote string) {
	for i, l := range strings.Split(string(yml), "\n") {
		v := strings.TrimSpace(l)
		if strings.HasPrefix(v, "#") {
			continue
		}
		if k := strings.Index(v, ": "); k >= 0 && !strings.ContainsAny(v[:k], "\"'") {
			v = strings.TrimSpace(v[k+2:])
		} else if rest, ok := strings.CutPrefix(v, "- "); ok {
			v = strings.TrimSpace(rest)
		} else {
			continue
		}
		switch {
		case strings.HasPrefix(v, "\"") && !closesDouble(v[1:]):
			return i + 1, "double quote (\")"
		case strings.HasPrefix(v, "'") && !closesSingle(v[1:]):
			return i + 1, "single quote (')"
		}
	}
	return 0, ""
}

// closesDouble reports whether s, the rest of a double-quoted value,
// holds its closing quote (backslash escapes skipped).
func closesDouble(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return true
		}
	}
	return false
}

// closesSingle reports whether s, the rest of a single-quoted value,
// holds its closing quote (” is an escaped quote).
func closesSingle(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return true
		}
	}
	return false
}
