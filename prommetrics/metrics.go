package prommetrics

import (
	"fmt"
	"math"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/labelset"
)

// DefaultProviders are the provider names reported as themselves without being
// listed in Options.Providers: harbor's built-in providers.
var DefaultProviders = []string{"deepseek", "doubao", "wenxin", "qianfan", "openai"}

// Other is the label value of every provider, model, operation and error type
// outside the known sets.
const Other = labelset.Other

// The semantic conventions' advice for the buckets of the duration and
// time-to-first-chunk histograms (seconds) and of the token histogram.
var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// operations are the operation label's values besides Other: the semantic
// conventions' inference operations.
var operations = []string{"chat", "text_completion", "generate_content", "embeddings"}

// cacheResults are the cache result label's values, indexed by CacheResult-1.
var cacheResults = []string{
	harbor.CacheMiss.String(), harbor.CacheHit.String(), harbor.CacheSharedHit.String(), harbor.CacheCoalesced.String(),
}

// Options configures New. The zero value is usable: a registry of its own, the
// built-in providers, every model reported as "other".
type Options struct {
	// Registerer receives the metrics (prometheus.DefaultRegisterer, a registry
	// of the program's). nil: a new prometheus.Registry, returned by
	// Metrics.Registry.
	Registerer prometheus.Registerer

	// Models are the model names reported as themselves in the model labels,
	// typically ModelIDs(client.Models()); any other model is "other". They are
	// written as given, so they must not hold secrets, and must be valid UTF-8.
	Models []string

	// Providers are provider names reported as themselves besides
	// DefaultProviders (a provider registered with harbor.WithProvider, say); any
	// other provider is "other".
	Providers []string

	// QueueLength, when set, is read at every scrape and exported as the
	// harbor_queue_length gauge (the number of calls waiting for an admission
	// slot). It is called from the scraping goroutine and must be safe for that.
	QueueLength func() float64

	// Circuits, when set, is read at every scrape and exported as the
	// harbor_circuit_state gauge: one series per provider and state (closed,
	// open, half_open), 1 for the provider's state and 0 for the others —
	// typically client.CircuitStates.
	Circuits func() map[string]string
}

// Metrics is a harbor.Observer that counts calls into Prometheus metrics, and a
// prometheus.Collector of those metrics. Make one with New; it is safe for
// concurrent use.
type Metrics struct {
	registry *prometheus.Registry
	gatherer prometheus.Gatherer

	providers labelset.Set
	models    labelset.Set
	ops       labelset.Set
	errs      labelset.Set // "" (success) first

	duration, tokens, ttfc              *prometheus.HistogramVec
	requests, cacheReqs, retries, costs *prometheus.CounterVec
	fallbacks, hedges                   *prometheus.CounterVec
	inFlight                            *prometheus.GaugeVec
	queue                               prometheus.GaugeFunc // nil without Options.QueueLength
	circuits                            *circuitCollector    // nil without Options.Circuits

	inFlightBy []prometheus.Gauge // by provider index
	pairs      []lazy[pair]       // by provider index * models.Len() + model index
}

var _ interface {
	harbor.Observer
	prometheus.Collector
} = (*Metrics)(nil)

