package harbor

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// Client is harbor's entry point. It is safe for concurrent use; create one per
// process (or per configuration) and share it — it owns the connection pool.
type Client struct {
	// Chat groups the chat APIs: client.Chat.Completions.Create / Stream.
	Chat Chat

	opts Options

	mu     sync.Mutex // serialises table builds and registrations (not lookups)
	routes atomic.Pointer[routeTable]

	httpOnce  sync.Once
	httpReady atomic.Bool // set once transport and retry are built (Close reads them)
	transport http.RoundTripper
	retry     *retryDoer

	stats stats

	// callOpts carries the client's WithHeader headers to providers, built once
	// by New, so that calls without CallOptions of their own allocate nothing.
	callOpts llm.CallOptions
}

// Chat groups the chat APIs.
type Chat struct {
	Completions Completions
}

// Completions creates chat completions.
type Completions struct {
	c *Client
}

// New returns a Client. It does no I/O, reads no file and builds no provider; keys
// given neither as options nor in the environment are only missed when a request
// needs them (ErrNoCredentials). It fails only on invalid options, with an *Error
// of class ErrInvalidRequest naming the option: a nil Option, a setting for a
// provider nobody registered, a base URL that is not an absolute http(s) URL, a
// key with control characters, an alias whose target no provider serves, a bad
// header or a negative duration. Aliases and WithProvider descriptors are checked
// here by building the routing table; a New without them builds nothing.
func New(opts ...Option) (*Client, error) {
	c := &Client{opts: defaultOptions()}
	for i, o := range opts {
		if o == nil {
			return nil, invalidOption("", "harbor.New: option %d of %d is nil", i+1, len(opts))
		}
		o.apply(&c.opts)
	}
	if err := c.opts.validate(); err != nil {
		return nil, err
	}
	c.Chat.Completions.c = c
	c.callOpts.Header = c.opts.Header
	if len(c.opts.aliases) > 0 || len(c.opts.descriptors) > 0 {
		if _, err := c.table(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Must panics if err is non-nil; for examples and package-level clients.
func Must(c *Client, err error) *Client {
	if err != nil {
		panic(err)
	}
	return c
}

// Close releases the idle connections of the Client's pool. It is safe to call at
// any time, from any goroutine, also while calls are under way (they keep their
// connections); the Client stays usable and opens new connections as needed.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	if !c.httpReady.Load() {
		return nil // no call has built the transport yet: nothing is pooled
	}
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	return nil
}

// doer returns the retrying, pooled HTTP doer shared by every provider of this
// Client, building it on first use.
func (c *Client) doer() *retryDoer {
	c.httpOnce.Do(func() {
		c.transport = c.opts.Transport
		if c.transport == nil {
			c.transport = newTransport(&c.opts)
		}
		c.retry = newRetryDoer(&c.opts, c.transport, &c.stats)
		c.httpReady.Store(true)
	})
	return c.retry
}

// call is everything Create and Stream share: validation, routing, binding and the
// per-call context.
type call struct {
	p      llm.Provider
	name   string
	req    *ChatRequest
	opts   *llm.CallOptions // shared by calls without CallOptions of their own
	ctx    context.Context
	cancel context.CancelFunc
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
	shared, header, timeout := true, c.opts.Header, c.opts.RequestTimeout
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
		header, timeout = o.Header, o.RequestTimeout
	}
	r, err := c.resolve(req.Model)
	if err != nil {
		return err
	}
	p, err := c.provider(r.s)
	if err != nil {
		return err
	}
	*k = call{p: p, name: r.s.desc.Name, req: req, ctx: ctx}
	if r.model != req.Model { // never mutate the caller's request
		cp := *req
		cp.Model = r.model
		k.req = &cp
	}
	switch {
	case header == nil:
		k.opts = &noOptions
	case shared:
		k.opts = &c.callOpts // the client's headers, built once by New
	default:
		k.opts = &llm.CallOptions{Header: header} // this call's own: one allocation
	}
	if timeout > 0 {
		k.ctx, k.cancel = context.WithTimeout(ctx, timeout)
	}
	return nil
}

