package gateway

import "time"

// SetClock replaces the clock of s's per-process limits and budgets, so that
// tests can give two gateways clocks that disagree.
func SetClock(s *Server, now func() time.Time) { s.now = now }
