package pool

import (
	"sync"
	"testing"
)

type payload struct{ buf [64]byte }

var (
	benchCounted = New("bench.getput", func() *payload { return new(payload) }, nil)
	benchRaw     = sync.Pool{New: func() any { return new(payload) }}
)

// BenchmarkGetPut measures Get then Put of a counted Pool against a bare
// sync.Pool doing the same, sequentially and from b.RunParallel, in one run so
// that the ratio, not the absolute figure, is what to read. The names carry
// an impl key for benchstat; runs interleaved (-count 1, repeated) spread a
// noisy machine's drift over both:
//
//	go test -c -o /tmp/pool.test ./internal/pool
//	for i in $(seq 10); do /tmp/pool.test -test.run '^$' -test.bench GetPut -test.benchmem; done > /tmp/getput.txt
//	cd benchmarks/cmd/compare/benchstat && go tool benchstat -col /impl /tmp/getput.txt
func BenchmarkGetPut(b *testing.B) {
	b.Run("seq/impl=sync.Pool", func(b *testing.B) {
		for b.Loop() {
			x := benchRaw.Get().(*payload)
			x.buf[0] = 1
			benchRaw.Put(x)
		}
	})
	b.Run("seq/impl=pool.Pool", func(b *testing.B) {
		for b.Loop() {
			x := benchCounted.Get()
			x.buf[0] = 1
			benchCounted.Put(x)
		}
	})
	b.Run("parallel/impl=sync.Pool", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				x := benchRaw.Get().(*payload)
				x.buf[0] = 1
				benchRaw.Put(x)
			}
		})
	})
	b.Run("parallel/impl=pool.Pool", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				x := benchCounted.Get()
				x.buf[0] = 1
				benchCounted.Put(x)
			}
		})
	})
}
