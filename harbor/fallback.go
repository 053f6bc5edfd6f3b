package harbor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/harborai/harbor-go/llm"
)

// Fallback chains: a named list of models (any vendors) that a request walks
// until one answers. Only explicit — there is no default chain, and a chain never
// moves on for an error that another model would give too (an invalid request, a
// refused key, filtered content) or for the caller's cancellation.

// DefaultFallbackOn are the error classes that move a chain to its next model
// unless WithFallbackOn says otherwise: rate limits (after harbor's retries),
// server errors, timeouts, connection errors and open circuit breakers.
var DefaultFallbackOn = []error{ErrRateLimited, ErrServer, ErrTimeout, ErrConnection, ErrCircuitOpen}

// WithFallback defines a fallback chain: a request whose Model is name tries
// models[0], and on an error of a class in WithFallbackOn (DefaultFallbackOn)
// moves to models[1], and so on. The answer says which model answered and
// which failed first (ChatCompletion.Fallback, Stream.Fallback); when every model
// fails the error is a *FallbackError listing them. A Stream moves on only
// before its first chunk reached the caller. New rejects an empty chain and a
// model no provider serves.
//
//	harbor.WithFallback("fast", "deepseek-v4-flash", "doubao-seed-1-6-flash-250828", "ernie-4.5-turbo-32k")
func WithFallback(name string, models ...string) Option {
	return clientOption(func(o *Options) {
		if o.Fallbacks == nil {
			o.Fallbacks = map[string][]string{}
		}
		o.Fallbacks[name] = append([]string(nil), models...)
	})
}

// WithFallbackOn sets the error classes (ErrRateLimited, ErrServer… — the
// sentinels of errors.go) that move a chain to its next model. New rejects
// ErrCanceled and ErrStreamClosed: the caller's own stop never moves on.
func WithFallbackOn(classes ...error) Option {
	return clientOption(func(o *Options) { o.FallbackOn = append([]error(nil), classes...) })
}

// WithFallbackModels makes this call a chain: the request's Model first, then
// models, in order, under the Client's WithFallbackOn classes.
func WithFallbackModels(models ...string) CallOption {
	return fallbackModels(models)
}

type fallbackModels []string

func (f fallbackModels) apply(o *Options) { o.chain = f }
func (fallbackModels) callOption()        {}

func (o *Options) validateFallbacks() error {
	for _, name := range sortedKeys(o.Fallbacks) {
		models := o.Fallbacks[name]
		if name == "" || len(models) == 0 {
			return invalidOption("WithFallback", "WithFallback(%q): a chain needs a name and at least one model", name)
		}
		for _, m := range models {
			if m == "" || m == name {
				return invalidOption("WithFallback", "WithFallback(%q): model %q is empty or the chain itself", name, m)
			}
		}
	}
	for _, k := range o.FallbackOn {
		switch {
		case k == nil:
			return invalidOption("WithFallbackOn", "WithFallbackOn: a class is nil")
		case k == ErrCanceled || k == ErrStreamClosed:
			return invalidOption("WithFallbackOn", "WithFallbackOn: %v never moves a chain on: it is the caller's own stop", k)
		}
		if ErrorType(&Error{Kind: k}) == "other" {
			return invalidOption("WithFallbackOn", "WithFallbackOn: %v is not one of harbor's error classes", k)
		}
	}
	return nil
}

// checkChains checks that every model of every chain routes (New).
func (c *Client) checkChains() error {
	for _, name := range sortedKeys(c.opts.Fallbacks) {
		for _, m := range c.opts.Fallbacks[name] {
			if _, err := c.resolve(m); err != nil {
				return invalidOption("WithFallback", "WithFallback(%q): model %q: %v", name, m, err)
			}
		}
	}
	return nil
}

// chain is a call's fallback chain.
type chain struct {
	name   string
	models []string
	on     []error
}

// chainOf returns the call's chain, nil for a plain call: the request names a
// chain, or a CallOption gives one. Without either it costs a map lookup.
func (c *Client) chainOf(req *ChatRequest, opts []CallOption) *chain {
	if req == nil {
		return nil
	}
	on := c.opts.FallbackOn
	if on == nil {
		on = DefaultFallbackOn
	}
	for _, o := range opts {
		if f, ok := o.(fallbackModels); ok {
			return &chain{models: append([]string{req.Model}, f...), on: on}
		}
	}
	if models, ok := c.opts.Fallbacks[req.Model]; ok {
		return &chain{name: req.Model, models: models, on: on}
	}
	return nil
}

