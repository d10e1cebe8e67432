package handlers

import (
	"strings"
	"testing"

	"github.com/morningpost/morningpost/handlers/golden/golist"
)

// importRules are the import graph of handlers/, as `go list` finds it:
// for each package, the packages of this module it may import. The
// shared HTTP package (httpx) and the shared page package (page) import
// no part of the site and neither side; the editor's desk (desk) imports
// the shared packages and never the public site (handlers); the export
// and the audience know nothing of the site's handlers; handlers (the
// route table, the public site, the fast path) sits on top and mounts
// the desk's lines.
var importRules = map[string][]string{
	"handlers":               {"content", "content/search", "feed", "feed/activitypub", "feed/upstream", "handlers/audience", "handlers/desk", "handlers/httpx", "handlers/page"},
	"handlers/desk":          {"content", "content/search", "feed", "feed/activitypub", "feed/upstream", "handlers/audience", "handlers/httpx", "handlers/page"},
	"handlers/httpx":         {"feed"},
	"handlers/page":          {"content", "content/search", "feed", "handlers/httpx"},
	"handlers/export":        {"content", "feed"},
	"handlers/audience":      {"content/store"},
	"handlers/golden":        {},
	"handlers/golden/golist": {},
}

// TestImportRule pins importRules: a new import of this module by a
// package of handlers/ fails here until the rule says it may, and a new
// package of handlers/ fails until it has a rule.
func TestImportRule(t *testing.T) {
	const mod = "github.com/morningpost/morningpost/"
	out := golist.Run(t, "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"handlers/...")
	seen := map[string]bool{}
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		seen[pkg] = true
		allowed, ok := importRules[pkg]
		if !ok {
			t.Errorf("package %s has no import rule; add it to importRules", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			ours, isOurs := strings.CutPrefix(imp, mod)
			if !isOurs {
				continue
			}
			permitted := false
			for _, a := range allowed {
				permitted = permitted || ours == a
			}
			if !permitted {
				t.Errorf("%s imports %s, which its rule does not allow", pkg, ours)
			}
		}
	}
	for pkg := range importRules {
		if !seen[pkg] {
			t.Errorf("importRules names %s, which go list does not find", pkg)
		}
	}
}
