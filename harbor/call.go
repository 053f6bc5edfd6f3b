package harbor

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// call is everything Create and Stream share: validation, routing, binding, the
// per-call context and what the managed stages record about the call.
type call struct {
	p      llm.Provider
	name   string
	req    *ChatRequest
	opts   *llm.CallOptions // shared by calls without CallOptions of their own
	ctx    context.Context
	cancel context.CancelFunc

	st       *providerState
	model    string // sent to the vendor (after aliases and the provider's rewrite)
	thinking string // the thinking mode the model name implies
	asked    string // the caller's model name, for errors
	mode     cacheMode
	stream   bool

	start     time.Time
	queueWait time.Duration
	ttfc      time.Duration
	cache     CacheResult
	adm       admission
	attempts  *atomic.Int32 // counted by the retry hook when observers want it
	trace     *trace        // the call's trace id and its traceparent header
	id        uint64        // CallEvent.CallID
	live      bool          // a vendor stream is open: Close gives back its in-flight count
	sent      bool          // the breaker let the call through: its outcome is recorded
	probe     bool          // the call is its breaker's half-open probe
	fallback  int           // the call's place in its fallback chain (0: first or none)
	chainName string        // the chain's name ("" for a per-call chain or none)
	hedged    bool          // the hedge of a chain's first model
}

// prepare fills k (a value, so that Create allocates no call) and counts the
// request and, on failure, the error.
func (c *Client) prepare(k *call, ctx context.Context, req *ChatRequest, opts []CallOption) error {
	c.stats.requests.Add(1)
	err := c.prepareCall(k, ctx, req, opts)
	if err != nil {
		c.stats.fail(err)
	}
	return err
}

func (c *Client) prepareCall(k *call, ctx context.Context, req *ChatRequest, opts []CallOption) error {
	if ctx == nil {
		return llm.InvalidRequest("", "", "ctx", "the context is nil; pass context.Background() or a request's context")
	}
	if req == nil {
		return llm.InvalidRequest("", "", "", "request is nil")
	}
	if err := req.Validate(); err != nil {
		return err
	}
	shared, header, timeout, mode := true, c.opts.Header, c.opts.RequestTimeout, c.opts.cacheMode
	if len(opts) > 0 {
		shared = false
		o := c.opts
		for i, opt := range opts {
			if opt == nil {
				return invalidOption("", "call option %d of %d is nil", i+1, len(opts))
			}
			opt.apply(&o)
		}
		if err := o.validateCall(); err != nil {
			return err
		}
		header, timeout, mode = o.Header, o.RequestTimeout, o.cacheMode
	}
	r, err := c.resolve(req.Model)
	if err != nil {
		return err
	}
	p, err := c.provider(r.s)
	if err != nil {
		return err
	}
	*k = call{p: p, name: r.s.desc.Name, req: req, ctx: ctx, st: r.s.st, asked: req.Model, mode: mode, model: r.model}
	switch {
	case r.rw != nil:
		k.model, k.thinking = r.rw.sent, r.rw.thinking
	case r.s.desc.Rewrite != nil:
		k.model, k.thinking = r.s.desc.Rewrite(c.opts.Providers[r.s.desc.Name].Options, r.model)
	}
	if r.model != req.Model { // never mutate the caller's request
		cp := *req
		cp.Model = r.model
		k.req = &cp
	}
	// The call's options: its headers (the client's, or its own) and its trace,
	// built in one allocation.
	hdr := &noOptions
	switch {
	case header == nil:
	case shared:
		hdr = &c.callOpts // the client's headers, built once by New
	default:
		hdr = &llm.CallOptions{Header: header}
	}
	t, err := c.newTrace(ctx, hdr)
	if err != nil {
		return err
	}
	k.trace, k.opts = t, &t.opts
	if timeout > 0 {
		k.ctx, k.cancel = context.WithTimeout(ctx, timeout)
	}
	return nil
}

// callSeq numbers observed calls (CallEvent.CallID), across Clients: one
// Observer may watch several.
var callSeq atomic.Uint64

// noOptions is what providers get for a call without headers: a shared zero
// value, so that such a call allocates nothing for them (providers only read
// CallOptions).
var noOptions llm.CallOptions

func (k *call) done() {
	if k.cancel != nil {
		k.cancel()
	}
}

// annotate adds the call's provider, model and trace id to err.
func (k *call) annotate(err error) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Provider == "" {
			e.Provider = k.name
		}
		if e.Model == "" {
			e.Model = k.asked
		}
		if e.TraceID == "" && k.trace != nil {
			e.TraceID = k.trace.id()
		}
	}
	return err
}

