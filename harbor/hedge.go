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

// raced is one attempt of a hedge: model i's result.
type raced[R any] struct {
	i      int
	res    R
	err    error
	cancel context.CancelFunc // the attempt's context: the winner's caller ends it
}

// race runs the hedge of a chain's first two models, each attempt with its own
// context: model 0 at once, model 1 when the delay has passed without an answer
// from model 0 (or at once when model 0 fails first, as a chain moves on). The
// first success wins and the other attempt is cancelled at once; race waits for
// it, so that its events and costs are counted, and hands a success of it to
// drop. The winner's context lives on: the caller cancels it (win.cancel) when
// it is done with the result. With no winner it returns the attempts that failed and whether the
// chain may go on past them.
func race[R any](c *Client, ctx context.Context, ch *chain, delay time.Duration,
	attempt func(ctx context.Context, i int) (R, error), drop func(R)) (win raced[R], hedgedBoth bool, failed []FallbackAttempt, goOn bool) {
	results := make(chan raced[R], 2)
	var cancels [2]context.CancelFunc
	launch := func(i int) {
		actx, cancel := context.WithCancel(ctx)
		cancels[i] = cancel
		go func() {
			res, err := attempt(actx, i)
			results <- raced[R]{i, res, err, cancel}
		}()
	}
	stopAll := func(running int, keep int) {
		for i, cancel := range cancels {
			if cancel != nil && i != keep {
				cancel()
			}
		}
		for ; running > 0; running-- {
			if r := <-results; r.err == nil {
				drop(r.res)
			}
		}
	}
	launch(0)
	timer := time.NewTimer(delay)
	defer timer.Stop()
	running, launched := 1, 1
	for running > 0 {
		select {
		case <-timer.C:
			if launched == 1 {
				c.stats.hedges.Add(1)
				launch(1)
				launched, running, hedgedBoth = 2, running+1, true
			}
		case r := <-results:
			running--
			if r.err == nil {
				stopAll(running, r.i)
				return r, hedgedBoth, failed, false
			}
			cancels[r.i]()
			failed = append(failed, attemptOf(ch.models[r.i], r.err))
			if !ch.movesOn(ctx, r.err) {
				stopAll(running, -1)
				return raced[R]{i: -1}, hedgedBoth, failed, false
			}
			if launched == 1 { // the first failed before the hedge: move on now
				timer.Stop()
				c.stats.fallbacks.Add(1)
				launch(1)
				launched, running = 2, running+1
			}
		}
	}
	return raced[R]{i: -1}, hedgedBoth, failed, len(ch.models) > 2 && ctx.Err() == nil
}

// rest is what a chain has after its hedged first two models.
func (ch *chain) rest() *chain { return &chain{name: ch.name, models: ch.models[2:], on: ch.on} }

// withRest adds the failures of the rest of the chain (err, from createChain or
// streamChain) to failed.
func withRest(failed []FallbackAttempt, rest *chain, err error) []FallbackAttempt {
	var fe *FallbackError
	if errors.As(err, &fe) {
		return append(failed, fe.Attempts...)
	}
	return append(failed, attemptOf(rest.models[0], err))
}

// createHedged runs the chain's first two models as a hedge, then, if both
// fail and the chain goes on, the rest as a plain chain.
func (c *Client) createHedged(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*ChatCompletion, error) {
	first, err := c.resolve(ch.models[0])
	if err != nil {
		return c.createChain(ctx, req, opts, ch)
	}
	win, hedgedBoth, failed, goOn := race(c, ctx, ch, c.opts.Hedge.delay(first.s.st),
		func(actx context.Context, i int) (*ChatCompletion, error) {
			r := *req
			r.Model = ch.models[i]
			return c.createOne(actx, &r, opts, ch, i, i == 1)
		}, func(*ChatCompletion) {})
	if win.i >= 0 {
		win.cancel()
		win.res.Fallback = &Fallback{Chain: ch.name, Model: ch.models[win.i], Failed: failed, Hedged: hedgedBoth}
		return win.res, nil
	}
	if goOn {
		res, err := c.createChain(ctx, req, opts, ch.rest())
		if err == nil {
			res.Fallback.Chain, res.Fallback.Failed, res.Fallback.Hedged = ch.name, append(failed, res.Fallback.Failed...), hedgedBoth
			return res, nil
		}
		failed = withRest(failed, ch.rest(), err)
	}
	return nil, chainError(ch, failed)
}

// firstChunked is a hedged Stream's attempt: its source and first chunk.
type firstChunked struct {
	t     *trackedSource
	first Chunk
}

// streamHedged is createHedged for streams: an attempt wins with its first
// chunk.
func (c *Client) streamHedged(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*Stream, error) {
	first, err := c.resolve(ch.models[0])
	if err != nil {
		return c.streamChain(ctx, req, opts, ch)
	}
	// The winner's context lives as long as its stream: it is cancelled when
	// the stream is closed.
	win, hedgedBoth, failed, goOn := race(c, ctx, ch, c.opts.Hedge.delay(first.s.st),
		func(actx context.Context, i int) (firstChunked, error) {
			r := *req
			r.Model = ch.models[i]
			t, err := c.streamOne(actx, &r, opts, ch, i, i == 1)
			if err != nil {
				return firstChunked{}, err
			}
			chunk, err := t.Next()
			if err != nil {
				t.Close()
				if errors.Is(err, io.EOF) {
					err = &Error{Provider: t.k.name, Model: r.Model, Kind: ErrBadResponse, Message: "the stream ended without a chunk"}
				}
				return firstChunked{}, err
			}
			return firstChunked{t, chunk}, nil
		}, func(f firstChunked) { f.t.Close() })
	if win.i >= 0 {
		fb := &Fallback{Chain: ch.name, Model: ch.models[win.i], Failed: failed, Hedged: hedgedBoth}
		return llm.NewStream(&hedgedSource{trackedSource: win.res.t, first: win.res.first, cancel: win.cancel, fb: fb}), nil
	}
	if goOn {
		s, err := c.streamChain(ctx, req, opts, ch.rest())
		if err == nil {
			return s, nil
		}
		failed = withRest(failed, ch.rest(), err)
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

// Buffered is true while the first chunk, won by the race, is still to be
// delivered; then it is the winner's (read by llm.Stream.Buffered).
func (h *hedgedSource) Buffered() bool { return !h.sent || h.trackedSource.Buffered() }

// Fallback reports the hedge (read by llm.Stream.Fallback).
func (h *hedgedSource) Fallback() *Fallback { return h.fb }