// noOptions is what providers get for a call without headers: a shared zero
// value, so that such a call allocates nothing for them (providers only read
// CallOptions).
var noOptions llm.CallOptions

func (k *call) done() {
	if k.cancel != nil {
		k.cancel()
	}
}

// annotate fills in what a provider may not know about its error.
func annotate(err error, provider, model string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Provider == "" {
			e.Provider = provider
		}
		if e.Model == "" {
			e.Model = model
		}
	}
	return err
}

// Create sends a chat completion request and waits for the whole answer.
// CallOptions given here (WithHeader, WithRequestTimeout) apply to this call only.
func (cc Completions) Create(ctx context.Context, req *ChatRequest, opts ...CallOption) (*ChatCompletion, error) {
	c := cc.c
	if c == nil {
		return nil, errNoClient
	}
	var k call
	if err := c.prepare(&k, ctx, req, opts); err != nil {
		return nil, err
	}
	defer k.done()
	c.stats.inFlight.Add(1)
	res, err := k.p.Chat(k.ctx, k.req, k.opts)
	c.stats.inFlight.Add(-1)
	if err != nil {
		c.stats.fail(err)
		return nil, annotate(err, k.name, req.Model)
	}
	res.Provider = k.name
	return res, nil
}

// Stream sends a chat completion request and returns the answer as a stream of
// chunks once the vendor's response headers arrive. Always Close the stream.
// CallOptions given here apply to this call only (WithRequestTimeout then bounds
// the stream until it is closed).
func (cc Completions) Stream(ctx context.Context, req *ChatRequest, opts ...CallOption) (*Stream, error) {
	c := cc.c
	if c == nil {
		return nil, errNoClient
	}
	t := &trackedSource{stats: &c.stats}
	k := &t.k
	if err := c.prepare(k, ctx, req, opts); err != nil {
		return nil, err
	}
	t.model = req.Model
	c.stats.inFlight.Add(1)
	src, err := k.p.ChatStream(k.ctx, k.req, k.opts)
	c.stats.inFlight.Add(-1)
	if err != nil {
		k.done()
		c.stats.fail(err)
		return nil, annotate(err, k.name, req.Model)
	}
	c.stats.streamsOpen.Add(1)
	t.src = src
	return llm.NewStream(t), nil
}

// errNoClient is what the calls of a Completions not made by New return.
// A nil *Client gets it from every method that returns an error (and the others
// return zero values), so a missed New is reported, not a nil-pointer panic.
var errNoClient = llm.InvalidRequest("", "", "", "the Client is nil or was not made by harbor.New; use harbor.New()")

// trackedSource keeps the stats and the per-call context of a stream: the context
// lives until the stream is closed.
//
// Exactly one of Next (the stream ended: end marker or error) and Close (the caller
// closed it first) finishes the stream and counts how it ended, even when Close
// runs in another goroutine while Next waits: an error Next sees after Close is
// the caller's own doing, not a failure.
type trackedSource struct {
	src      llm.ChunkSource
	k        call
	stats    *stats
	model    string
	finished atomic.Bool
}

func (t *trackedSource) Next() (llm.Chunk, error) {
	if cerr := t.k.ctx.Err(); cerr != nil && !t.finished.Load() {
		// The call's context ended (the caller cancelled it, or its deadline
		// passed): the stream ends here, whatever the connection still has
		// buffered, so that a cancel has one outcome, not one that depends on
		// how far the vendor got.
		c, err := llm.Chunk{}, error(vendorerr.Transport(t.k.name, t.model, cerr))
		if !t.finished.Swap(true) {
			t.stats.fail(err)
		}
		return c, err
	}
	c, err := t.src.Next()
	if err != nil && !t.finished.Swap(true) && !errors.Is(err, io.EOF) {
		t.stats.fail(err)
		err = annotate(err, t.k.name, t.model)
	}
	return c, err
}

func (t *trackedSource) Close() error {
	if !t.finished.Swap(true) {
		t.stats.canceled.Add(1) // closed before the end
	}
	err := t.src.Close()
	t.k.done()
	t.stats.streamsOpen.Add(-1)
	return err
}
