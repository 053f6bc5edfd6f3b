package harbor

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// providerState is what a Client counts for one provider: the figures behind
// ConcurrencyStats, HealthCheck and the cost totals, plus the provider's
// admission limiter. It outlives re-registration of the provider. Calls only add
// to atomics; readers may lock.
type providerState struct {
	name  string
	limit *limiter
	brk   *breaker // nil without WithCircuitBreaker

	inFlight  atomic.Int64 // admitted calls not yet ended (streams until closed)
	ended     atomic.Int64 // calls that ended, either way (cache hits included)
	failed    atomic.Int64 // ended with an error other than the caller's cancellation
	latencyNs atomic.Int64 // sum of the latencies of ended calls

	lastSuccess, lastFailure atomic.Int64 // unix ns, 0: never
	consecutiveFailures      atomic.Int64 // vendor-side failures since the last success
	lastErrorType            atomic.Pointer[string]
	bindError                atomic.Pointer[string] // why the provider could not be built, "" once it was

	window rateWindow
	firsts firstTimes // latest times to first chunk, for hedging delays (with WithHedging only)

	prices       sync.Map // model -> pricedModel
	pricedModels atomic.Int64

	costs sync.Map // model -> *costCounter, for priced models only
}

// ModelCost is the running cost of one model since New (Client.CostStats).
type ModelCost struct {
	Calls            int64   `json:"calls"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CachedTokens     int64   `json:"cached_prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CNY              float64 `json:"cost_cny"`
}

// end records an ended call.
func (st *providerState) end(now time.Time, latency time.Duration, err error) {
	st.ended.Add(1)
	st.latencyNs.Add(int64(latency))
	st.window.add(now.Unix())
	if err == nil {
		st.lastSuccess.Store(now.UnixNano())
		st.consecutiveFailures.Store(0)
		return
	}
	if errors.Is(err, ErrCanceled) || errors.Is(err, ErrStreamClosed) {
		return
	}
	st.failed.Add(1)
	if vendorSide(err) {
		st.lastFailure.Store(now.UnixNano())
		st.consecutiveFailures.Add(1)
		t := ErrorType(err)
		st.lastErrorType.Store(&t)
	}
}

// vendorSide reports whether err says something about the vendor's health (its
// availability, our credentials with it), rather than about the request or the
// caller. A call the open circuit breaker refused was not sent: it says nothing
// new (the breaker's own state is in ProviderHealth.Circuit).
func vendorSide(err error) bool {
	for _, k := range [...]error{ErrInvalidRequest, ErrUnknownModel, ErrQueueFull, ErrContentFilter, ErrNotFound, ErrCircuitOpen} {
		if errors.Is(err, k) {
			return false
		}
	}
	return true
}

// costCounter is ModelCost counted lock-free: the CNY total is a float64 kept as
// its bits and added with compare-and-swap.
type costCounter struct {
	calls, prompt, cached, completion atomic.Int64
	cnyBits                           atomic.Uint64
}

// addCost adds a priced call to the model's running totals. The models are the
// priced ones, a bounded set (the price table's).
func (st *providerState) addCost(model string, u Usage, c Cost) {
	v, ok := st.costs.Load(model)
	if !ok {
		v, _ = st.costs.LoadOrStore(model, &costCounter{})
	}
	t := v.(*costCounter)
	t.calls.Add(1)
	t.prompt.Add(int64(u.PromptTokens))
	t.cached.Add(int64(u.CachedPromptTokens()))
	t.completion.Add(int64(u.CompletionTokens))
	for {
		old := t.cnyBits.Load()
		if t.cnyBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+c.Total)) {
			return
		}
	}
}

func (t *costCounter) snapshot() ModelCost {
	return ModelCost{Calls: t.calls.Load(), PromptTokens: t.prompt.Load(), CachedTokens: t.cached.Load(),
		CompletionTokens: t.completion.Load(), CNY: math.Float64frombits(t.cnyBits.Load())}
}

// rateWindow counts events per second over the last windowSeconds, lock-free: a
// bucket is reset by the first event of a new second. Two events racing a reset
// can lose one count — an approximation documented where the rate is reported.
type rateWindow struct {
	buckets [windowSeconds]struct{ sec, n atomic.Int64 }
}

const windowSeconds = 60

func (w *rateWindow) add(sec int64) {
	b := &w.buckets[sec%windowSeconds]
	if s := b.sec.Load(); s != sec && b.sec.CompareAndSwap(s, sec) {
		b.n.Store(0)
	}
	b.n.Add(1)
}

// rate is events per second over the last span seconds up to now (span ≤ 60).
func (w *rateWindow) rate(now int64, span int64) float64 {
	if span <= 0 {
		return 0
	}
	var n int64
	for i := range w.buckets {
		b := &w.buckets[i]
		if s := b.sec.Load(); s > now-span && s <= now {
			n += b.n.Load()
		}
	}
	return float64(n) / float64(span)
}

// ratio is a/b, 0 when b is 0, rounded to 4 decimals for reading.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(a/b*1e4) / 1e4
}
