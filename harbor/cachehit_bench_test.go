package harbor

import (
	"context"
	"testing"
	"time"
)

// BenchmarkCreateHit is an L1 hit, in process: what the cache stage costs a call
// it answers (the loopback figure is in benchmarks/results/managed.md).
func BenchmarkCreateHit(b *testing.B) {
	g := newGated()
	g.open()
	c := gatedClient(&testing.T{}, g, WithCache(CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour}))
	defer c.Close()
	req := gatedReq()
	req.Temperature = Some(0.7)
	req.MaxTokens = Some(256)
	req.Messages = append([]Message{SystemMessage("You are a helpful assistant. Answer briefly.")}, req.Messages...)
	ctx := context.Background()
	if _, err := c.Chat.Completions.Create(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res, err := c.Chat.Completions.Create(ctx, req)
		if err != nil || !res.Cached {
			b.Fatal(err, res)
		}
	}
}
