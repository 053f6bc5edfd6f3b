package harbor

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/llm"
)

// Hedged requests ("The Tail at Scale"): when a chain's first model has not
// produced its first chunk — for Create, its answer — within a delay, the same
// request also goes to the chain's next model; the first to answer wins and the
// other is cancelled at once. Opt-in, for chains only.
type Hedge struct {
	// After is the delay before the second request. 0: derived from the first
	// model's provider's recent times to first chunk (Percentile of the last
	// 256 calls), never below MinAfter; with fewer than 20 such calls, MinAfter.
	After time.Duration `json:"after"`
	// Percentile of the recent times to first chunk that sets the delay when
	// After is 0; default 0.95.
	Percentile float64 `json:"percentile"`
	// MinAfter bounds a derived delay from below; default 50ms.
	MinAfter time.Duration `json:"min_after"`
}

// WithHedging hedges every fallback chain's first model (see Hedge). Both
// requests' usage and cost are counted (a cancelled one's as far as the vendor
// reported it); the answer's Fallback.Hedged and the events' Hedged say which
// calls were hedged. New rejects negative durations and a Percentile outside
// (0, 1).
func WithHedging(h Hedge) Option {
	return clientOption(func(o *Options) { o.Hedge = &h })
}

func (h *Hedge) validate() error {
	switch {
	case h.After < 0 || h.MinAfter < 0:
		return invalidOption("WithHedging", "WithHedging: durations must be >= 0, got After %v, MinAfter %v", h.After, h.MinAfter)
	case h.Percentile < 0 || h.Percentile >= 1 || h.Percentile != h.Percentile:
		return invalidOption("WithHedging", "WithHedging: Percentile must be in (0, 1), got %v", h.Percentile)
	}
	if h.Percentile == 0 {
		h.Percentile = 0.95
	}
	if h.MinAfter == 0 {
		h.MinAfter = 50 * time.Millisecond
	}
	return nil
}

// delay is how long to wait for the first model before hedging.
func (h *Hedge) delay(st *providerState) time.Duration {
	if h.After > 0 {
		return h.After
	}
	d, ok := st.firsts.percentile(h.Percentile)
	if !ok || d < h.MinAfter {
		return h.MinAfter
	}
	return d
}

// firstTimes keeps a provider's latest times to first chunk (Create: to the
// answer), lock-free: a ring of atomics.
type firstTimes struct {
	ring [256]atomic.Int64
	n    atomic.Uint64
}

func (f *firstTimes) add(d time.Duration) {
	i := f.n.Add(1) - 1
	f.ring[i%uint64(len(f.ring))].Store(int64(d))
}

// percentile of the recorded times; false with fewer than 20.
func (f *firstTimes) percentile(p float64) (time.Duration, bool) {
	n := min(f.n.Load(), uint64(len(f.ring)))
	if n < 20 {
		return 0, false
	}
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = f.ring[i].Load()
	}
	slices.Sort(vals)
	return time.Duration(vals[int(p*float64(n-1))]), true
}

// hedged is the result of one attempt of a hedged Create.
type hedged struct {
	i   int
	res *ChatCompletion
	err error
}

// createHedged runs the chain's first two models as a hedge, then, if both
// fail and the chain goes on, the rest as a plain chain.
func (c *Client) createHedged(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*ChatCompletion, error) {
	first, err := c.resolve(ch.models[0])
	if err != nil {
		return c.createChain(ctx, req, opts, ch)
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan hedged, 2)
	launch := func(i int) {
		r := *req
		r.Model = ch.models[i]
		go func() {
			res, err := c.createOne(actx, &r, opts, ch, i, i == 1)
			results <- hedged{i, res, err}
		}()
	}
	launch(0)
	timer := time.NewTimer(c.opts.Hedge.delay(first.s.st))
	defer timer.Stop()
	running, launched := 1, 1
	var failed []FallbackAttempt
	for running > 0 {
		select {
		case <-timer.C:
			if launched == 1 {
				c.stats.hedges.Add(1)
				launch(1)
				launched, running = 2, running+1
			}
			continue
		case h := <-results:
			running--
			if h.err == nil {
				cancel() // the other attempt, if any, stops now
				for ; running > 0; running-- {
					<-results // wait for it, so that its events and costs are counted
				}
				h.res.Fallback = &Fallback{Chain: ch.name, Model: ch.models[h.i], Failed: failed, Hedged: launched == 2}
				return h.res, nil
			}
			failed = append(failed, attemptOf(ch.models[h.i], h.err))
			if !ch.movesOn(ctx, h.err) {
				cancel()
				for ; running > 0; running-- {
					<-results
				}
				return nil, chainError(ch, failed)
			}
			if launched == 1 { // the first failed before the hedge: move on now
				timer.Stop()
				c.stats.fallbacks.Add(1)
				launch(1)
				launched, running = 2, running+1
			}
		}
	}
	if len(ch.models) > 2 && ctx.Err() == nil {
		rest := &chain{name: ch.name, models: ch.models[2:], on: ch.on}
		res, err := c.createChain(ctx, req, opts, rest)
		if err == nil {
			res.Fallback.Chain, res.Fallback.Failed, res.Fallback.Hedged = ch.name, append(failed, res.Fallback.Failed...), true
			return res, nil
		}
		var fe *FallbackError
		if errors.As(err, &fe) {
			failed = append(failed, fe.Attempts...)
		} else {
			failed = append(failed, attemptOf(rest.models[0], err))
		}
	}
	return nil, chainError(ch, failed)
}

