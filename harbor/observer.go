package harbor

import (
	"context"
	"errors"
	"time"

	"github.com/harborai/harbor-go/llm"
)

// An Observer receives the events of every call a Client makes: its start, its
// first streamed chunk and its end. The built-in statistics (Stats,
// ConcurrencyStats, MemoryStats) are counted by harbor itself; other observers
// (Prometheus in package prommetrics, a logger, a tracer) are added with
// WithObserver.
//
// Observe is called synchronously on the calling goroutine, from many goroutines
// at once: it must be safe for concurrent use and quick (count, do not block).
// It receives the event by value, so no observer can change what the next one
// sees.
type Observer interface {
	Observe(CallEvent)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(CallEvent)

// Observe calls f(e).
func (f ObserverFunc) Observe(e CallEvent) { f(e) }

// EventKind says which moment of a call a CallEvent reports.
type EventKind uint8

const (
	// EventStart: the call was validated and routed and is about to be admitted
	// (it may still wait in a queue or be answered from the cache).
	EventStart EventKind = iota + 1
	// EventFirstChunk: a Stream delivered its first chunk (TimeToFirstChunk set).
	EventFirstChunk
	// EventEnd: the call ended — Create returned, or a Stream reached its end, failed
	// or was closed. Every started call ends exactly once.
	EventEnd
)

// String returns "start", "first_chunk" or "end".
func (k EventKind) String() string {
	switch k {
	case EventStart:
		return "start"
	case EventFirstChunk:
		return "first_chunk"
	case EventEnd:
		return "end"
	}
	return "unknown"
}

// CacheResult says how the response cache took part in a call.
type CacheResult uint8

const (
	// CacheOff: no cache is configured, or the call bypassed it.
	CacheOff CacheResult = iota
	// CacheMiss: the answer came from the vendor (and was stored if it succeeded).
	CacheMiss
	// CacheHit: the answer came from this process's cache (L1).
	CacheHit
	// CacheSharedHit: the answer came from the shared tier (L2, e.g. Redis).
	CacheSharedHit
	// CacheCoalesced: an identical call was already in flight; this call waited for
	// its answer instead of calling the vendor again.
	CacheCoalesced
)

// String returns "off", "miss", "hit", "shared_hit" or "coalesced".
func (r CacheResult) String() string {
	switch r {
	case CacheOff:
		return "off"
	case CacheMiss:
		return "miss"
	case CacheHit:
		return "hit"
	case CacheSharedHit:
		return "shared_hit"
	case CacheCoalesced:
		return "coalesced"
	}
	return "unknown"
}

// Hit reports whether the answer was served without a vendor call of its own.
func (r CacheResult) Hit() bool { return r >= CacheHit }

// CallEvent describes one call at one moment (Kind). Fields are filled as far as
// the moment allows: usage, cost and error only at EventEnd.
type CallEvent struct {
	Kind      EventKind
	Operation string // "chat" (the OpenTelemetry gen_ai.operation.name)
	Stream    bool   // a Stream call
	Provider  string // the provider the model routed to ("deepseek")
	Model     string // the model sent to the vendor, after aliases and rewrites

	Start            time.Time     // when the call entered harbor
	Latency          time.Duration // EventEnd: the whole call (a stream: until its end or Close)
	TimeToFirstChunk time.Duration // EventFirstChunk and EventEnd of streams that delivered one
	QueueWait        time.Duration // time spent waiting for an admission slot

	Usage     Usage       // EventEnd of successful calls (a stream: when the vendor reported it)
	Cost      Cost        // EventEnd: the price of Usage (zero for cache hits and unpriced models)
	Attempts  int         // EventEnd: HTTP attempts made (0 for cache hits and calls refused before sending)
	Cache     CacheResult // EventEnd: how the cache took part
	Err       error       // EventEnd: nil on success
	ErrorType string      // EventEnd: ErrorType(Err), "" on success
	RequestID string      // EventEnd: the vendor's request id, when known

	// CallID is the same on every event of one call, never 0, and unique in the
	// process (one Observer may watch several Clients): observers that keep
	// per-call state (a span) key it by CallID.
	CallID uint64
	// Context is the call's context (with WithRequestTimeout's deadline, if
	// any): a tracer takes the caller's span from it as the parent.
	Context context.Context
	// TraceID is the call's trace id (see ContextWithTraceID).
	TraceID string
	// Fallback is the call's place in its fallback chain: 0 for the chain's
	// first model (or a call without a chain), 1 for the model tried after the
	// first failed, and so on. Chain names the chain ("" for a per-call chain).
	Fallback int
	Chain    string
	// Hedged marks the hedge: the chain's second model asked while the first
	// was still answering (WithHedging).
	Hedged bool
}

// errorTypes maps each error class to the name observers and metrics use.
var errorTypes = [...]struct {
	kind error
	name string
}{
	{llm.ErrCanceled, "canceled"},
	{llm.ErrStreamClosed, "canceled"},
	{llm.ErrTimeout, "timeout"},
	{llm.ErrRateLimited, "rate_limited"},
	{llm.ErrQueueFull, "queue_full"},
	{llm.ErrCircuitOpen, "circuit_open"},
	{llm.ErrUnknownModel, "unknown_model"},
	{llm.ErrNoCredentials, "no_credentials"},
	{llm.ErrInvalidRequest, "invalid_request"},
	{llm.ErrAuthentication, "authentication"},
	{llm.ErrPermission, "permission"},
	{llm.ErrInsufficientBalance, "insufficient_balance"},
	{llm.ErrNotFound, "not_found"},
	{llm.ErrContentFilter, "content_filter"},
	{llm.ErrServer, "server"},
	{llm.ErrConnection, "connection"},
	{llm.ErrStreamTruncated, "stream_truncated"},
	{llm.ErrBadResponse, "bad_response"},
}

// ErrorType names the class of err as a short snake_case word ("rate_limited",
// "timeout"…), "" for nil and "other" for an error of no harbor class. The set of
// names is fixed, so it is safe as a metric label.
func ErrorType(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Kind != nil {
		for _, t := range errorTypes {
			if e.Kind == t.kind {
				return t.name
			}
		}
	}
	for _, t := range errorTypes {
		if errors.Is(err, t.kind) {
			return t.name
		}
	}
	return "other"
}

// ErrorTypes lists every value ErrorType returns for a non-nil error.
func ErrorTypes() []string {
	out := make([]string, 0, len(errorTypes)+1)
	seen := map[string]bool{}
	for _, t := range errorTypes {
		if !seen[t.name] {
			seen[t.name] = true
			out = append(out, t.name)
		}
	}
	return append(out, "other")
}

// WithObserver adds an Observer that receives every call's events; give it more
// than once for more observers (they are called in order). Without observers a
// call builds no events.
func WithObserver(o Observer) Option {
	return clientOption(func(opts *Options) {
		opts.Observers = append(opts.Observers[:len(opts.Observers):len(opts.Observers)], o)
	})
}

// observers calls several observers in order.
type observers []Observer

func (os observers) Observe(e CallEvent) {
	for _, o := range os {
		o.Observe(e)
	}
}

// fanOut is the one Observer the call path calls: nil for none, the observer
// itself for one.
func fanOut(os []Observer) Observer {
	switch len(os) {
	case 0:
		return nil
	case 1:
		return os[0]
	}
	return observers(append([]Observer(nil), os...))
}
