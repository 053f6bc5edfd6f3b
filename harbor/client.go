package harbor

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

	// The managed stages (cache.go, admission.go, observer.go, cost.go); each is
	// nil when off and then costs a nil check.
	cache  *responseCache
	global *limiter
	obs    Observer
	prices PriceTable  // nil: the built-in defaults (defaultPrices), read-only
	noCost bool        // WithPrices was given an empty table
	conns  connCounter // counts harbor's own transport; not with WithTransport

	born     time.Time // for rates over the time since New
	statesMu sync.Mutex
	states   map[string]*providerState // by provider name; outlive re-registration
	cleaner  *cleaner

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
	c := &Client{opts: defaultOptions(), born: time.Now()}
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
	if err := c.buildStages(); err != nil {
		return nil, err
	}
	if err := c.checkRouting(); err != nil {
		// The stages built may run goroutines (the cache's clean-up):
		// a Client refused is closed, not left running.
		_ = c.Close()
		return nil, err
	}
	c.cleaner = startCleaner(c, c.opts.Cleanup)
	return c, nil
}

// checkRouting builds the routing table when the options need one, preloads
// and checks the fallback chains (New's last checks).
func (c *Client) checkRouting() error {
	if len(c.opts.aliases) > 0 || len(c.opts.descriptors) > 0 || len(c.opts.Preload) > 0 || len(c.opts.Fallbacks) > 0 {
		if _, err := c.table(); err != nil {
			return err
		}
	}
	if err := c.preload(); err != nil {
		return err
	}
	return c.checkChains()
}

// buildStages builds the managed stages the options turn on.
func (c *Client) buildStages() error {
	if cfg := c.opts.Cache; cfg != nil {
		rc, err := newResponseCache(*cfg)
		if err != nil {
			return err
		}
		c.cache = rc
	}
	c.global = newLimiter(c.opts.Limits.MaxConcurrent, c.opts.Limits.QueueSize)
	obs := c.opts.Observers
	if c.opts.Logger != nil {
		obs = append(obs[:len(obs):len(obs)], logObserver{c.opts.Logger})
	}
	c.obs = fanOut(obs)
	if p := c.opts.Prices; p != nil {
		c.prices = PriceTable(nil).Merge(p) // a copy, keys in lower case as Lookup expects
		c.noCost = len(p) == 0
	}
	return nil
}

// state returns the figures of the provider called name, creating them on first
// use; called when routing tables are built, never on the call path.
func (c *Client) state(name string) *providerState {
	c.statesMu.Lock()
	defer c.statesMu.Unlock()
	if st := c.states[name]; st != nil {
		return st
	}
	if c.states == nil {
		c.states = map[string]*providerState{}
	}
	st := &providerState{name: name, limit: newLimiter(c.opts.Limits.forProvider(name), c.opts.Limits.QueueSize),
		brk: newBreaker(c.opts.Breaker)}
	c.states[name] = st
	return st
}

// preload builds the providers WithPreload names, so that their first call pays
// nothing for binding.
func (c *Client) preload() error {
	for _, name := range c.opts.Preload {
		t, err := c.table()
		if err != nil {
			return err
		}
		s, ok := t.byName[name]
		if !ok {
			return invalidOption("WithPreload", "WithPreload: provider %q is not registered (known: %s)",
				name, strings.Join(c.opts.providerNames(), ", "))
		}
		if _, err := c.provider(s); err != nil {
			return err
		}
	}
	return nil
}

// Must panics if err is non-nil; for examples and package-level clients.
func Must(c *Client, err error) *Client {
	if err != nil {
		panic(err)
	}
	return c
}

// Close releases the idle connections of the Client's pool, stops the background
// cleaner (WithAutoCleanup) and the cache's maintenance goroutine, and waits for
// writes to the shared cache tier under way. It is safe to call at any time, from
// any goroutine, also while calls are under way (they keep their connections);
// the Client stays usable and opens new connections as needed.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.cleaner.stop()
	if c.cache != nil {
		c.cache.close()
	}
	c.closeIdle()
	return nil
}

// closeIdle closes the idle connections of the pool.
func (c *Client) closeIdle() {
	if !c.httpReady.Load() {
		return // no call has built the transport yet: nothing is pooled
	}
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// doer returns the retrying, pooled HTTP doer shared by every provider of this
// Client, building it on first use.
func (c *Client) doer() *retryDoer {
	c.httpOnce.Do(func() {
		c.transport = c.opts.Transport
		if c.transport == nil {
			c.transport = newTransport(&c.opts, &c.conns)
		}
		c.retry = newRetryDoer(&c.opts, c.transport, &c.stats)
		c.httpReady.Store(true)
	})
	return c.retry
}

// errNoClient is what the calls of a Completions not made by New return.
// A nil *Client gets it from every method that returns an error (and the others
// return zero values), so a missed New is reported, not a nil-pointer panic.
var errNoClient = llm.InvalidRequest("", "", "", "the Client is nil or was not made by harbor.New; use harbor.New()")
