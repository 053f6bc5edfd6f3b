package otelobserver

import (
	"context"
	"math"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/labelset"
)

// ScopeName is the instrumentation scope of the tracer and the meter, with
// harbor.Version as its version and the semantic conventions v1.41.0 as its
// schema.
const ScopeName = "github.com/harborai/harbor-go/otelobserver"

// The semantic conventions' advice for the buckets of the duration and
// time-to-first-chunk histograms (seconds) and of the token histogram.
var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// harbor's own span attributes (see the package doc).
const (
	keyCache     = attribute.Key("harbor.cache")
	keyAttempts  = attribute.Key("harbor.attempts")
	keyCost      = attribute.Key("harbor.cost_cny")
	keyRequestID = attribute.Key("harbor.request_id")
	keyQueueWait = attribute.Key("harbor.queue_wait")
)

// cacheAttrs are the harbor.cache attributes, indexed by CacheResult; calls
// with the cache off have none.
var cacheAttrs = []attribute.KeyValue{
	harbor.CacheMiss:      keyCache.String(harbor.CacheMiss.String()),
	harbor.CacheHit:       keyCache.String(harbor.CacheHit.String()),
	harbor.CacheSharedHit: keyCache.String(harbor.CacheSharedHit.String()),
	harbor.CacheCoalesced: keyCache.String(harbor.CacheCoalesced.String()),
}

// Options configures New. The zero value is usable: OpenTelemetry's global
// providers, the built-in providers, every model reported as "other" in the
// metrics.
type Options struct {
	// TracerProvider makes the spans; nil: otel.GetTracerProvider(), which
	// forwards to whatever otel.SetTracerProvider sets, even later. Give
	// go.opentelemetry.io/otel/trace/noop's for no spans.
	TracerProvider trace.TracerProvider

	// MeterProvider makes the metrics; nil: otel.GetMeterProvider(), likewise.
	// Give go.opentelemetry.io/otel/metric/noop's for no metrics.
	MeterProvider metric.MeterProvider

	// Models are the model names the metrics report as themselves in
	// gen_ai.request.model, typically ModelIDs(client.Models()); any other model
	// is "other" there. Spans always carry the call's own model. The names are
	// written as given, so they must not hold secrets, and must be valid UTF-8.
	Models []string

	// Providers are provider names the metrics report as themselves besides
	// DefaultProviders (a provider registered with harbor.WithProvider, say);
	// any other provider is "other" there.
	Providers []string
}

// Observer is a harbor.Observer that turns every call into an OpenTelemetry
// span and into the GenAI client metrics. Make one with New; it is safe for
// concurrent use, and one Observer may be given to several Clients.
type Observer struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	ttfc     metric.Float64Histogram
	tokens   metric.Int64Histogram

	providers labelset.Set
	models    labelset.Set
	ops       labelset.Set
	errs      labelset.Set

	pairs []lazy[pair] // by provider index * models.Len() + model index
	open  calls
}

var _ harbor.Observer = (*Observer)(nil)

