package otelobserver_test

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/otelobserver"
)

// t0 is when the synthetic calls start: a fixed time, so that span times are
// values to compare, not clocks to race.
var t0 = time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)

// streamCall is what the core reports for a stream that succeeds with usage and
// cost after a retry and a cache miss.
func streamCall(id uint64, model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, CallID: id, Operation: "chat", Stream: true, Provider: "deepseek",
		Model: model, Start: t0}
	first := start
	first.Kind, first.TimeToFirstChunk = harbor.EventFirstChunk, 150*time.Millisecond
	end := first
	end.Kind = harbor.EventEnd
	end.Latency = 1500 * time.Millisecond
	end.QueueWait = 20 * time.Millisecond
	end.Usage = harbor.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120, PromptCacheHitTokens: 64,
		CompletionTokensDetails: &harbor.CompletionTokensDetails{ReasoningTokens: 5}}
	end.Cost = harbor.Cost{Input: 0.0002, Output: 0.00004, Total: 0.00024}
	end.Attempts = 2
	end.Cache = harbor.CacheMiss
	end.RequestID = "req-1"
	return []harbor.CallEvent{start, first, end}
}

// failedCall is a plain call the vendor refused three times.
func failedCall(id uint64, model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, CallID: id, Operation: "chat", Provider: "deepseek", Model: model, Start: t0}
	end := start
	end.Kind = harbor.EventEnd
	end.Latency = 30 * time.Millisecond
	end.Attempts = 3
	end.Err = &harbor.Error{Provider: "deepseek", Kind: harbor.ErrRateLimited, Message: "slow down"}
	end.ErrorType = harbor.ErrorType(end.Err)
	return []harbor.CallEvent{start, end}
}

// cacheHit is a plain call answered from harbor's cache: its Usage is the stored
// answer's.
func cacheHit(id uint64, model string) []harbor.CallEvent {
	start := harbor.CallEvent{Kind: harbor.EventStart, CallID: id, Operation: "chat", Provider: "deepseek", Model: model, Start: t0}
	end := start
	end.Kind = harbor.EventEnd
	end.Latency = 200 * time.Microsecond
	end.Usage = harbor.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120}
	end.Cache = harbor.CacheHit
	return []harbor.CallEvent{start, end}
}

func observe(o harbor.Observer, calls ...[]harbor.CallEvent) {
	for _, c := range calls {
		for _, e := range c {
			o.Observe(e)
		}
	}
}

// env is an Observer wired to an in-memory span recorder and a manual metric
// reader.
type env struct {
	o      *otelobserver.Observer
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
}

func newEnv(t *testing.T, opts otelobserver.Options, traceOpts ...sdktrace.TracerProviderOption) *env {
	t.Helper()
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	e.tp = sdktrace.NewTracerProvider(append(traceOpts, sdktrace.WithSpanProcessor(e.spans))...)
	opts.TracerProvider = e.tp
	opts.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	var err error
	e.o, err = otelobserver.New(opts)
	require.NoError(t, err)
	return e
}

// ended returns the ended spans by name; a name ended twice fails the test.
func (e *env) ended(t *testing.T) map[string]sdktrace.ReadOnlySpan {
	t.Helper()
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range e.spans.Ended() {
		require.NotContains(t, out, s.Name(), "two spans named %q", s.Name())
		out[s.Name()] = s
	}
	return out
}

func (e *env) metrics(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	return rm
}

// points returns the data points of histogram name, keyed by their attribute
// set's encoding ("key=value,…", sorted by key).
func points[N int64 | float64](t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]metricdata.HistogramDataPoint[N] {
	t.Helper()
	out := map[string]metricdata.HistogramDataPoint[N]{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			h, ok := m.Data.(metricdata.Histogram[N])
			require.True(t, ok, "%s is a %T", name, m.Data)
			for _, p := range h.DataPoints {
				out[p.Attributes.Encoded(attribute.DefaultEncoder())] = p
			}
		}
	}
	return out
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

const flash = "gen_ai.operation.name=chat,gen_ai.provider.name=deepseek,gen_ai.request.model=deepseek-v4-flash"

