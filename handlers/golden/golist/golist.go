// Package golist runs `go list` for the tests that pin the module's
// import graph (feed/deps_test.go, handlers/imports_test.go).
package golist

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Run returns what `go list args...` prints. Without the go command the
// test is skipped, or fails under CI=true.
func Run(t testing.TB, args ...string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go command is not installed")
		}
		t.Skip("the go command is not installed")
	}
	out, err := exec.Command(goCmd, append([]string{"list"}, args...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}