// Create sends a chat completion request and waits for the whole answer.
// CallOptions given here (WithHeader, WithRequestTimeout, WithCacheBypass…) apply
// to this call only. A Model naming a fallback chain (WithFallback), or a
// WithFallbackModels option, walks the chain.
func (cc Completions) Create(ctx context.Context, req *ChatRequest, opts ...CallOption) (*ChatCompletion, error) {
	c := cc.c
	if c == nil {
		return nil, errNoClient
	}
	if ch := c.chainOf(req, opts); ch != nil {
		if c.opts.Hedge != nil && len(ch.models) > 1 {
			return c.createHedged(ctx, req, opts, ch)
		}
		return c.createChain(ctx, req, opts, ch)
	}
	return c.createOne(ctx, req, opts, nil, 0, false)
}

// createOne is one call to one model (of a chain, at place i, when ch is set).
func (c *Client) createOne(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain, i int, hedge bool) (*ChatCompletion, error) {
	var k call
	if err := c.prepare(&k, ctx, req, opts); err != nil {
		return nil, err
	}
	defer k.done()
	k.inChain(ch, i)
	k.hedged = hedge
	c.started(&k)
	res, err := c.create(&k)
	if err != nil {
		err = k.annotate(err)
		c.stats.fail(err)
		c.ended(&k, nil, err)
		return nil, err
	}
	res.Provider, res.TraceID = k.name, k.trace.id()
	c.ended(&k, res, nil)
	return res, nil
}

// inChain records the call's place in its chain, for events.
func (k *call) inChain(ch *chain, i int) {
	if ch != nil {
		k.fallback, k.chainName = i, ch.name
	}
}

// create answers from the cache when it can, and asks the vendor once for all
// identical calls in flight when it cannot.
func (c *Client) create(k *call) (*ChatCompletion, error) {
	rc := c.cache
	if rc == nil || k.mode == cacheBypass {
		return c.send(k)
	}
	key, err := newCacheKey(k.name, k.model, k.thinking, k.req)
	if err != nil { // a request JSON cannot encode: the provider reports it
		return c.send(k)
	}
	res, f, err := c.cached(k, key)
	if f == nil {
		return res, err
	}
	res, err = c.send(k)
	var own *ChatCompletion
	stored := false
	if err == nil && storable(res) {
		res.Provider = k.name
		own, stored = rc.put(key, res, f)
	}
	ferr := err
	if err == nil && own == nil {
		ferr = errLeaderGone // not cacheable: each waiter asks for itself
	}
	rc.finish(key, f, own, ferr, stored)
	return res, err
}

// cached is the cache's side of a call. It returns the answer, a copy for this
// caller, found in L1, in the shared tier or by waiting for an identical call in
// flight (k.cache says which); or, on a miss, the flight the caller now leads and
// must finish with the vendor's answer (k.cache = CacheMiss).
func (c *Client) cached(k *call, key cacheKey) (*ChatCompletion, *flight, error) {
	rc := c.cache
	for {
		if k.mode != cacheRefresh {
			if res, ok := rc.get(key); ok {
				k.cache = CacheHit
				return res, nil, nil
			}
		}
		f, lead := rc.join(key, k.mode != cacheRefresh)
		if !lead {
			res, retry, err := f.wait(k.ctx)
			switch {
			case err != nil && k.ctx.Err() != nil:
				return nil, nil, vendorerr.Transport(k.name, k.asked, err)
			case err != nil:
				return nil, nil, err
			case retry:
				continue
			}
			rc.coalesced.Add(1)
			k.cache = CacheCoalesced
			return hitCopy(res), nil, nil
		}
		if k.mode != cacheRefresh {
			if res, ok := rc.lead(key, f); ok {
				k.cache = CacheHit
				return res, nil, nil
			}
			if res, ok := rc.getShared(k.ctx, key); ok {
				rc.finish(key, f, res, nil, rc.putL1(key, res))
				rc.sharedHits.Add(1)
				k.cache = CacheSharedHit
				return hitCopy(res), nil, nil
			}
			if rc.locker != nil {
				res, err := rc.awaitShared(k.ctx, key, f)
				switch {
				case err != nil:
					rc.finish(key, f, nil, errLeaderGone, false)
					return nil, nil, vendorerr.Transport(k.name, k.asked, err)
				case res != nil: // the answer of another process's call
					rc.finish(key, f, res, nil, rc.putL1(key, res))
					rc.sharedCoalesced.Add(1)
					rc.coalesced.Add(1)
					k.cache = CacheCoalesced
					return hitCopy(res), nil, nil
				}
			}
		}
		rc.misses.Add(1)
		k.cache = CacheMiss
		return nil, f, nil
	}
}