func TestSpansAndMetrics(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	observe(e.o, streamCall(1, "deepseek-v4-flash"))
	require.Len(t, e.spans.Ended(), 1)
	s := e.spans.Ended()[0]

	assert.Equal(t, "chat deepseek-v4-flash", s.Name())
	assert.Equal(t, trace.SpanKindClient, s.SpanKind())
	assert.Equal(t, t0, s.StartTime())
	assert.Equal(t, t0.Add(1500*time.Millisecond), s.EndTime())
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.False(t, s.Parent().IsValid(), "no parent: the event carries no context")
	assert.Equal(t, otelobserver.ScopeName, s.InstrumentationScope().Name)
	assert.Equal(t, harbor.Version, s.InstrumentationScope().Version)
	assert.Equal(t, "https://opentelemetry.io/schemas/1.41.0", s.InstrumentationScope().SchemaURL)
	assert.Equal(t, map[attribute.Key]attribute.Value{
		"gen_ai.operation.name":                attribute.StringValue("chat"),
		"gen_ai.provider.name":                 attribute.StringValue("deepseek"),
		"gen_ai.request.model":                 attribute.StringValue("deepseek-v4-flash"),
		"gen_ai.request.stream":                attribute.BoolValue(true),
		"gen_ai.usage.input_tokens":            attribute.IntValue(100),
		"gen_ai.usage.output_tokens":           attribute.IntValue(20),
		"gen_ai.usage.cache_read.input_tokens": attribute.IntValue(64),
		"gen_ai.usage.reasoning.output_tokens": attribute.IntValue(5),
		"gen_ai.response.time_to_first_chunk":  attribute.Float64Value(0.15),
		"harbor.cache":                         attribute.StringValue("miss"),
		"harbor.attempts":                      attribute.IntValue(2),
		"harbor.queue_wait":                    attribute.Float64Value(0.02),
		"harbor.cost_cny":                      attribute.Float64Value(0.00024),
		"harbor.request_id":                    attribute.StringValue("req-1"),
	}, attrs(s))
	assert.Zero(t, e.o.OpenSpans())

	rm := e.metrics(t)
	d := points[float64](t, rm, "gen_ai.client.operation.duration")
	require.Len(t, d, 1)
	assert.EqualValues(t, 1, d[flash].Count)
	assert.Equal(t, 1.5, d[flash].Sum)
	assert.Equal(t, []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92},
		d[flash].Bounds, "the conventions' advice")

	f := points[float64](t, rm, "gen_ai.client.operation.time_to_first_chunk")
	require.Len(t, f, 1)
	assert.EqualValues(t, 1, f[flash].Count)
	assert.Equal(t, 0.15, f[flash].Sum)

	tok := points[int64](t, rm, "gen_ai.client.token.usage")
	require.Len(t, tok, 2)
	assert.EqualValues(t, 100, tok[flash+",gen_ai.token.type=input"].Sum)
	assert.EqualValues(t, 20, tok[flash+",gen_ai.token.type=output"].Sum)
	assert.EqualValues(t, 1, tok[flash+",gen_ai.token.type=input"].Count)
	assert.Equal(t, 67108864.0, tok[flash+",gen_ai.token.type=input"].Bounds[13])

	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, otelobserver.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			switch m.Name {
			case "gen_ai.client.token.usage":
				assert.Equal(t, "{token}", m.Unit)
			default:
				assert.Equal(t, "s", m.Unit, m.Name)
			}
		}
	}
}

func TestFailure(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	observe(e.o, failedCall(7, "deepseek-v4-flash"))
	require.Len(t, e.spans.Ended(), 1)
	s := e.spans.Ended()[0]
	assert.Equal(t, "chat deepseek-v4-flash", s.Name())
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Contains(t, s.Status().Description, "slow down")
	a := attrs(s)
	assert.Equal(t, "rate_limited", a["error.type"].AsString())
	assert.Equal(t, int64(3), a["harbor.attempts"].AsInt64())
	assert.Equal(t, false, a["gen_ai.request.stream"].AsBool())
	assert.NotContains(t, a, attribute.Key("gen_ai.usage.input_tokens"))
	assert.NotContains(t, a, attribute.Key("harbor.cache"), "the cache was off")
	assert.NotContains(t, a, attribute.Key("harbor.cost_cny"))
	assert.NotContains(t, a, attribute.Key("harbor.request_id"))
	assert.NotContains(t, a, attribute.Key("gen_ai.response.time_to_first_chunk"))

	rm := e.metrics(t)
	d := points[float64](t, rm, "gen_ai.client.operation.duration")
	require.Len(t, d, 1)
	assert.EqualValues(t, 1, d["error.type=rate_limited,"+flash].Count)
	assert.Empty(t, points[int64](t, rm, "gen_ai.client.token.usage"))
	assert.Empty(t, points[float64](t, rm, "gen_ai.client.operation.time_to_first_chunk"), "not a stream")
}

