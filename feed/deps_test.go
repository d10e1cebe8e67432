package feed

import (
	"slices"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/handlers/golden/golist"
)

// TestFeedLinksNoSQL pins the layering: package feed renders documents
// and does not link the upstream store, the application's database or
// any SQL driver. The combined feed takes PlanetItem, which the caller
// maps from the upstream store's items.
func TestFeedLinksNoSQL(t *testing.T) {
	const pkg = "github.com/morningpost/morningpost/feed"
	out := golist.Run(t, "-deps", "-f", "{{.ImportPath}}", pkg)
	deps := strings.Fields(out)
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
