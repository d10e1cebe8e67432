package handlers

import (
	"sync"
	"time"
)

// StoreStatus is what /healthz says about the store: whether it answers,
// and whether this server is polling the upstream sources. The program
// keeps it current (it asks the store every few seconds); the handlers
// only read it, so /healthz never waits on a database.
type StoreStatus struct {
	mu sync.Mutex
	h  storeHealth
}

type storeHealth struct {
	Engine    string     `json:"engine"` // sqlite or postgresql
	Reachable bool       `json:"reachable"`
	Error     string     `json:"error,omitempty"`
	Since     *time.Time `json:"unreachable_since,omitempty"`
	// Polling: this server polls the upstream sources (one server of a
	// fleet does, while it holds the lease).
	Polling bool `json:"polling"`
}

// NewStoreStatus returns the status of a store of the named engine,
// reachable until told otherwise.
func NewStoreStatus(engine string) *StoreStatus {
	return &StoreStatus{h: storeHealth{Engine: engine, Reachable: true}}
}

// Set records the outcome of the last question to the store (err nil:
// it answered) at now, and whether this server polls.
func (s *StoreStatus) Set(err error, polling bool, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h.Polling = polling
	if err == nil {
		s.h.Reachable, s.h.Error, s.h.Since = true, "", nil
		return
	}
	if s.h.Reachable {
		t := now.UTC()
		s.h.Since = &t
	}
	s.h.Reachable, s.h.Error = false, err.Error()
}

func (s *StoreStatus) get() *storeHealth {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.h
	return &h
}
