package harbor

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

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
	transport http.RoundTripper
	retry     *retryDoer

	stats stats
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
// needs them (ErrNoCredentials). It fails only on invalid options.
func New(opts ...Option) (*Client, error) {
	c := &Client{opts: defaultOptions()}
	for _, o := range opts {
		o(&c.opts)
	}
	if err := c.opts.validate(); err != nil {
		return nil, err
	}
	c.Chat.Completions.c = c
	return c, nil
}

// Must panics if err is non-nil; for examples and package-level clients.
func Must(c *Client, err error) *Client {
	if err != nil {
		panic(err)
	}
	return c
}

// Close releases idle pooled connections. The Client stays usable; Close is the
// "cleanup" management call.
func (c *Client) Close() error {
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	return nil
}

// doer returns the retrying, pooled HTTP doer shared by every provider of this
// Client, building it on first use.
func (c *Client) doer() llm.Doer {
	c.httpOnce.Do(func() {
		c.transport = c.opts.Transport
		if c.transport == nil {
			c.transport = newTransport(&c.opts)
		}
		c.retry = newRetryDoer(&c.opts, c.transport, &c.stats)
	})
	return c.retry
}

// call is everything Create and Stream share: validation, routing, binding and the
// per-call context.
type call struct {
	p      llm.Provider
	name   string
	req    *ChatRequest
	opts   llm.CallOptions
	ctx    context.Context
	cancel context.CancelFunc
}

// prepare counts the request and, on failure, the error.
// prepare fills k (a value, so that Create allocates no call) and counts the
// request and, on failure, the error.
func (c *Client) prepare(k *call, ctx context.Context, req *ChatRequest, opts []Option) error {
	c.stats.requests.Add(1)
	err := c.prepareCall(k, ctx, req, opts)
	if err != nil {
		c.stats.fail(err)
	}
	return err
}

func (c *Client) prepareCall(k *call, ctx context.Context, req *ChatRequest, opts []Option) error {
	if req == nil {
		return llm.InvalidRequest("", "", "", "request is nil")
	}
	if err := req.Validate(); err != nil {
		return err
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
	header, timeout := c.opts.Header, c.opts.RequestTimeout
	if len(opts) > 0 {
		o := c.opts
		for _, fn := range opts {
			fn(&o)
		}
		header, timeout = o.Header, o.RequestTimeout
	}
	k.opts.Header = header
	if timeout > 0 {
		k.ctx, k.cancel = context.WithTimeout(ctx, timeout)
	}
	return nil
}

// noOptions is what providers get for a call without per-call options: a shared
// zero value, so that such a call allocates nothing for them (providers only read
// CallOptions).
var noOptions llm.CallOptions

// callOptions returns the call's options for the provider. A pointer into k would
// make every call's k escape to the heap; a call with options gets its own copy.
func (k *call) callOptions() *llm.CallOptions {
	if k.opts.Header == nil {
		return &noOptions
	}
	o := k.opts
	return &o
}

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
// Options given here apply to this call only (Header, RequestTimeout).
func (cc Completions) Create(ctx context.Context, req *ChatRequest, opts ...Option) (*ChatCompletion, error) {
	c := cc.c
	var k call
	if err := c.prepare(&k, ctx, req, opts); err != nil {
		return nil, err
	}
	defer k.done()
	c.stats.inFlight.Add(1)
	res, err := k.p.Chat(k.ctx, k.req, k.callOptions())
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
// Options given here apply to this call only (Header, RequestTimeout — which then
// bounds the stream until it is closed).
func (cc Completions) Stream(ctx context.Context, req *ChatRequest, opts ...Option) (*Stream, error) {
	c := cc.c
	t := &trackedSource{stats: &c.stats, model: req.Model}
	k := &t.k
	if err := c.prepare(k, ctx, req, opts); err != nil {
		return nil, err
	}
	c.stats.inFlight.Add(1)
	src, err := k.p.ChatStream(k.ctx, k.req, k.callOptions())
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

// trackedSource keeps the stats and the per-call context of a stream: the context
// lives until the stream is closed.
type trackedSource struct {
	src    llm.ChunkSource
	k      call
	stats  *stats
	model  string
	failed bool
}

func (t *trackedSource) Next() (llm.Chunk, error) {
	c, err := t.src.Next()
	if err != nil && !t.failed && !errors.Is(err, io.EOF) {
		t.failed = true
		t.stats.fail(err)
		err = annotate(err, t.k.name, t.model)
	}
	return c, err
}

func (t *trackedSource) Close() error {
	err := t.src.Close()
	t.k.done()
	t.stats.streamsOpen.Add(-1)
	return err
}