// New makes the metrics and registers them with opts.Registerer (a new registry
// when nil). It returns an error when a name in opts is empty or not valid UTF-8,
// or when the registerer refuses the metrics (a second Metrics in the same
// registry, say).
func New(opts Options) (*Metrics, error) {
	models, err := labelset.New("prommetrics", "Models", nil, opts.Models)
	if err != nil {
		return nil, err
	}
	providers, err := labelset.New("prommetrics", "Providers", DefaultProviders, opts.Providers)
	if err != nil {
		return nil, err
	}
	errs, err := labelset.New("prommetrics", "", []string{""}, harbor.ErrorTypes())
	if err != nil {
		return nil, err
	}
	ops, _ := labelset.New("prommetrics", "", nil, operations)

	genAI := []string{"gen_ai_provider_name", "gen_ai_request_model", "gen_ai_operation_name"}
	m := &Metrics{
		providers: providers,
		models:    models,
		ops:       ops,
		errs:      errs,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gen_ai_client_operation_duration_seconds",
			Help:    "GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration): the whole call, cache hits included.",
			Buckets: durationBuckets,
		}, append(genAI[:3:3], "error_type")),
		tokens: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gen_ai_client_token_usage",
			Help:    "Input and output tokens used by successful calls (OpenTelemetry gen_ai.client.token.usage); cache hits used none.",
			Buckets: tokenBuckets,
		}, append(genAI[:3:3], "gen_ai_token_type")),
		ttfc: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gen_ai_client_operation_time_to_first_chunk_seconds",
			Help:    "Time from the start of a stream to its first chunk (OpenTelemetry gen_ai.client.operation.time_to_first_chunk).",
			Buckets: durationBuckets,
		}, genAI),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_requests_total",
			Help: "Calls that ended, by error type (empty on success).",
		}, []string{"provider", "model", "operation", "error_type"}),
		cacheReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_cache_requests_total",
			Help: "Calls that went through the response cache, by result (miss, hit, shared_hit, coalesced).",
		}, []string{"provider", "model", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_retries_total",
			Help: "HTTP attempts beyond each call's first.",
		}, []string{"provider", "model"}),
		costs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_cost_cny_total",
			Help: "What the calls cost, in CNY, at harbor's prices.",
		}, []string{"provider", "model"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_fallbacks_total",
			Help: "Calls made to a fallback chain's later model after an earlier one failed, by the model asked.",
		}, []string{"provider", "model"}),
		hedges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harbor_hedges_total",
			Help: "Hedged calls: a chain's second model asked while the first was still answering.",
		}, []string{"provider", "model"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "harbor_requests_in_flight",
			Help: "Calls started and not yet ended.",
		}, []string{"provider"}),
	}
	if opts.QueueLength != nil {
		m.queue = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "harbor_queue_length",
			Help: "Calls waiting for an admission slot.",
		}, opts.QueueLength)
	}
	if opts.Circuits != nil {
		m.circuits = &circuitCollector{read: opts.Circuits, providers: providers,
			desc: prometheus.NewDesc("harbor_circuit_state",
				"Circuit breaker state per provider: 1 for the current state, 0 for the others.",
				[]string{"provider", "state"}, nil)}
	}
	m.inFlightBy = make([]prometheus.Gauge, providers.Len())
	for i := range m.inFlightBy {
		m.inFlightBy[i] = m.inFlight.WithLabelValues(providers.Name(i))
	}
	m.pairs = make([]lazy[pair], providers.Len()*models.Len())

	reg := opts.Registerer
	if reg == nil {
		m.registry = prometheus.NewRegistry()
		reg = m.registry
	}
	if err := reg.Register(m); err != nil {
		return nil, fmt.Errorf("prommetrics: registering the metrics: %w", err)
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	} else {
		own := prometheus.NewRegistry()
		own.MustRegister(m) // a fresh registry: cannot conflict
		m.gatherer = own
	}
	return m, nil
}

// Registry returns the registry New made when Options.Registerer was nil, and
// nil otherwise.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus exposition formats: those of
// Options.Registerer when it is also a prometheus.Gatherer (a
// *prometheus.Registry is), else those of this Metrics alone.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *Metrics) collectors() []prometheus.Collector {
	cs := []prometheus.Collector{m.duration, m.tokens, m.ttfc, m.requests, m.cacheReqs, m.retries, m.costs, m.fallbacks, m.hedges, m.inFlight}
	if m.queue != nil {
		cs = append(cs, m.queue)
	}
	if m.circuits != nil {
		cs = append(cs, m.circuits)
	}
	return cs
}

// circuitCollector exports Options.Circuits as a state set.
type circuitCollector struct {
	read      func() map[string]string
	providers labelset.Set
	desc      *prometheus.Desc
}

var circuitStates = []string{harbor.CircuitClosed, harbor.CircuitOpen, harbor.CircuitHalfOpen}

func (cc *circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- cc.desc }

func (cc *circuitCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	for provider, state := range cc.read() {
		name := cc.providers.Name(cc.providers.Index(provider))
		if seen[name] {
			continue // two unknown providers both reported as "other": the first wins
		}
		seen[name] = true
		for _, s := range circuitStates {
			v := 0.0
			if s == state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(cc.desc, prometheus.GaugeValue, v, name, s)
		}
	}
}

// Observe implements harbor.Observer: it counts e into the metrics. It never
// blocks and, once e's labels have been seen, does not allocate.
func (m *Metrics) Observe(e harbor.CallEvent) {
	p := m.providers.Index(e.Provider)
	switch e.Kind {
	case harbor.EventStart:
		m.inFlightBy[p].Inc()
	case harbor.EventFirstChunk:
		c := m.pair(p, e.Model).call(m, m.ops.Index(e.Operation))
		c.ttfc.get(func() prometheus.Observer {
			return m.ttfc.WithLabelValues(c.pair.provider, c.pair.model, c.op)
		}).Observe(e.TimeToFirstChunk.Seconds())
	case harbor.EventEnd:
		m.inFlightBy[p].Dec()
		m.end(p, &e)
	}
}