// movesOn reports whether err moves the chain to its next model.
func (ch *chain) movesOn(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ErrCanceled) || errors.Is(err, ErrStreamClosed) {
		return false
	}
	for _, k := range ch.on {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

func attemptOf(model string, err error) FallbackAttempt {
	a := FallbackAttempt{Model: model, ErrorType: ErrorType(err), Err: err}
	var e *Error
	if errors.As(err, &e) {
		a.Provider = e.Provider
	}
	return a
}

// FallbackError is the error of a chain whose models all failed (or that stopped
// at an error that does not move it on, after earlier models failed). It
// unwraps to the last model's error, so errors.Is and errors.As see that one's
// class.
type FallbackError struct {
	Chain    string // "" for a chain given per call
	Attempts []FallbackAttempt
}

func (e *FallbackError) Error() string {
	var b strings.Builder
	b.WriteString("harbor: fallback chain")
	if e.Chain != "" {
		fmt.Fprintf(&b, " %q", e.Chain)
	}
	fmt.Fprintf(&b, ": %d models failed", len(e.Attempts))
	for i, a := range e.Attempts {
		if i < len(e.Attempts)-1 {
			fmt.Fprintf(&b, "; %s: %s", a.Model, a.ErrorType)
		}
	}
	if n := len(e.Attempts); n > 0 {
		fmt.Fprintf(&b, "; last, %s: %v", e.Attempts[n-1].Model, e.Attempts[n-1].Err)
	}
	return b.String()
}

// Unwrap returns the last model's error.
func (e *FallbackError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1].Err
}

func chainError(ch *chain, failed []FallbackAttempt) error {
	if len(failed) == 1 {
		return failed[0].Err
	}
	return &FallbackError{Chain: ch.name, Attempts: failed}
}

// createChain walks the chain with Create.
func (c *Client) createChain(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*ChatCompletion, error) {
	var failed []FallbackAttempt
	for i, m := range ch.models {
		r := *req
		r.Model = m
		res, err := c.createOne(ctx, &r, opts, ch, i, false)
		if err == nil {
			res.Fallback = &Fallback{Chain: ch.name, Model: m, Failed: failed}
			return res, nil
		}
		failed = append(failed, attemptOf(m, err))
		if i == len(ch.models)-1 || !ch.movesOn(ctx, err) {
			break
		}
		c.stats.fallbacks.Add(1)
	}
	return nil, chainError(ch, failed)
}

// chainSource is a Stream over a chain: it moves to the next model when the
// current one fails before its first chunk reached the caller.
type chainSource struct {
	c    *Client
	ctx  context.Context
	req  *ChatRequest
	opts []CallOption
	ch   *chain

	cur       atomic.Pointer[trackedSource]
	i         int
	failed    []FallbackAttempt
	delivered bool // a chunk reached the caller: no more moving on (Next's goroutine)
	closed    atomic.Bool
}

func (c *Client) streamChain(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain) (*Stream, error) {
	cs := &chainSource{c: c, ctx: ctx, req: req, opts: opts, ch: ch}
	if err := cs.open(0); err != nil {
		return nil, err
	}
	return llm.NewStream(cs), nil
}

// open opens the first model from i on that streams.
func (cs *chainSource) open(from int) error {
	for i := from; i < len(cs.ch.models); i++ {
		r := *cs.req
		r.Model = cs.ch.models[i]
		t, err := cs.c.streamOne(cs.ctx, &r, cs.opts, cs.ch, i, false)
		if err == nil {
			cs.i = i
			cs.cur.Store(t)
			if cs.closed.Load() { // Close ran meanwhile
				t.Close()
			}
			return nil
		}
		cs.failed = append(cs.failed, attemptOf(r.Model, err))
		if i == len(cs.ch.models)-1 || !cs.ch.movesOn(cs.ctx, err) {
			break
		}
		cs.c.stats.fallbacks.Add(1)
	}
	return chainError(cs.ch, cs.failed)
}

func (cs *chainSource) Next() (llm.Chunk, error) {
	for {
		t := cs.cur.Load()
		chunk, err := t.Next()
		if err == nil {
			cs.delivered = true
			return chunk, nil
		}
		if cs.delivered || errors.Is(err, io.EOF) || cs.closed.Load() || cs.i == len(cs.ch.models)-1 ||
			!cs.ch.movesOn(cs.ctx, err) {
			if !errors.Is(err, io.EOF) && len(cs.failed) > 0 {
				return chunk, chainError(cs.ch, append(cs.failed, attemptOf(cs.ch.models[cs.i], err)))
			}
			return chunk, err
		}
		cs.failed = append(cs.failed, attemptOf(cs.ch.models[cs.i], err))
		t.Close()
		cs.c.stats.fallbacks.Add(1)
		if err := cs.open(cs.i + 1); err != nil {
			return llm.Chunk{}, err
		}
	}
}

func (cs *chainSource) Close() error {
	cs.closed.Store(true)
	return cs.cur.Load().Close()
}

// Fallback reports the chain's progress (read by llm.Stream.Fallback).
func (cs *chainSource) Fallback() *Fallback {
	return &Fallback{Chain: cs.ch.name, Model: cs.ch.models[cs.i], Failed: cs.failed}
}

// Buffered is the current model's (read by llm.Stream.Buffered), once a chunk
// was delivered: before that, an error the source has in memory would make
// Next move on to the next model, which waits on the network.
func (cs *chainSource) Buffered() bool { return cs.delivered && cs.cur.Load().Buffered() }

func (cs *chainSource) Cached() bool        { return cs.cur.Load().Cached() }
func (cs *chainSource) CacheStatus() string { return cs.cur.Load().CacheStatus() }
func (cs *chainSource) TraceID() string     { return cs.cur.Load().TraceID() }
func (cs *chainSource) RequestID() string   { return cs.cur.Load().RequestID() }