// A cache hit is a span and a duration, but no tokens: it used none of its own.
func TestCacheHit(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	observe(e.o, cacheHit(3, "deepseek-v4-flash"))
	require.Len(t, e.spans.Ended(), 1)
	a := attrs(e.spans.Ended()[0])
	assert.Equal(t, "hit", a["harbor.cache"].AsString())
	assert.Equal(t, int64(0), a["harbor.attempts"].AsInt64())
	assert.NotContains(t, a, attribute.Key("gen_ai.usage.input_tokens"))
	assert.NotContains(t, a, attribute.Key("gen_ai.usage.output_tokens"))
	assert.NotContains(t, a, attribute.Key("error.type"))

	rm := e.metrics(t)
	assert.EqualValues(t, 1, points[float64](t, rm, "gen_ai.client.operation.duration")[flash].Count)
	assert.Empty(t, points[int64](t, rm, "gen_ai.client.token.usage"))
}

// With a span in the call's context, the call's span is its child, and the
// duration's exemplar points at the call's span.
func TestParent(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	ctx, parent := e.tp.Tracer("app").Start(context.Background(), "handle request")
	call := streamCall(42, "deepseek-v4-flash")
	call[0].Context = ctx
	observe(e.o, call)
	parent.End()

	spans := e.ended(t)
	require.Len(t, spans, 2)
	s, p := spans["chat deepseek-v4-flash"], spans["handle request"]
	require.NotNil(t, s)
	assert.Equal(t, p.SpanContext().SpanID(), s.Parent().SpanID())
	assert.Equal(t, p.SpanContext().TraceID(), s.SpanContext().TraceID())

	d := points[float64](t, e.metrics(t), "gen_ai.client.operation.duration")[flash]
	require.Len(t, d.Exemplars, 1)
	assert.Equal(t, s.SpanContext().TraceID(), trace.TraceID(d.Exemplars[0].TraceID))
	assert.Equal(t, s.SpanContext().SpanID(), trace.SpanID(d.Exemplars[0].SpanID))
}

// Two identical calls in flight at once, ended in the other order, each end
// their own span: CallID tells them apart.
func TestIdenticalCallsInFlight(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	a, b := failedCall(1, "deepseek-v4-flash"), failedCall(2, "deepseek-v4-flash")
	b[1].Err, b[1].ErrorType, b[1].Latency = nil, "", 2*time.Second
	ctxA, parentA := e.tp.Tracer("app").Start(context.Background(), "a")
	ctxB, parentB := e.tp.Tracer("app").Start(context.Background(), "b")
	a[0].Context, b[0].Context = ctxA, ctxB

	e.o.Observe(a[0])
	e.o.Observe(b[0])
	assert.Equal(t, 2, e.o.OpenSpans())
	e.o.Observe(b[1])
	e.o.Observe(a[1])
	assert.Zero(t, e.o.OpenSpans())
	parentA.End()
	parentB.End()

	var sawA, sawB bool
	for _, s := range e.spans.Ended() {
		switch s.Parent().SpanID() {
		case parentA.SpanContext().SpanID():
			sawA = true
			assert.Equal(t, codes.Error, s.Status().Code)
			assert.Equal(t, t0.Add(30*time.Millisecond), s.EndTime())
		case parentB.SpanContext().SpanID():
			sawB = true
			assert.Equal(t, codes.Unset, s.Status().Code)
			assert.Equal(t, t0.Add(2*time.Second), s.EndTime())
		}
	}
	assert.True(t, sawA && sawB)
}

// Without a CallID (a core that does not set one, or events made by hand) the
// span is made whole at EventEnd, from Start and Latency, without a parent.
func TestWithoutCallID(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	call := streamCall(0, "deepseek-v4-flash")
	e.o.Observe(call[0])
	assert.Empty(t, e.spans.Started(), "nothing to find the span by at the end")
	e.o.Observe(call[1])
	e.o.Observe(call[2])
	require.Len(t, e.spans.Ended(), 1)
	s := e.spans.Ended()[0]
	assert.Equal(t, "chat deepseek-v4-flash", s.Name())
	assert.Equal(t, t0, s.StartTime())
	assert.Equal(t, t0.Add(1500*time.Millisecond), s.EndTime())
	assert.Equal(t, int64(100), attrs(s)["gen_ai.usage.input_tokens"].AsInt64())
	assert.Zero(t, e.o.OpenSpans())
}

