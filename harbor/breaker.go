package harbor

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// CircuitBreaker stops calling a provider that keeps failing: after Failures
// consecutive failures of the vendor (server errors, timeouts, connection errors,
// cut or undecodable answers — not rate limits, refusals of the request or the
// caller's cancellations) the breaker opens and calls fail at once with
// ErrCircuitOpen, without a retry cycle each. After Cooldown one call is let
// through (half-open): its success closes the breaker, its failure opens it again
// for another Cooldown. Its state shows in HealthCheck.
type CircuitBreaker struct {
	// Failures is how many consecutive failures open the breaker; default 5.
	Failures int `json:"failures"`
	// Cooldown is how long it stays open before a probe call; default 30s.
	Cooldown time.Duration `json:"cooldown"`
}

// WithCircuitBreaker gives every provider of the Client a circuit breaker (off
// by default). New rejects negative values.
func WithCircuitBreaker(cb CircuitBreaker) Option {
	return clientOption(func(o *Options) { o.Breaker = &cb })
}

func (cb *CircuitBreaker) validate() error {
	switch {
	case cb.Failures < 0:
		return invalidOption("WithCircuitBreaker", "WithCircuitBreaker: Failures must be >= 0, got %d", cb.Failures)
	case cb.Cooldown < 0:
		return invalidOption("WithCircuitBreaker", "WithCircuitBreaker: Cooldown must be >= 0, got %v", cb.Cooldown)
	}
	if cb.Failures == 0 {
		cb.Failures = 5
	}
	if cb.Cooldown == 0 {
		cb.Cooldown = 30 * time.Second
	}
	return nil
}

// Circuit states, as HealthCheck reports them.
const (
	CircuitClosed   = "closed"
	CircuitOpen     = "open"
	CircuitHalfOpen = "half_open"
)

// breaker is one provider's circuit, lock-free.
type breaker struct {
	cfg      CircuitBreaker
	state    atomic.Int32 // 0 closed, 1 open, 2 half-open
	failures atomic.Int32
	openedAt atomic.Int64 // unix ns
	probing  atomic.Bool  // the half-open probe is under way
}

const (
	stClosed int32 = iota
	stOpen
	stHalfOpen
)

func newBreaker(cb *CircuitBreaker) *breaker {
	if cb == nil {
		return nil
	}
	return &breaker{cfg: *cb}
}

// allow says whether a call may be sent now; probe reports that it is the
// half-open probe (its outcome decides the state).
func (b *breaker) allow(now time.Time, provider string) (probe bool, err error) {
	if b == nil {
		return false, nil
	}
	switch b.state.Load() {
	case stClosed:
		return false, nil
	case stOpen:
		left := time.Duration(b.openedAt.Load()+int64(b.cfg.Cooldown)) - time.Duration(now.UnixNano())
		if left > 0 {
			return false, b.openErr(provider, left)
		}
		b.state.CompareAndSwap(stOpen, stHalfOpen)
	}
	if b.probing.CompareAndSwap(false, true) {
		return true, nil
	}
	return false, b.openErr(provider, 0)
}

func (b *breaker) openErr(provider string, left time.Duration) *Error {
	msg := fmt.Sprintf("the circuit breaker of %s is open after %d consecutive failures; not sent", provider, b.cfg.Failures)
	if left <= 0 {
		msg = fmt.Sprintf("the circuit breaker of %s is half-open and its probe call is under way; not sent", provider)
	}
	return &Error{Provider: provider, Kind: ErrCircuitOpen, Transient: true, RetryAfter: left, Message: msg}
}

// record takes the outcome of a call that allow let through.
func (b *breaker) record(now time.Time, probe bool, err error) {
	if b == nil {
		return
	}
	if probe {
		defer b.probing.Store(false)
	}
	if !tripsBreaker(err) {
		if err == nil || probe {
			// A success, or a probe the vendor answered: the vendor is up.
			b.failures.Store(0)
			b.state.Store(stClosed)
		}
		return
	}
	if probe || b.failures.Add(1) >= int32(b.cfg.Failures) {
		b.openedAt.Store(now.UnixNano())
		b.state.Store(stOpen)
	}
}

// tripsBreaker reports whether err says the vendor is failing.
func tripsBreaker(err error) bool {
	for _, k := range [...]error{ErrServer, ErrTimeout, ErrConnection, ErrStreamTruncated, ErrBadResponse} {
		if errors.Is(err, k) {
			return !errors.Is(err, ErrCanceled)
		}
	}
	return false
}

// stateName is the state for HealthCheck.
func (b *breaker) stateName(now time.Time) string {
	switch b.state.Load() {
	case stOpen:
		if now.UnixNano() >= b.openedAt.Load()+int64(b.cfg.Cooldown) {
			return CircuitHalfOpen // the next call will probe
		}
		return CircuitOpen
	case stHalfOpen:
		return CircuitHalfOpen
	}
	return CircuitClosed
}
