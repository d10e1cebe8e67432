package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/httpx"
)

// An error answers with the status it carries, through any wrapping;
// Echo's client errors keep theirs; anything else is a 500.
func TestErrorStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{httpx.ErrNotFound, http.StatusNotFound},
		{fmt.Errorf("issue 12: %w", httpx.ErrNotFound), http.StatusNotFound},
		{httpx.BadRequest("days must be a positive whole number"), http.StatusBadRequest},
		{fmt.Errorf("audience: %w", httpx.WithStatus(http.StatusRequestEntityTooLarge, errors.New("body"))), http.StatusRequestEntityTooLarge},
		{echo.ErrMethodNotAllowed, http.StatusMethodNotAllowed},
		{echo.ErrNotFound, http.StatusNotFound},
		{echo.NewHTTPError(http.StatusBadGateway), http.StatusInternalServerError}, // only Echo's 4xx are kept
		{errors.New("disk full"), http.StatusInternalServerError},
		{fmt.Errorf("render: %w", errors.New("template")), http.StatusInternalServerError},
	} {
		if got := httpx.Status(c.err); got != c.want {
			t.Errorf("httpx.Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", httpx.ErrNotFound), httpx.ErrNotFound) {
		t.Error("a wrapped httpx.ErrNotFound is not httpx.ErrNotFound")
	}
}

// The 400 of a malformed parameter shows the status's own text, never
// the cause, and is not stored.
func TestErrorResponsesShowStatusText(t *testing.T) {
	ts := newServerWith(t, func(d *Deps) { d.PreviewToken = testToken })
	rec := ts.get("/preview/audience.json?days=-1", http.StatusBadRequest, "Authorization", "Bearer "+testToken)
	if got := rec.Body.String(); got != "Bad Request\n" {
		t.Errorf("400 body %q", got)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("400 Cache-Control %q", cc)
	}
}
