package gateway

import (
	"net/http"
	"time"

	"github.com/harborai/harbor-go/generated/harborapi"
)

// GeneratedRouter routes every request, chat included, through the router
// generated from spec/harbor.yaml, for BenchmarkChatJSONGeneratedRouter.
func (s *Server) GeneratedRouter() http.Handler {
	h := harborapi.Handler(routes{s})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := newExchange(w)
		defer s.logLine(x, r)
		h.ServeHTTP(x, r)
	})
}

// SetClock replaces the clock of s's per-process limits and budgets, so that
// tests can give two gateways clocks that disagree.
func SetClock(s *Server, now func() time.Time) { s.now = now }
