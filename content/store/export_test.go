package store

import "time"

// SetPause sets how long l leaves the database alone after a failure.
func SetPause(l *Ledger, d time.Duration) { l.pause = d }
