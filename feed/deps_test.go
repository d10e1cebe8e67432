package feed

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestFeedLinksNoSQL pins the layering: package feed renders documents
// and does not link the upstream store, the application's database or
// any SQL driver. The combined feed takes PlanetItem, which the caller
// maps from the upstream store's items.
func TestFeedLinksNoSQL(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go command is not installed")
		}
		t.Skip("the go command is not installed")
	}
	const pkg = "github.com/morningpost/morningpost/feed"
	out, err := exec.Command(goCmd, "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, msg)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, pkg) {
		t.Fatalf("go list -deps %s does not list the package itself:\n%s", pkg, out)
	}
	forbidden := []string{
		"github.com/jackc/pgx",
		"modernc.org/sqlite",
		"database/sql",
		"github.com/morningpost/morningpost/feed/upstream",
		"github.com/morningpost/morningpost/content/store",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("%s links %s", pkg, d)
			}
		}
	}
}
