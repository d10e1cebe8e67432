package content

import (
	"errors"
	"strings"
	"testing"
)

// A panic while reloading becomes a problem; the server keeps running.
func TestReloadPanicIsAProblem(t *testing.T) {
	c, err := guarded(func() (*Content, error) { panic("boom") })
	var ps Problems
	if c != nil || !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(ps[0].Msg, "boom") {
		t.Fatalf("guarded(panic) = %v, %v", c, err)
	}
}
