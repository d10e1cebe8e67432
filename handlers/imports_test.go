package handlers

import (
	"strings"
	"testing"

	"github.com/morningpost/morningpost/handlers/golden/golist"
)

// importRules are the import graph of handlers/, as `go list` finds it:
// for each package, the packages of this module it may import. The
// shared HTTP package (httpx) and the shared page package (page) import
// neither side; the public site (site) and the editor's desk (desk)
// import the shared packages and never each other; the export and the
// audience know nothing of either; handlers (the route table, the
// server, the fast path, metrics and middleware) sits on top, the only
// package that imports site and desk, and mounts both.
// TestImportRuleKeepsSidesApart holds the rules themselves to that.
var importRules = map[string][]string{
	"handlers":               {"content", "content/search", "feed", "feed/activitypub", "feed/upstream", "handlers/audience", "handlers/desk", "handlers/httpx", "handlers/site"},
	"handlers/site":          {"content", "content/search", "feed", "feed/activitypub", "feed/upstream", "handlers/httpx", "handlers/page"},
	"handlers/desk":          {"content", "content/search", "feed", "feed/activitypub", "feed/upstream", "handlers/audience", "handlers/httpx", "handlers/page"},
	"handlers/httpx":         {"feed"},
	"handlers/page":          {"content", "content/search", "feed", "handlers/httpx"},
	"handlers/export":        {"content", "feed"},
	"handlers/audience":      {"content/store"},
	"handlers/golden":        {},
	"handlers/golden/golist": {},
	"handlers/testcontent":   {},
}

// TestImportRuleKeepsSidesApart checks the rules above, so that loosening
// one to let the site and the desk meet fails here: only handlers may
// import site or desk, and no package handlers/ imports handlers.
func TestImportRuleKeepsSidesApart(t *testing.T) {
	for pkg, allowed := range importRules {
		for _, imp := range allowed {
			switch {
			case imp == "handlers":
				t.Errorf("%s may import handlers: nothing below the route table may", pkg)
			case (imp == "handlers/site" || imp == "handlers/desk") && pkg != "handlers":
				t.Errorf("%s may import %s: only handlers mounts the site and the desk", pkg, imp)
			}
		}
	}
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
