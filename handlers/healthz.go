package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// health is the /healthz document.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version"` // content version
	Build   string `json:"build,omitempty"`
	// Snapshot is the key of what is public now; it changes at every
	// publication and content change.
	Snapshot        string        `json:"snapshot"`
	Issues          int           `json:"issues"`   // public issues
	Articles        int           `json:"articles"` // public articles
	NextPublication *time.Time    `json:"next_publication"`
	Errors          []healthError `json:"errors"`
}

// healthError is one problem of the last content reload.
type healthError struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// healthz reports what is being served. Content errors do not make it
// fail: the last good content is still served, so the server is healthy;
// the errors are there for editors and monitoring to see.
func (s *server) healthz(c echo.Context) error {
	now := s.now()
	cont := s.content.Content()
	snap := cont.At(now)
	h := health{
		Status:   "ok",
		Version:  cont.Version,
		Build:    s.version,
		Snapshot: snap.Key,
		Issues:   len(snap.Issues),
		Articles: len(snap.Articles()),
		Errors:   []healthError{},
	}
	if !snap.Next.IsZero() {
		next := snap.Next.UTC()
		h.NextPublication = &next
	}
	for _, p := range s.content.Problems() {
		h.Errors = append(h.Errors, healthError{Path: p.Path, Line: p.Line, Message: p.Msg})
	}
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	hd["X-Content-Type-Options"] = hvNosniff
	hd.Set("Content-Type", "application/json; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(append(b, '\n'))
	}
	return nil
}