// hedgedStream is the result of one attempt of a hedged Stream: its source and
// first chunk, or why it failed.
type hedgedStream struct {
	i      int
	t      *trackedSource
	first  Chunk
	err    error
	cancel context.CancelFunc
}

// streamHedged is createHedged for streams: an attempt wins with its first
// chunk.
func (c *Client) streamHedged(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*Stream, error) {
	first, err := c.resolve(ch.models[0])
	if err != nil {
		return c.streamChain(ctx, req, opts, ch)
	}
	results := make(chan hedgedStream, 2)
	var cancels [2]context.CancelFunc
	launch := func(i int) {
		r := *req
		r.Model = ch.models[i]
		actx, cancel := context.WithCancel(ctx)
		cancels[i] = cancel
		go func() {
			h := hedgedStream{i: i, cancel: cancel}
			h.t, h.err = c.streamOne(actx, &r, opts, ch, i, i == 1)
			if h.err == nil {
				if h.first, h.err = h.t.Next(); h.err != nil {
					h.t.Close()
					if errors.Is(h.err, io.EOF) {
						h.err = &Error{Provider: h.t.k.name, Model: r.Model, Kind: ErrBadResponse, Message: "the stream ended without a chunk"}
					}
				}
			}
			results <- h
		}()
	}
	// drop cancels an attempt and, once it reports, closes what it opened.
	drop := func(h hedgedStream) {
		h.cancel()
		if h.err == nil {
			h.t.Close()
		}
	}
	launch(0)
	timer := time.NewTimer(c.opts.Hedge.delay(first.s.st))
	defer timer.Stop()
	running, launched := 1, 1
	var failed []FallbackAttempt
	for running > 0 {
		select {
		case <-timer.C:
			if launched == 1 {
				c.stats.hedges.Add(1)
				launch(1)
				launched, running = 2, running+1
			}
			continue
		case h := <-results:
			running--
			if h.err == nil {
				for i, cancel := range cancels { // the other attempt: cancelled at once
					if cancel != nil && i != h.i {
						cancel()
					}
				}
				for ; running > 0; running-- {
					drop(<-results)
				}
				fb := &Fallback{Chain: ch.name, Model: ch.models[h.i], Failed: failed, Hedged: launched == 2}
				return llm.NewStream(&hedgedSource{trackedSource: h.t, first: h.first, cancel: h.cancel, fb: fb}), nil
			}
			h.cancel()
			failed = append(failed, attemptOf(ch.models[h.i], h.err))
			if !ch.movesOn(ctx, h.err) {
				for _, cancel := range cancels {
					if cancel != nil {
						cancel()
					}
				}
				for ; running > 0; running-- {
					drop(<-results)
				}
				return nil, chainError(ch, failed)
			}
			if launched == 1 {
				timer.Stop()
				c.stats.fallbacks.Add(1)
				launch(1)
				launched, running = 2, running+1
			}
		}
	}
	if len(ch.models) > 2 && ctx.Err() == nil {
		s, err := c.streamChain(ctx, req, opts, &chain{name: ch.name, models: ch.models[2:], on: ch.on})
		if err == nil {
			return s, nil
		}
		var fe *FallbackError
		if errors.As(err, &fe) {
			failed = append(failed, fe.Attempts...)
		} else {
			failed = append(failed, attemptOf(ch.models[2], err))
		}
	}
	return nil, chainError(ch, failed)
}

// hedgedSource is the winning attempt of a hedged Stream: its first chunk, then
// the rest of its stream.
type hedgedSource struct {
	*trackedSource
	first  Chunk
	sent   bool
	cancel context.CancelFunc
	fb     *Fallback
}

func (h *hedgedSource) Next() (llm.Chunk, error) {
	if !h.sent {
		h.sent = true
		return h.first, nil
	}
	return h.trackedSource.Next()
}

func (h *hedgedSource) Close() error {
	err := h.trackedSource.Close()
	h.cancel()
	return err
}

// Fallback reports the hedge (read by llm.Stream.Fallback).
func (h *hedgedSource) Fallback() *Fallback { return h.fb }
