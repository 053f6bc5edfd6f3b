package harbor

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 64 identical calls at once, Create and Stream mixed, make one vendor call: the
// first leads, the other 63 wait for its answer, each gets its own copy.
func TestIdenticalCallsInFlightMakeOneVendorCall(t *testing.T) {
	for _, leaderStreams := range []bool{false, true} {
		name := "Create leads"
		if leaderStreams {
			name = "Stream leads"
		}
		t.Run(name, func(t *testing.T) {
			g := newGated()
			c := gatedClient(t, g, WithCache(CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour}))
			ctx := context.Background()
			const n = 64
			texts := make([]string, n)
			var wg sync.WaitGroup
			call := func(i int, stream bool) {
				defer wg.Done()
				if stream {
					s, err := c.Chat.Completions.Stream(ctx, gatedReq())
					if assert.NoError(t, err) {
						texts[i] = drain(t, s)
					}
					return
				}
				res, err := c.Chat.Completions.Create(ctx, gatedReq())
				if assert.NoError(t, err) {
					texts[i] = res.Choices[0].Message.Content
				}
			}
			wg.Add(1)
			go call(0, leaderStreams)
			waitFor(t, "the leader at the vendor", func() bool { return g.waiting.Load() == 1 })
			key, err := newCacheKey("gated", "gated-1", "", gatedReq())
			require.NoError(t, err)
			c.cache.mu.Lock()
			f := c.cache.flights[key]
			c.cache.mu.Unlock()
			require.NotNil(t, f)
			for i := 1; i < n; i++ {
				wg.Add(1)
				go call(i, i%2 == 0)
			}
			waitFor(t, "63 callers waiting for the leader", func() bool { return f.waiters.Load() == n-1 })
			g.open()
			wg.Wait()
			assert.EqualValues(t, 1, g.calls.Load(), "one vendor call")
			for i, text := range texts {
				assert.Equal(t, "gated answer", text, "caller %d", i)
			}
			ms := c.MemoryStats().Cache
			assert.EqualValues(t, n-1, ms.Coalesced)
			assert.EqualValues(t, 1, ms.Misses)
		})
	}
}

// A waiter whose leader is cancelled asks the vendor itself rather than
// inheriting someone else's cancellation.
func TestWaiterOutlivesACancelledLeader(t *testing.T) {
	g := newGated()
	c := gatedClient(t, g, WithCache(CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour}))
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := c.Chat.Completions.Create(leaderCtx, gatedReq())
		leaderErr <- err
	}()
	waitFor(t, "the leader at the vendor", func() bool { return g.waiting.Load() == 1 })
	got := make(chan *ChatCompletion, 1)
	go func() {
		res, err := c.Chat.Completions.Create(context.Background(), gatedReq())
		assert.NoError(t, err)
		got <- res
	}()
	key, _ := newCacheKey("gated", "gated-1", "", gatedReq())
	waitFor(t, "the waiter", func() bool {
		c.cache.mu.Lock()
		defer c.cache.mu.Unlock()
		f := c.cache.flights[key]
		return f != nil && f.waiters.Load() == 1
	})
	cancel()
	require.ErrorIs(t, <-leaderErr, ErrCanceled)
	waitFor(t, "the waiter at the vendor itself", func() bool { return g.waiting.Load() == 1 })
	g.open()
	res := <-got
	assert.Equal(t, "gated answer", res.Choices[0].Message.Content)
	assert.False(t, res.Cached)
	assert.EqualValues(t, 2, g.calls.Load())
}

// A caller that comes just after the flight ended, when L1 has already evicted
// the answer (a full cache), gets the flight's answer, not a vendor call of its
// own (found by benchmarks/Singleflight64Full).
func TestLateCallerAfterEvictionMakesNoVendorCall(t *testing.T) {
	g := newGated()
	g.open()
	c := gatedClient(t, g, WithCache(CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour}))
	ctx := context.Background()
	_, err := c.Chat.Completions.Create(ctx, gatedReq())
	require.NoError(t, err)
	key, err := newCacheKey("gated", "gated-1", "", gatedReq())
	require.NoError(t, err)
	c.cache.l1.Invalidate(key) // evicted at once, as in a full cache
	res, err := c.Chat.Completions.Create(ctx, gatedReq())
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.EqualValues(t, 1, g.calls.Load(), "one vendor call")

	// WithCacheRefresh still asks the vendor.
	_, err = c.Chat.Completions.Create(ctx, gatedReq(), WithCacheRefresh())
	require.NoError(t, err)
	assert.EqualValues(t, 2, g.calls.Load())
}
