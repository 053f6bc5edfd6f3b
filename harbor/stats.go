package harbor

import (
	"errors"
	"sync/atomic"

	"github.com/harborai/harbor-go/llm"
)

// stats are plain atomic counters: cheap enough to leave on, no lock on the request path.
type stats struct {
	requests    atomic.Int64
	failures    atomic.Int64
	inFlight    atomic.Int64
	streamsOpen atomic.Int64
	retries     atomic.Int64
	rateLimited atomic.Int64
	canceled    atomic.Int64
	fallbacks   atomic.Int64
	hedges      atomic.Int64
}

// Stats is a snapshot of a Client's counters since New.
type Stats struct {
	Requests    int64 `json:"requests"`     // calls to Create and Stream
	Failures    int64 `json:"failures"`     // calls (or streams) that ended in an error, cancellations excepted
	Canceled    int64 `json:"canceled"`     // calls whose context the caller cancelled, streams closed before their end
	InFlight    int64 `json:"in_flight"`    // calls waiting for a response now
	StreamsOpen int64 `json:"streams_open"` // streams returned and not yet closed
	Retries     int64 `json:"retries"`      // extra HTTP attempts made by the retry policy
	RateLimited int64 `json:"rate_limited"` // failures classified ErrRateLimited
	Fallbacks   int64 `json:"fallbacks"`    // times a fallback chain moved to its next model
	Hedges      int64 `json:"hedges"`       // hedged requests sent (WithHedging)
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	s := &c.stats
	return Stats{
		Requests:    s.requests.Load(),
		Failures:    s.failures.Load(),
		InFlight:    s.inFlight.Load(),
		StreamsOpen: s.streamsOpen.Load(),
		Retries:     s.retries.Load(),
		RateLimited: s.rateLimited.Load(),
		Canceled:    s.canceled.Load(),
		Fallbacks:   s.fallbacks.Load(),
		Hedges:      s.hedges.Load(),
	}
}

// fail counts a call that ended in err: as a failure, or as a cancellation when
// the caller stopped it (ErrCanceled), which is not the vendor's or harbor's fault.
func (s *stats) fail(err error) {
	if errors.Is(err, llm.ErrCanceled) {
		s.canceled.Add(1)
		return
	}
	s.failures.Add(1)
	if errors.Is(err, llm.ErrRateLimited) {
		s.rateLimited.Add(1)
	}
}