func (m *Metrics) end(p int, e *harbor.CallEvent) {
	pr := m.pair(p, e.Model)
	c := pr.call(m, m.ops.Index(e.Operation))

	et := e.ErrorType
	if et == "" && e.Err != nil {
		et = harbor.ErrorType(e.Err)
	}
	ei := 0 // success
	if et != "" {
		ei = m.errs.Index(et)
	}
	s := c.ends[ei].get(func() endSeries {
		et := m.errs.Name(ei)
		return endSeries{
			duration: m.duration.WithLabelValues(pr.provider, pr.model, c.op, et),
			requests: m.requests.WithLabelValues(pr.provider, pr.model, c.op, et),
		}
	})
	s.duration.Observe(e.Latency.Seconds())
	s.requests.Inc()

	if ei == 0 && !e.Cache.Hit() && (e.Usage.PromptTokens > 0 || e.Usage.CompletionTokens > 0) {
		t := c.tokens.get(func() tokenSeries {
			return tokenSeries{
				input:  m.tokens.WithLabelValues(pr.provider, pr.model, c.op, "input"),
				output: m.tokens.WithLabelValues(pr.provider, pr.model, c.op, "output"),
			}
		})
		t.input.Observe(float64(e.Usage.PromptTokens))
		t.output.Observe(float64(e.Usage.CompletionTokens))
	}
	if r := int(e.Cache) - 1; r >= 0 && r < len(cacheResults) {
		pr.cache[r].get(func() prometheus.Counter {
			return m.cacheReqs.WithLabelValues(pr.provider, pr.model, cacheResults[r])
		}).Inc()
	}
	if e.Attempts > 1 {
		pr.retries.get(func() prometheus.Counter {
			return m.retries.WithLabelValues(pr.provider, pr.model)
		}).Add(float64(e.Attempts - 1))
	}
	switch {
	case e.Hedged:
		pr.hedges.get(func() prometheus.Counter {
			return m.hedges.WithLabelValues(pr.provider, pr.model)
		}).Inc()
	case e.Fallback > 0:
		pr.fallbacks.get(func() prometheus.Counter {
			return m.fallbacks.WithLabelValues(pr.provider, pr.model)
		}).Inc()
	}
	if cost := e.Cost.Total; cost > 0 && !math.IsInf(cost, 1) { // NaN and negatives would make Add panic
		pr.cost.get(func() prometheus.Counter {
			return m.costs.WithLabelValues(pr.provider, pr.model)
		}).Add(cost)
	}
}

// A pair holds the metric children of one (provider, model), made as the pair's
// events first need them.
type pair struct {
	provider, model   string
	calls             []lazy[call] // by operation index
	cache             [4]lazy[prometheus.Counter]
	retries, cost     lazy[prometheus.Counter]
	fallbacks, hedges lazy[prometheus.Counter]
}

// A call holds the children of one (provider, model, operation).
type call struct {
	pair   *pair
	op     string
	ttfc   lazy[prometheus.Observer]
	tokens lazy[tokenSeries]
	ends   []lazy[endSeries] // by error type index
}

type tokenSeries struct{ input, output prometheus.Observer }

type endSeries struct {
	duration prometheus.Observer
	requests prometheus.Counter
}

func (m *Metrics) pair(p int, model string) *pair {
	mi := m.models.Index(model)
	return m.pairs[p*m.models.Len()+mi].ptr(func() *pair {
		return &pair{
			provider: m.providers.Name(p),
			model:    m.models.Name(mi),
			calls:    make([]lazy[call], m.ops.Len()),
		}
	})
}

func (pr *pair) call(m *Metrics, op int) *call {
	return pr.calls[op].ptr(func() *call {
		return &call{pair: pr, op: m.ops.Name(op), ends: make([]lazy[endSeries], m.errs.Len())}
	})
}

// lazy holds a value made on first use. Two goroutines may both make it; one
// value wins and both use it (the client_golang children they make for the same
// labels are the same anyway).
type lazy[T any] struct{ p atomic.Pointer[T] }

func (l *lazy[T]) ptr(mk func() *T) *T {
	if v := l.p.Load(); v != nil {
		return v
	}
	l.p.CompareAndSwap(nil, mk())
	return l.p.Load()
}

func (l *lazy[T]) get(mk func() T) T {
	if v := l.p.Load(); v != nil {
		return *v
	}
	v := mk()
	l.p.CompareAndSwap(nil, &v)
	return *l.p.Load()
}

// ModelIDs returns the model names of models (Client.Models) as
// Options.Models wants them: every ID, and the model each alias stands for.
func ModelIDs(models []harbor.Model) []string { return labelset.ModelIDs(models) }