// The metrics' attributes come from fixed sets; the spans carry the call's own
// names.
func TestUnknownNames(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash", "acme-1"}, Providers: []string{"acme"}})
	observe(e.o, streamCall(1, "my-finetune-2024"))
	e.o.Observe(harbor.CallEvent{Kind: harbor.EventStart, CallID: 2, Operation: "rerank", Provider: "elsewhere", Model: "acme-1", Start: t0})
	e.o.Observe(harbor.CallEvent{Kind: harbor.EventEnd, CallID: 2, Operation: "rerank", Provider: "elsewhere", Model: "acme-1", Start: t0,
		ErrorType: "sk-0123456789abcdef", Err: errors.New("not a harbor error type")})
	e.o.Observe(harbor.CallEvent{Kind: harbor.EventStart, CallID: 3, Operation: "chat", Provider: "acme", Model: "acme-1", Start: t0})
	e.o.Observe(harbor.CallEvent{Kind: harbor.EventEnd, CallID: 3, Operation: "chat", Provider: "acme", Model: "acme-1", Start: t0})

	spans := e.ended(t)
	require.Len(t, spans, 3)
	require.Contains(t, spans, "chat my-finetune-2024")
	assert.Equal(t, "my-finetune-2024", attrs(spans["chat my-finetune-2024"])["gen_ai.request.model"].AsString())
	require.Contains(t, spans, "rerank acme-1")
	a := attrs(spans["rerank acme-1"])
	assert.Equal(t, "elsewhere", a["gen_ai.provider.name"].AsString())
	assert.Equal(t, "rerank", a["gen_ai.operation.name"].AsString())
	assert.Equal(t, "other", a["error.type"].AsString(), "error.type is always one of harbor.ErrorTypes()")
	assert.Contains(t, spans, "chat acme-1")

	rm := e.metrics(t)
	d := points[float64](t, rm, "gen_ai.client.operation.duration")
	assert.Len(t, d, 3)
	assert.Contains(t, d, "gen_ai.operation.name=chat,gen_ai.provider.name=deepseek,gen_ai.request.model=other")
	assert.Contains(t, d, "error.type=other,gen_ai.operation.name=other,gen_ai.provider.name=other,gen_ai.request.model=acme-1")
	assert.Contains(t, d, "gen_ai.operation.name=chat,gen_ai.provider.name=acme,gen_ai.request.model=acme-1")
	assert.Contains(t, points[float64](t, rm, "gen_ai.client.operation.time_to_first_chunk"),
		"gen_ai.operation.name=chat,gen_ai.provider.name=deepseek,gen_ai.request.model=other")
}

// Every error type is an error.type of its own; an event with Err but no
// ErrorType gets Err's.
func TestErrorTypes(t *testing.T) {
	e := newEnv(t, otelobserver.Options{})
	var id uint64
	end := func(et string, err error) {
		id++
		e.o.Observe(harbor.CallEvent{Kind: harbor.EventStart, CallID: id, Operation: "chat", Provider: "doubao", Model: "x", Start: t0})
		e.o.Observe(harbor.CallEvent{Kind: harbor.EventEnd, CallID: id, Operation: "chat", Provider: "doubao", Model: "x", Start: t0,
			ErrorType: et, Err: err})
	}
	for _, et := range harbor.ErrorTypes() {
		end(et, errors.New(et))
	}
	end("", &harbor.Error{Kind: harbor.ErrTimeout})
	end("server", nil) // an error type without an error: still a failure

	d := points[float64](t, e.metrics(t), "gen_ai.client.operation.duration")
	assert.Len(t, d, len(harbor.ErrorTypes()))
	for _, et := range harbor.ErrorTypes() {
		want := uint64(1)
		if et == "timeout" || et == "server" {
			want = 2
		}
		assert.Equal(t, want, d["error.type="+et+",gen_ai.operation.name=chat,gen_ai.provider.name=doubao,gen_ai.request.model=other"].Count, et)
	}
	for _, s := range e.spans.Ended() {
		assert.Equal(t, codes.Error, s.Status().Code)
		assert.NotEmpty(t, s.Status().Description)
	}
}

