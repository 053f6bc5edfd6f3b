package otelobserver_test

import (
	"sync/atomic"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/otelobserver"
)

// benchOptions are the providers the benchmarks compare: the SDK's (every span
// sampled, no exporter; metrics aggregated for a manual reader), the SDK's
// metrics with no spans, and no-op providers (the observer's own cost).
func benchOptions() []struct {
	name string
	opts otelobserver.Options
} {
	sdkMeter := func() *sdkmetric.MeterProvider {
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	models := []string{"deepseek-v4-flash"}
	return []struct {
		name string
		opts otelobserver.Options
	}{
		{"sdk", otelobserver.Options{TracerProvider: sdktrace.NewTracerProvider(), MeterProvider: sdkMeter(), Models: models}},
		{"metrics", otelobserver.Options{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: sdkMeter(), Models: models}},
		{"noop", otelobserver.Options{TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider(), Models: models}},
	}
}

// benchCalls is one streamed call as the core reports it (start, first chunk,
// an end with usage, cost, a retry and a cache miss) and a failed call (start,
// end): five Observe calls per op, each call with a CallID of its own.
func benchCalls() (stream, failed []harbor.CallEvent) {
	return streamCall(0, "deepseek-v4-flash"), failedCall(0, "deepseek-v4-flash")
}

func observeCalls(o *otelobserver.Observer, id uint64, stream, failed []harbor.CallEvent) {
	for _, e := range stream {
		e.CallID = id
		o.Observe(e)
	}
	for _, e := range failed {
		e.CallID = id + 1
		o.Observe(e)
	}
}

// BenchmarkObserve is a streamed call and a failed call per op, with labels
// already seen (a warm-up call makes their attribute sets first).
func BenchmarkObserve(b *testing.B) {
	for _, bo := range benchOptions() {
		b.Run(bo.name, func(b *testing.B) {
			o, err := otelobserver.New(bo.opts)
			if err != nil {
				b.Fatal(err)
			}
			stream, failed := benchCalls()
			observeCalls(o, 1, stream, failed) // warm-up
			id := uint64(1)
			b.ReportAllocs()
			for b.Loop() {
				id += 2
				observeCalls(o, id, stream, failed)
			}
		})
	}
}

// BenchmarkObserveParallel is BenchmarkObserve from every P at once, on the same
// attribute sets: the contention of many concurrent calls to one model.
func BenchmarkObserveParallel(b *testing.B) {
	for _, bo := range benchOptions() {
		b.Run(bo.name, func(b *testing.B) {
			o, err := otelobserver.New(bo.opts)
			if err != nil {
				b.Fatal(err)
			}
			stream, failed := benchCalls()
			observeCalls(o, 1, stream, failed)
			var ids atomic.Uint64
			ids.Store(1)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					observeCalls(o, ids.Add(2), stream, failed)
				}
			})
		})
	}
}