// send admits the call and asks the vendor.
func (c *Client) send(k *call) (*ChatCompletion, error) {
	if err := c.admitCall(k); err != nil {
		return nil, err
	}
	defer k.adm.release()
	ctx := c.attemptCounter(k)
	k.st.inFlight.Add(1)
	c.stats.inFlight.Add(1)
	res, err := k.p.Chat(ctx, k.req, k.opts)
	c.stats.inFlight.Add(-1)
	k.st.inFlight.Add(-1)
	if err != nil {
		err = providerError(k, err)
	}
	return res, err
}

// providerError holds a provider that returned a bare context error — a
// provider of the caller's (WithProvider) may, though llm.Provider's contract
// asks for an *Error — to harbor's rule for calls the caller stopped: a
// cancelled context is ErrCanceled, an expired deadline ErrTimeout. Without
// it the call was counted a failure of type "other", and the gateway answered
// a caller who had gone with a 500. Other errors are left as they are.
func providerError(k *call, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return llm.Canceled(k.name, k.asked, err)
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Provider: k.name, Model: k.asked, Kind: ErrTimeout, Transient: true, Err: err,
			Message: "the call's deadline passed"}
	}
	return err
}

func (c *Client) admitCall(k *call) error {
	if k.st.brk != nil {
		probe, err := k.st.brk.allow(time.Now(), k.name)
		if err != nil {
			return k.annotate(err)
		}
		k.sent, k.probe = true, probe
	}
	w, err := c.admit(k.ctx, &k.adm, k.st, k.name)
	k.queueWait = w
	if err != nil {
		if k.probe { // not sent after all: the next call probes
			k.st.brk.probing.Store(false)
		}
		k.sent, k.probe = false, false
		return k.annotate(err)
	}
	return nil
}

// attemptsKey carries a call's attempt counter to the retry hook; only calls
// observed by an Observer pay for it.
type attemptsKey struct{}

func (c *Client) attemptCounter(k *call) context.Context {
	if c.obs == nil {
		return k.ctx
	}
	k.attempts = new(atomic.Int32)
	return context.WithValue(k.ctx, attemptsKey{}, k.attempts)
}

// Stream sends a chat completion request and returns the answer as a stream of
// chunks once the vendor's response headers arrive (or at once, replayed from the
// cache, for a cache hit: Stream.Cached). Always Close the stream: it holds its
// admission slot until then. CallOptions given here apply to this call only
// (WithRequestTimeout then bounds the stream until it is closed). A fallback
// chain moves on only before the stream's first chunk reached the caller.
func (cc Completions) Stream(ctx context.Context, req *ChatRequest, opts ...CallOption) (*Stream, error) {
	c := cc.c
	if c == nil {
		return nil, errNoClient
	}
	if ch := c.chainOf(req, opts); ch != nil {
		if c.opts.Hedge != nil && len(ch.models) > 1 {
			return c.streamHedged(ctx, req, opts, ch)
		}
		return c.streamChain(ctx, req, opts, ch)
	}
	t, err := c.streamOne(ctx, req, opts, nil, 0, false)
	if err != nil {
		return nil, err
	}
	return llm.NewStream(t), nil
}

// streamOne opens one stream from one model (of a chain, at place i).
func (c *Client) streamOne(ctx context.Context, req *ChatRequest, opts []CallOption, ch *chain, i int, hedge bool) (*trackedSource, error) {
	t := &trackedSource{c: c}
	k := &t.k
	if err := c.prepare(k, ctx, req, opts); err != nil {
		return nil, err
	}
	k.stream = true
	k.inChain(ch, i)
	k.hedged = hedge
	c.started(k)
	src, err := c.stream(t)
	if err != nil {
		k.adm.release()
		k.done()
		err = k.annotate(err)
		c.stats.fail(err)
		c.ended(k, nil, err)
		return nil, err
	}
	t.src = src
	c.stats.streamsOpen.Add(1)
	return t, nil
}