func TestNoTokensWithoutUsage(t *testing.T) {
	e := newEnv(t, otelobserver.Options{})
	e.o.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "wenxin", Model: "m", Start: t0})
	assert.Empty(t, points[int64](t, e.metrics(t), "gen_ai.client.token.usage"))
	require.Len(t, e.spans.Ended(), 1)
	assert.NotContains(t, attrs(e.spans.Ended()[0]), attribute.Key("gen_ai.usage.input_tokens"))
}

func TestCostIgnoresNonsense(t *testing.T) {
	e := newEnv(t, otelobserver.Options{})
	for _, c := range []float64{-1, math.NaN(), math.Inf(1), 0} {
		e.o.Observe(harbor.CallEvent{Kind: harbor.EventEnd, Operation: "chat", Provider: "openai", Model: "gpt-x", Start: t0,
			Cost: harbor.Cost{Total: c}})
	}
	for _, s := range e.spans.Ended() {
		assert.NotContains(t, attrs(s), attribute.Key("harbor.cost_cny"))
	}
}

// A span the sampler drops is not kept open; the metrics still count the call.
func TestNotSampled(t *testing.T) {
	e := newEnv(t, otelobserver.Options{}, sdktrace.WithSampler(sdktrace.NeverSample()))
	e.o.Observe(streamCall(1, "m")[0])
	assert.Zero(t, e.o.OpenSpans())
	observe(e.o, streamCall(1, "m")[1:])
	assert.Empty(t, e.spans.Ended())
	assert.Len(t, points[float64](t, e.metrics(t), "gen_ai.client.operation.duration"), 1)
}

// The zero Options use OpenTelemetry's global providers.
func TestGlobalProviders(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	// The global providers cannot be unset; no other test uses them.
	o, err := otelobserver.New(otelobserver.Options{})
	require.NoError(t, err)
	// Set after New: the global providers forward to it.
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	observe(o, failedCall(1, "deepseek-v4-flash"))

	require.Len(t, spans.Ended(), 1)
	assert.Equal(t, "chat deepseek-v4-flash", spans.Ended()[0].Name())
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	assert.Len(t, points[float64](t, rm, "gen_ai.client.operation.duration"), 1)
}

func TestOptionsValidation(t *testing.T) {
	for _, opts := range []otelobserver.Options{
		{Models: []string{"ok", ""}},
		{Models: []string{"bad\xff"}},
		{Providers: []string{""}},
	} {
		_, err := otelobserver.New(opts)
		assert.Error(t, err, "%q", opts.Models)
	}
}

func TestModelIDs(t *testing.T) {
	client, err := harbor.New(harbor.WithAlias("fast", "deepseek-v4-flash"))
	require.NoError(t, err)
	ids := otelobserver.ModelIDs(client.Models())
	assert.Contains(t, ids, "deepseek-v4-flash")
	assert.Contains(t, ids, "fast")
	assert.NotContains(t, ids, "deepseek/deepseek-v4-flash", "an alias's target is the model, without its provider")
}

func TestObserveConcurrently(t *testing.T) {
	e := newEnv(t, otelobserver.Options{Models: []string{"deepseek-v4-flash"}})
	var ids atomic.Uint64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				observe(e.o, streamCall(ids.Add(1), "deepseek-v4-flash"), failedCall(ids.Add(1), "deepseek-v4-flash"),
					cacheHit(ids.Add(1), "other-model"))
			}
		})
	}
	wg.Wait()
	assert.Zero(t, e.o.OpenSpans())
	assert.Len(t, e.spans.Ended(), 8*50*3)
	d := points[float64](t, e.metrics(t), "gen_ai.client.operation.duration")
	assert.EqualValues(t, 400, d[flash].Count)
	assert.EqualValues(t, 400, d["error.type=rate_limited,"+flash].Count)
}

// The core package does not import OpenTelemetry: only programs that import
// this package pay for it.
func TestCoreDoesNotImportOpenTelemetry(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/harborai/harbor-go/harbor").CombinedOutput()
	require.NoError(t, err, string(out))
	for dep := range strings.SplitSeq(string(out), "\n") {
		assert.NotContains(t, dep, "opentelemetry")
	}
}
