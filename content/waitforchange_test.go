package content

import (
	"context"
	"testing"
	"time"
)

// TestWaitForChange: a reload or the next publication ends the wait, and
// with neither only the context does.
func TestWaitForChange(t *testing.T) {
	now := time.Now
	events := make(chan Event, 1)

	events <- Event{}
	if !WaitForChange(t.Context(), events, time.Time{}, now) {
		t.Error("a reload did not end the wait")
	}

	start := time.Now()
	if !WaitForChange(t.Context(), events, start.Add(20*time.Millisecond), now) {
		t.Error("the next publication did not end the wait")
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("the wait ended %v before the publication", 20*time.Millisecond-waited)
	}
	if !WaitForChange(t.Context(), events, start.Add(-time.Hour), now) {
		t.Error("a publication already past did not end the wait at once")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if WaitForChange(ctx, events, time.Time{}, now) {
		t.Error("with no reload and no publication, the wait ended before the context")
	}
}
