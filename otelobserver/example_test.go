package otelobserver_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/otelobserver"
)

// A Client whose calls become OpenTelemetry spans and GenAI metrics. Here it
// talks to harbor's offline DeepSeek mock and the telemetry goes to in-memory
// readers; a real program would use harbor.WithAPIKey and its own
// TracerProvider and MeterProvider (or leave Options' providers nil for the
// global ones).
func Example() {
	mock, err := harbortest.New(harbortest.DeepSeek)
	if err != nil {
		panic(err)
	}
	defer mock.Close()

	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	obs, err := otelobserver.New(otelobserver.Options{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
		Models:         []string{"deepseek-v4-flash"}, // typically otelobserver.ModelIDs(client.Models())
	})
	if err != nil {
		panic(err)
	}
	client, err := harbor.New(append(mock.Options(), harbor.WithObserver(obs))...)
	if err != nil {
		panic(err)
	}
	defer client.Close()

	mock.Enqueue(harbortest.RateLimited("")) // the first attempt gets a 429, which harbor retries
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	if _, err := client.Chat.Completions.Create(context.Background(), req); err != nil {
		panic(err)
	}

	for _, s := range spans.Ended() {
		fmt.Println("span:", s.Name(), s.SpanKind(), s.Status().Code)
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case "gen_ai.provider.name", "gen_ai.request.model", "harbor.attempts", "error.type":
				fmt.Printf("  %s=%s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name+" ("+m.Unit+")")
		}
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Println("metric:", n)
	}
	// Output:
	// span: chat deepseek-v4-flash client Unset
	//   gen_ai.provider.name=deepseek
	//   gen_ai.request.model=deepseek-v4-flash
	//   harbor.attempts=2
	// metric: gen_ai.client.operation.duration (s)
	// metric: gen_ai.client.token.usage ({token})
}

// The call's span is a child of the span in the context the caller passed to
// Create or Stream, which the core hands over as CallEvent.Context; CallEvent.CallID
// ties a call's EventEnd to its EventStart. The events are made by hand here.
func Example_parent() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	obs, err := otelobserver.New(otelobserver.Options{TracerProvider: tp})
	if err != nil {
		panic(err)
	}

	ctx, handler := tp.Tracer("app").Start(context.Background(), "GET /answer")
	start := time.Now()
	obs.Observe(harbor.CallEvent{Kind: harbor.EventStart, CallID: 1, Context: ctx,
		Operation: "chat", Provider: "deepseek", Model: "deepseek-v4-flash", Start: start})
	obs.Observe(harbor.CallEvent{Kind: harbor.EventEnd, CallID: 1,
		Operation: "chat", Provider: "deepseek", Model: "deepseek-v4-flash", Start: start, Latency: 800 * time.Millisecond,
		Usage: harbor.Usage{PromptTokens: 12, CompletionTokens: 40}, Attempts: 1})
	handler.End()

	for _, s := range spans.Ended() {
		if s.SpanContext().SpanID() == handler.SpanContext().SpanID() {
			continue
		}
		fmt.Printf("%s: child of GET /answer: %v; %v long\n", s.Name(),
			s.Parent().SpanID() == handler.SpanContext().SpanID(), s.EndTime().Sub(s.StartTime()))
	}
	// Output:
	// chat deepseek-v4-flash: child of GET /answer: true; 800ms long
}