// stream is create for streams: a hit is replayed as a stream; a miss streams
// from the vendor and, when it reaches its end, fills the cache.
func (c *Client) stream(t *trackedSource) (llm.ChunkSource, error) {
	k := &t.k
	rc := c.cache
	if rc == nil || k.mode == cacheBypass {
		return c.openStream(k)
	}
	key, err := newCacheKey(k.name, k.model, k.thinking, k.req)
	if err != nil {
		return c.openStream(k)
	}
	res, f, err := c.cached(k, key)
	switch {
	case err != nil:
		return nil, err
	case f == nil:
		return newReplay(res), nil
	}
	src, err := c.openStream(k)
	if err != nil {
		rc.finish(key, f, nil, err, false)
		return nil, err
	}
	t.fill.Store(&streamFill{rc: rc, key: key, f: f})
	return src, nil
}

// openStream admits the call and opens the vendor's stream. The slot is released
// when the stream is closed (trackedSource.Close).
func (c *Client) openStream(k *call) (llm.ChunkSource, error) {
	if err := c.admitCall(k); err != nil {
		return nil, err
	}
	ctx := c.attemptCounter(k)
	k.st.inFlight.Add(1)
	c.stats.inFlight.Add(1)
	src, err := k.p.ChatStream(ctx, k.req, k.opts)
	c.stats.inFlight.Add(-1)
	if err != nil {
		k.st.inFlight.Add(-1)
		return nil, providerError(k, err)
	}
	k.live = true
	return src, nil
}

// started records the start of a routed call.
func (c *Client) started(k *call) {
	k.start = time.Now()
	if c.obs != nil {
		k.id = callSeq.Add(1)
		c.obs.Observe(CallEvent{Kind: EventStart, Operation: "chat", Stream: k.stream, Provider: k.name,
			Model: k.model, Start: k.start, CallID: k.id, Context: k.ctx, TraceID: k.trace.id(),
			Fallback: k.fallback, Chain: k.chainName, Hedged: k.hedged})
	}
}

// firstChunk records a stream's first chunk.
func (c *Client) firstChunk(k *call) {
	k.ttfc = time.Since(k.start)
	if c.opts.Hedge != nil && !k.cache.Hit() {
		k.st.firsts.add(k.ttfc)
	}
	if c.obs != nil {
		c.obs.Observe(CallEvent{Kind: EventFirstChunk, Operation: "chat", Stream: true, Provider: k.name,
			Model: k.model, Start: k.start, TimeToFirstChunk: k.ttfc, QueueWait: k.queueWait, Cache: k.cache,
			CallID: k.id, Context: k.ctx, TraceID: k.trace.id()})
	}
}

// ended records the end of a call: the provider's figures, the cost (set on res
// when there is one) and the observers' event.
func (c *Client) ended(k *call, res *ChatCompletion, err error) {
	var u *Usage
	if res != nil {
		u = &res.Usage
	}
	cost := c.endedUsage(k, u, requestIDOf(res, err), err)
	if res != nil {
		res.Cost = cost
	}
}

func (c *Client) endedUsage(k *call, u *Usage, requestID string, err error) Cost {
	now := time.Now()
	lat := now.Sub(k.start)
	k.st.end(now, lat, err)
	if k.sent {
		k.st.brk.record(now, k.probe, err)
	}
	if err == nil && !k.stream && c.opts.Hedge != nil && !k.cache.Hit() {
		k.st.firsts.add(lat) // for hedging delays: Create's first chunk is its answer
	}
	var cost Cost
	if err == nil && u != nil && !k.cache.Hit() && !c.noCost {
		if p, ok := k.st.price(c.prices, k.model); ok {
			cost = p.CostOf(*u)
			k.st.addCost(k.model, *u, cost)
		}
	}
	if c.obs != nil {
		e := CallEvent{Kind: EventEnd, Operation: "chat", Stream: k.stream, Provider: k.name, Model: k.model,
			Start: k.start, Latency: lat, TimeToFirstChunk: k.ttfc, QueueWait: k.queueWait, Cost: cost,
			Cache: k.cache, Err: err, ErrorType: ErrorType(err), RequestID: requestID,
			CallID: k.id, Context: k.ctx, TraceID: k.trace.id(), Fallback: k.fallback, Chain: k.chainName, Hedged: k.hedged}
		if u != nil {
			e.Usage = *u
		}
		if k.attempts != nil {
			e.Attempts = int(k.attempts.Load())
		}
		c.obs.Observe(e)
	}
	return cost
}

func requestIDOf(res *ChatCompletion, err error) string {
	if res != nil {
		return res.RequestID
	}
	var e *Error
	if errors.As(err, &e) {
		return e.RequestID
	}
	return ""
}