// New makes the tracer and the three histograms from opts' providers. It
// returns an error when a name in opts is empty or not valid UTF-8, or when the
// meter refuses an instrument.
func New(opts Options) (*Observer, error) {
	models, err := labelset.New("otelobserver", "Models", nil, opts.Models)
	if err != nil {
		return nil, err
	}
	providers, err := labelset.New("otelobserver", "Providers", DefaultProviders, opts.Providers)
	if err != nil {
		return nil, err
	}
	errs, _ := labelset.New("otelobserver", "", nil, harbor.ErrorTypes())
	ops, _ := labelset.New("otelobserver", "", nil, operations)

	tp, mp := opts.TracerProvider, opts.MeterProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	o := &Observer{
		tracer: tp.Tracer(ScopeName,
			trace.WithInstrumentationVersion(harbor.Version), trace.WithSchemaURL(semconv.SchemaURL)),
		providers: providers,
		models:    models,
		ops:       ops,
		errs:      errs,
		pairs:     make([]lazy[pair], providers.Len()*models.Len()),
	}
	meter := mp.Meter(ScopeName, metric.WithInstrumentationVersion(harbor.Version), metric.WithSchemaURL(semconv.SchemaURL))
	if o.duration, err = meter.Float64Histogram("gen_ai.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if o.ttfc, err = meter.Float64Histogram("gen_ai.client.operation.time_to_first_chunk",
		metric.WithUnit("s"),
		metric.WithDescription("Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if o.tokens, err = meter.Int64Histogram("gen_ai.client.token.usage",
		metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."),
		metric.WithExplicitBucketBoundaries(tokenBuckets...)); err != nil {
		return nil, err
	}
	return o, nil
}

// Observe implements harbor.Observer: EventStart opens the call's span,
// EventFirstChunk records the time to first chunk, EventEnd ends the span and
// records the duration and the tokens. It never blocks (beyond a short lock on
// the table of open spans) and never reads anything a call sent or received.
func (o *Observer) Observe(e harbor.CallEvent) {
	switch e.Kind {
	case harbor.EventStart:
		o.start(&e)
	case harbor.EventFirstChunk:
		ctx := context.Background()
		if e.CallID != 0 {
			if c, ok := o.open.get(e.CallID); ok {
				ctx = c // the exemplar's trace
			}
		}
		o.ttfc.Record(ctx, e.TimeToFirstChunk.Seconds(), o.series(&e).base...)
	case harbor.EventEnd:
		o.end(&e)
	}
}

func (o *Observer) start(e *harbor.CallEvent) {
	if e.CallID == 0 {
		return // it could not be found again at its end, which makes the whole span instead
	}
	ctx, span := o.startSpan(e)
	if span.IsRecording() {
		o.open.put(e.CallID, ctx)
	}
}

// startSpan starts e's span at e.Start, as a child of the span in e.Context.
func (o *Observer) startSpan(e *harbor.CallEvent) (context.Context, trace.Span) {
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	s := o.series(e)
	if e.Operation == s.op && e.Provider == s.provider && e.Model == s.model {
		return o.tracer.Start(ctx, s.spanName, s.kind, s.startAttrs, trace.WithTimestamp(e.Start))
	}
	// A name outside the metrics' sets: the span still carries the call's own.
	return o.tracer.Start(ctx, spanName(e.Operation, e.Model), s.kind,
		trace.WithAttributes(startAttrs(e.Operation, e.Provider, e.Model)...), trace.WithTimestamp(e.Start))
}

func (o *Observer) end(e *harbor.CallEvent) {
	s := o.series(e)
	ei := -1 // success
	if et := e.ErrorType; et != "" {
		ei = o.errs.Index(et)
	} else if e.Err != nil {
		ei = o.errs.Index(harbor.ErrorType(e.Err))
	}

	var ctx context.Context
	if e.CallID != 0 {
		ctx, _ = o.open.take(e.CallID)
	} else {
		var span trace.Span
		if ctx, span = o.startSpan(e); !span.IsRecording() {
			ctx = nil
		}
	}
	if ctx != nil {
		o.endSpan(trace.SpanFromContext(ctx), e, ei)
	} else {
		ctx = context.Background()
	}

	if ei < 0 {
		o.duration.Record(ctx, e.Latency.Seconds(), s.base...)
		if !e.Cache.Hit() && (e.Usage.PromptTokens > 0 || e.Usage.CompletionTokens > 0) {
			o.tokens.Record(ctx, int64(e.Usage.PromptTokens), s.input...)
			o.tokens.Record(ctx, int64(e.Usage.CompletionTokens), s.output...)
		}
		return
	}
	o.duration.Record(ctx, e.Latency.Seconds(), *s.failed[ei].ptr(func() *[]metric.RecordOption {
		opts := recordOpts(append(s.attrs[:3:3], semconv.ErrorTypeKey.String(o.errs.Name(ei)))...)
		return &opts
	})...)
}

// endSpan sets what the end of a call tells and ends span at e.Start+e.Latency.
func (o *Observer) endSpan(span trace.Span, e *harbor.CallEvent, ei int) {
	attrs := make([]attribute.KeyValue, 0, 12)
	attrs = append(attrs, semconv.GenAIRequestStreamKey.Bool(e.Stream))
	if u := &e.Usage; !e.Cache.Hit() && (u.PromptTokens > 0 || u.CompletionTokens > 0) {
		attrs = append(attrs,
			semconv.GenAIUsageInputTokensKey.Int(u.PromptTokens),
			semconv.GenAIUsageOutputTokensKey.Int(u.CompletionTokens))
		if n := u.CachedPromptTokens(); n > 0 {
			attrs = append(attrs, semconv.GenAIUsageCacheReadInputTokensKey.Int(n))
		}
		if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens > 0 {
			attrs = append(attrs, semconv.GenAIUsageReasoningOutputTokensKey.Int(d.ReasoningTokens))
		}
	}
	if e.TimeToFirstChunk > 0 {
		attrs = append(attrs, semconv.GenAIResponseTimeToFirstChunkKey.Float64(e.TimeToFirstChunk.Seconds()))
	}
	if e.Cache != harbor.CacheOff && int(e.Cache) < len(cacheAttrs) {
		attrs = append(attrs, cacheAttrs[e.Cache])
	}
	attrs = append(attrs, keyAttempts.Int(e.Attempts))
	if e.QueueWait > 0 {
		attrs = append(attrs, keyQueueWait.Float64(e.QueueWait.Seconds()))
	}
	if c := e.Cost.Total; c > 0 && !math.IsInf(c, 1) {
		attrs = append(attrs, keyCost.Float64(c))
	}
	if e.RequestID != "" {
		attrs = append(attrs, keyRequestID.String(e.RequestID))
	}
	if ei >= 0 {
		et := o.errs.Name(ei)
		attrs = append(attrs, semconv.ErrorTypeKey.String(et))
		msg := et
		if e.Err != nil {
			msg = e.Err.Error()
		}
		span.SetStatus(codes.Error, msg)
	}
	span.SetAttributes(attrs...)
	span.End(trace.WithTimestamp(e.Start.Add(e.Latency)))
}

// A pair holds the series of one (provider, model), made as its events first
// need them.
type pair struct {
	provider, model string
	calls           []lazy[series] // by operation index
}

// A series holds what the events of one (provider, model, operation) of the
// metrics' sets record, worked out once: the span's name and start options for
// calls whose names are these, and the metrics' attribute sets.
type series struct {
	provider, model, op string

	spanName   string
	kind       trace.SpanStartOption
	startAttrs trace.SpanStartOption

	attrs         []attribute.KeyValue  // operation, provider, model
	base          []metric.RecordOption // attrs: time to first chunk, successful durations
	input, output []metric.RecordOption // attrs and gen_ai.token.type
	failed        []lazy[[]metric.RecordOption]
}

func (o *Observer) series(e *harbor.CallEvent) *series {
	p, m := o.providers.Index(e.Provider), o.models.Index(e.Model)
	pr := o.pairs[p*o.models.Len()+m].ptr(func() *pair {
		return &pair{provider: o.providers.Name(p), model: o.models.Name(m), calls: make([]lazy[series], o.ops.Len())}
	})
	op := o.ops.Index(e.Operation)
	return pr.calls[op].ptr(func() *series {
		s := &series{provider: pr.provider, model: pr.model, op: o.ops.Name(op)}
		s.spanName = spanName(s.op, s.model)
		s.kind = trace.WithSpanKind(trace.SpanKindClient)
		s.attrs = startAttrs(s.op, s.provider, s.model)
		s.startAttrs = trace.WithAttributes(s.attrs...)
		s.base = recordOpts(s.attrs...)
		s.input = recordOpts(append(s.attrs[:3:3], semconv.GenAITokenTypeInput)...)
		s.output = recordOpts(append(s.attrs[:3:3], semconv.GenAITokenTypeOutput)...)
		s.failed = make([]lazy[[]metric.RecordOption], o.errs.Len())
		return s
	})
}

func startAttrs(op, provider, model string) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.GenAIOperationNameKey.String(op),
		semconv.GenAIProviderNameKey.String(provider),
		semconv.GenAIRequestModelKey.String(model),
	}
}

func recordOpts(attrs ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
}

// spanName is the conventions' "{gen_ai.operation.name} {gen_ai.request.model}",
// the operation alone without a model.
func spanName(op, model string) string {
	if model == "" {
		return op
	}
	return op + " " + model
}
