package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/morningpost/morningpost/handlers/httpx"
)

// health is the /healthz document. Anyone may read it, so it says only
// what is public.
type health struct {
	Status string `json:"status"`
	// Version is the version of the public content (Snapshot.Version):
	// it changes when what readers see changes, never at a save of a
	// draft or a scheduled issue.
	Version  string `json:"version"`
	Build    string `json:"build,omitempty"`
	Issues   int    `json:"issues"`   // public issues
	Articles int    `json:"articles"` // public articles
	// Problems counts the content problems on disk now: 0 when what is
	// served is what is on disk. What they are is for editors.
	Problems int `json:"problems"`
	// Store is the store's state, when the program reports it; while it
	// is unreachable, Status is "degraded": pages and feeds are served
	// from memory, polling is paused. Its error is for editors only.
	Store *storeHealth `json:"store,omitempty"`
}

// editorHealth is /healthz for a request with the preview token: the
// public document, with Version the version of every file on disk
// (drafts included), and what only editors may know.
type editorHealth struct {
	health
	PublicVersion string `json:"public_version"` // health.Version of the public document
	// Snapshot is the key of what is public now; it changes at every
	// publication and content change.
	Snapshot        string        `json:"snapshot"`
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
// fail: the last good content is still served, so the server is healthy
// (200, for load balancers); the errors are there for editors and
// monitoring to see. Their text, paths and anything about drafts and
// scheduled issues (whose existence, publication time and every save
// would show) are shown with the preview token only.
func (s *server) healthz(c echo.Context) error {
	now := s.now()
	cont := s.content.Content()
	snap := cont.At(now)
	problems := s.content.Problems()
	h := health{
		Status:   "ok",
		Version:  snap.Version,
		Build:    s.version,
		Issues:   len(snap.Issues),
		Articles: len(snap.Articles()),
		Problems: len(problems),
	}
	st := s.store.get()
	if st != nil {
		if !st.Reachable {
			h.Status = "degraded"
		}
		pub := *st
		pub.Error, pub.Since = "", nil // may name the database's host
		h.Store = &pub
	}
	hd := c.Response().Header()
	var doc any = h
	if s.desk != nil {
		hd["Vary"] = hvVaryCookieAuthorization
		if s.editor(c.Request()) {
			eh := editorHealth{health: h, PublicVersion: snap.Version, Snapshot: snap.Key, Errors: []healthError{}}
			eh.Version = cont.Version
			eh.Store = st // with its error
			if !snap.Next.IsZero() {
				next := snap.Next.UTC()
				eh.NextPublication = &next
			}
			for _, p := range problems {
				eh.Errors = append(eh.Errors, healthError{Path: p.Path, Line: p.Line, Message: p.Msg})
			}
			doc = eh
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	hd.Set("Cache-Control", "no-store")
	hd["X-Content-Type-Options"] = httpx.Nosniff
	hd.Set("Content-Type", "application/json; charset=utf-8")
	b = append(b, '\n')
	hd.Set("Content-Length", strconv.Itoa(len(b))) // for HEAD too: the length a GET would get
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(b)
	}
	return nil
}
