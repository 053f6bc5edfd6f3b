package prommetrics_test

import (
	"testing"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
)

// BenchmarkObserve is one streamed call as the core reports it (start, first
// chunk, an end with usage, cost, a retry and a cache miss) plus a failed call's
// end: four Observe calls per op, all with labels already seen (a warm-up call
// makes the metric children first). Want 0 allocs/op.
func BenchmarkObserve(b *testing.B) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	if err != nil {
		b.Fatal(err)
	}
	events := append(streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash")[1])
	for _, e := range events {
		m.Observe(e) // warm-up
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range events {
			m.Observe(e)
		}
	}
}

// BenchmarkObserveParallel is BenchmarkObserve from every P at once, on the same
// series: the contention of many concurrent calls to one model.
func BenchmarkObserveParallel(b *testing.B) {
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	if err != nil {
		b.Fatal(err)
	}
	events := append(streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash")[1])
	for _, e := range events {
		m.Observe(e)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			for _, e := range events {
				m.Observe(e)
			}
		}
	})
}

var _ harbor.Observer = (*prommetrics.Metrics)(nil)
