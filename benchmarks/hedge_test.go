package benchmarks

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// BenchmarkHedge measures what hedging buys against a first vendor with a slow
// tail: one call in ten to the DeepSeek mock waits 200 ms before answering, the
// others answer at once; the chain's second model is the Doubao mock. Without
// hedging the slow calls wait; with WithHedging(After: 20ms) they are answered by
// Doubao after about 20 ms. It reports the p50 and p99 latency (ms) and the
// vendor calls per call (the extra cost: 1.0 is none). Run it with a count of
// calls, e.g.
//
//	cd benchmarks && go test -run '^$' -bench '^BenchmarkHedge$' -benchtime 400x
func BenchmarkHedge(b *testing.B) {
	for _, hedged := range []bool{false, true} {
		name := "plain"
		if hedged {
			name = "hedged"
		}
		b.Run(name, func(b *testing.B) {
			ds := harbortest.Start(b, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
			ark := harbortest.Start(b, harbortest.Doubao, harbortest.WithoutSpecCheck())
			opts := append(append(ds.Options(), ark.Options()...),
				harbor.WithFallback("fast", ds.Model(), ark.Model()))
			if hedged {
				opts = append(opts, harbor.WithHedging(harbor.Hedge{After: 20 * time.Millisecond}))
			}
			c, err := harbor.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := &harbor.ChatRequest{Model: "fast", Messages: []harbor.Message{harbor.UserMessage("hi")}}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				if i%10 == 0 {
					ds.Enqueue(harbortest.Fault{Latency: 200 * time.Millisecond})
				} else {
					ds.Enqueue(harbortest.Fault{})
				}
				start := time.Now()
				if _, err := c.Chat.Completions.Create(context.Background(), req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(ds.ChatRequests())+len(ark.ChatRequests()))/float64(b.N), "vendor-calls/op")
		})
	}
}
