package harbor

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/internal/vendorerr"
)

// Limits is admission control: how many calls may run at once, and how many may
// wait for a slot. It is the original design's ConcurrencyConfig (max_connections,
// max_connections_per_host, request_queue_size). The zero Limits admits every
// call at once, as harbor always has.
//
// A call takes its provider's slot, then a global one; when either is taken it
// waits in that limit's queue, honouring its context; when the queue is full it
// fails at once with ErrQueueFull. A Stream holds its slots until it is closed.
type Limits struct {
	// MaxConcurrent caps the calls running at once across all providers (the
	// seed's max_connections); 0: no global cap.
	MaxConcurrent int `json:"max_concurrent"`
	// PerProvider caps the calls running at once per provider name ("deepseek":
	// 16); a provider not listed gets DefaultPerProvider.
	PerProvider map[string]int `json:"per_provider,omitempty"`
	// DefaultPerProvider caps each provider not in PerProvider; 0: no cap.
	DefaultPerProvider int `json:"default_per_provider"`
	// QueueSize is how many calls may wait for a slot, per limit (the seed's
	// request_queue_size). 0 means no waiting: a call that finds no free slot
	// fails at once with ErrQueueFull.
	QueueSize int `json:"queue_size"`
	// MaxConnsPerHost caps the TCP connections harbor's transport opens to one
	// vendor host, idle or in use (the seed's max_connections_per_host); a call
	// past it waits for a connection, within its context; 0: no cap. It has no
	// effect with WithTransport.
	MaxConnsPerHost int `json:"max_conns_per_host"`
}

// WithLimits turns on admission control (see Limits). New rejects negative values.
func WithLimits(l Limits) Option {
	return clientOption(func(o *Options) { o.Limits = l })
}

func (l *Limits) validate() error {
	bad := func(field string, v int) error {
		return invalidOption("WithLimits", "WithLimits: %s must be >= 0, got %d", field, v)
	}
	switch {
	case l.MaxConcurrent < 0:
		return bad("MaxConcurrent", l.MaxConcurrent)
	case l.DefaultPerProvider < 0:
		return bad("DefaultPerProvider", l.DefaultPerProvider)
	case l.QueueSize < 0:
		return bad("QueueSize", l.QueueSize)
	case l.MaxConnsPerHost < 0:
		return bad("MaxConnsPerHost", l.MaxConnsPerHost)
	}
	for _, name := range sortedKeys(l.PerProvider) {
		if n := l.PerProvider[name]; n < 0 {
			return bad(fmt.Sprintf("PerProvider[%q]", name), n)
		}
	}
	return nil
}

// forProvider is the cap of one provider, 0 for none.
func (l *Limits) forProvider(name string) int {
	if n, ok := l.PerProvider[name]; ok {
		return n
	}
	return l.DefaultPerProvider
}

// limiter is one concurrency cap with a bounded wait queue. A nil *limiter admits
// everything and costs nothing.
type limiter struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

func newLimiter(n, queue int) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{slots: make(chan struct{}, n), queue: int64(queue)}
}

// acquire takes a slot, waiting in the queue if there is room; wait is how long
// it waited (0 on the fast path, which reads no clock).
func (l *limiter) acquire(ctx context.Context, who string) (wait time.Duration, err error) {
	if l == nil {
		return 0, nil
	}
	select {
	case l.slots <- struct{}{}:
		return 0, nil
	default:
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		return 0, &Error{Kind: ErrQueueFull, Transient: true, Message: fmt.Sprintf(
			"%s: all %d slots are busy and the wait queue (%d) is full", who, cap(l.slots), l.queue)}
	}
	defer l.waiting.Add(-1)
	start := time.Now()
	select {
	case l.slots <- struct{}{}:
		return time.Since(start), nil
	case <-ctx.Done():
		// ErrCanceled or, for an expired deadline, ErrTimeout.
		return time.Since(start), vendorerr.Transport("", "", ctx.Err())
	}
}

func (l *limiter) release() {
	if l != nil {
		<-l.slots
	}
}

// inUse and queued read the limiter for ConcurrencyStats.
func (l *limiter) inUse() int64 {
	if l == nil {
		return 0
	}
	return int64(len(l.slots))
}

func (l *limiter) queued() int64 {
	if l == nil {
		return 0
	}
	return l.waiting.Load()
}

// admission holds a call's slots until release.
type admission struct {
	global, provider *limiter
	held             atomic.Bool
}

// admit takes the provider's slot and then the global one (always in that order,
// so two calls never hold one each of what the other needs).
func (c *Client) admit(ctx context.Context, a *admission, st *providerState, name string) (time.Duration, error) {
	if st.limit == nil && c.global == nil {
		return 0, nil
	}
	w1, err := st.limit.acquire(ctx, "harbor: provider "+name)
	if err != nil {
		return w1, err
	}
	w2, err := c.global.acquire(ctx, "harbor: client")
	if err != nil {
		st.limit.release()
		return w1 + w2, err
	}
	a.provider, a.global = st.limit, c.global
	a.held.Store(true)
	return w1 + w2, nil
}

// release gives the slots back, once however often it is called.
func (a *admission) release() {
	if a.held.Swap(false) {
		a.global.release()
		a.provider.release()
	}
}
