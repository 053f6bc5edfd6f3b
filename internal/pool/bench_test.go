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
// that the ratio, not the absolute figure, is what to read:
//
//	go test -run '^$' -bench GetPut -benchmem -count 6 ./internal/pool
func BenchmarkGetPut(b *testing.B) {
	b.Run("sync.Pool", func(b *testing.B) {
		for b.Loop() {
			x := benchRaw.Get().(*payload)
			x.buf[0] = 1
			benchRaw.Put(x)
		}
	})
	b.Run("pool.Pool", func(b *testing.B) {
		for b.Loop() {
			x := benchCounted.Get()
			x.buf[0] = 1
			benchCounted.Put(x)
		}
	})
	b.Run("sync.Pool/parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				x := benchRaw.Get().(*payload)
				x.buf[0] = 1
				benchRaw.Put(x)
			}
		})
	})
	b.Run("pool.Pool/parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				x := benchCounted.Get()
				x.buf[0] = 1
				benchCounted.Put(x)
			}
		})
	})
}
