package rediscache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/redistest"
	"github.com/harborai/harbor-go/rediscache"
)

func TestLock(t *testing.T) {
	srv, c, rdb := setup(t)
	ctx := t.Context()
	tok, ok, err := c.TryLock(ctx, "lock:k", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, tok, 32)
	_, ok, err = c.TryLock(ctx, "lock:k", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "held")

	require.NoError(t, c.Unlock(ctx, "lock:k", "not-the-token"))
	_, ok, _ = c.TryLock(ctx, "lock:k", time.Minute)
	assert.False(t, ok, "another token does not release it")
	ttl, err := rdb.PTTL(ctx, "harbor:lock:k").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Minute, ttl, float64(5*time.Second), "under the Cache's prefix, with its ttl")

	require.NoError(t, c.Unlock(ctx, "lock:k", tok))
	tok2, ok, err := c.TryLock(ctx, "lock:k", 50*time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok, "released")
	assert.NotEqual(t, tok, tok2)

	time.Sleep(100 * time.Millisecond) // it expires…
	tok3, ok, err := c.TryLock(ctx, "lock:k", time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "expired")
	require.NoError(t, c.Unlock(ctx, "lock:k", tok2)) // …and its late Unlock leaves the new holder alone
	_, ok, _ = c.TryLock(ctx, "lock:k", time.Minute)
	assert.False(t, ok)
	ok, err = c.Refresh(ctx, "lock:k", tok2, time.Hour)
	require.NoError(t, err)
	assert.False(t, ok, "a lost lock is not refreshed")
	ok, err = c.Refresh(ctx, "lock:k", tok3, time.Hour)
	require.NoError(t, err)
	assert.True(t, ok)
	ttl, err = rdb.PTTL(ctx, "harbor:lock:k").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute)
	require.NoError(t, c.Unlock(ctx, "lock:k", tok3))

	_, _, err = c.TryLock(ctx, "lock:k", 0)
	assert.Error(t, err)
	srv.Kill()
	_, ok, err = c.TryLock(ctx, "lock:k", time.Minute)
	assert.Error(t, err)
	assert.False(t, ok)
	assert.Error(t, c.Unlock(ctx, "lock:k", tok3))
	_, err = c.Refresh(ctx, "lock:k", tok3, time.Minute)
	assert.Error(t, err)
}

// dedupeClient is a Client (a process of a fleet) with its own Redis tier and
// the fleet-wide lock on.
func dedupeClient(t *testing.T, m *harbortest.Mock, tier harbor.SharedCache, wait time.Duration) *harbor.Client {
	t.Helper()
	c, err := m.NewClient(harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour, Shared: tier,
		SharedTimeout: 200 * time.Millisecond, SharedLock: 150 * time.Millisecond, SharedLockWait: wait}))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func openTier(t *testing.T, srv *redistest.Server) *rediscache.Cache {
	t.Helper()
	tier, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { tier.Close() })
	return tier
}

// Twenty identical calls at once, spread over three processes: one vendor
// call. Plain calls and streams alike.
func TestFleetDedupe(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%t", stream), func(t *testing.T) {
			srv := redistest.Start(t)
			m := harbortest.Start(t, harbortest.DeepSeek)
			var clients []*harbor.Client
			for range 3 {
				clients = append(clients, dedupeClient(t, m, openTier(t, srv), 0))
			}
			m.Enqueue(harbortest.Fault{Latency: 300 * time.Millisecond}) // the one call is slow: the others arrive meanwhile
			var wg sync.WaitGroup
			texts := make([]string, 20)
			errs := make([]error, 20)
			for i := range 20 {
				c := clients[i%3]
				wg.Go(func() {
					ctx := context.Background()
					if !stream {
						res, err := c.Chat.Completions.Create(ctx, question(m, "once for the fleet"))
						if errs[i] = err; err == nil {
							texts[i] = res.Choices[0].Message.Content
						}
						return
					}
					s, err := c.Chat.Completions.Stream(ctx, question(m, "once for the fleet"))
					if errs[i] = err; err != nil {
						return
					}
					defer s.Close()
					var acc harbor.Accumulator
					for s.Next() {
						acc.Add(s.Current())
					}
					if errs[i] = s.Err(); errs[i] == nil {
						texts[i] = acc.Completion().Choices[0].Message.Content
					}
				})
			}
			wg.Wait()
			for i := range 20 {
				require.NoError(t, errs[i], "call %d", i)
				assert.Equal(t, texts[0], texts[i])
			}
			assert.Len(t, m.ChatRequests(), 1, "one vendor call for twenty identical calls on three processes")
			var misses, coalesced, fleet int64
			for _, c := range clients {
				ms := c.MemoryStats().Cache
				misses += ms.Misses
				coalesced += ms.Coalesced
				fleet += *ms.Shared.Coalesced
				assert.Zero(t, *ms.Shared.WaitsExpired)
			}
			assert.EqualValues(t, 1, misses)
			assert.EqualValues(t, 19, coalesced)
			assert.EqualValues(t, 2, fleet, "each other process waited once for the first one's answer; its own callers waited for it")
		})
	}
}

// The process holding the lock fails its call (a 400 from the vendor): the
// lock is released at once and a waiting process calls the vendor itself.
func TestFleetDedupeLeaderFails(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	a := dedupeClient(t, m, openTier(t, srv), 0)
	b := dedupeClient(t, m, openTier(t, srv), 0)
	m.Enqueue(harbortest.Fault{Latency: 200 * time.Millisecond, Status: 400})
	errA := make(chan error, 1)
	go func() {
		_, err := a.Chat.Completions.Create(context.Background(), question(m, "failing leader"))
		errA <- err
	}()
	require.Eventually(t, func() bool { return len(m.ChatRequests()) == 1 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	res, err := b.Chat.Completions.Create(context.Background(), question(m, "failing leader"))
	require.NoError(t, err, "b called the vendor itself after a failed")
	assert.False(t, res.Cached)
	assert.Less(t, time.Since(start), 2*time.Second)
	require.Error(t, <-errA)
	assert.Len(t, m.ChatRequests(), 2)
}

// silentTier is a shared tier whose process "dies" after taking a lock: it
// neither stores its answer nor releases the lock.
type silentTier struct{ *rediscache.Cache }

func (silentTier) Set(context.Context, string, []byte, time.Duration) error { return nil }
func (silentTier) Unlock(context.Context, string, string) error             { return nil }
func (silentTier) Refresh(context.Context, string, string, time.Duration) (bool, error) {
	return true, nil
}

// The process holding the lock dies: its lock expires within SharedLock
// (150ms here), and a waiting process takes it and calls the vendor itself.
func TestFleetDedupeLeaderGone(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	dead := dedupeClient(t, m, silentTier{openTier(t, srv)}, 0)
	b := dedupeClient(t, m, openTier(t, srv), 0)
	_, err := dead.Chat.Completions.Create(context.Background(), question(m, "leader gone"))
	require.NoError(t, err)
	start := time.Now()
	res, err := b.Chat.Completions.Create(context.Background(), question(m, "leader gone"))
	require.NoError(t, err)
	took := time.Since(start)
	assert.False(t, res.Cached)
	assert.GreaterOrEqual(t, took, 100*time.Millisecond, "waited for the lock to expire")
	assert.Less(t, took, 2*time.Second)
	assert.Len(t, m.ChatRequests(), 2)
	assert.Zero(t, *b.MemoryStats().Cache.Shared.WaitsExpired, "the lock expired before the wait did")
}

// A call longer than SharedLock keeps its lock (refreshed every SharedLock/3):
// the waiting process gets its answer rather than calling the vendor too.
func TestFleetDedupeLongCallKeepsItsLock(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	a := dedupeClient(t, m, openTier(t, srv), 0)
	b := dedupeClient(t, m, openTier(t, srv), 0)
	m.Enqueue(harbortest.Fault{Latency: time.Second}) // about 7 lock lifetimes
	done := make(chan error, 1)
	go func() {
		_, err := a.Chat.Completions.Create(context.Background(), question(m, "long call"))
		done <- err
	}()
	require.Eventually(t, func() bool { return len(m.ChatRequests()) == 1 }, 5*time.Second, time.Millisecond)
	res, err := b.Chat.Completions.Create(context.Background(), question(m, "long call"))
	require.NoError(t, err)
	assert.True(t, res.Cached, "b waited for a's answer")
	require.NoError(t, <-done)
	assert.Len(t, m.ChatRequests(), 1)
}

// A waiter gives up after SharedLockWait and calls the vendor itself.
func TestFleetDedupeWaitExpires(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	a := dedupeClient(t, m, openTier(t, srv), 0)
	b := dedupeClient(t, m, openTier(t, srv), 200*time.Millisecond)
	m.Enqueue(harbortest.Fault{Latency: time.Second})
	done := make(chan error, 1)
	go func() {
		_, err := a.Chat.Completions.Create(context.Background(), question(m, "impatient"))
		done <- err
	}()
	require.Eventually(t, func() bool { return len(m.ChatRequests()) == 1 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	res, err := b.Chat.Completions.Create(context.Background(), question(m, "impatient"))
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Less(t, time.Since(start), 900*time.Millisecond, "it did not wait for a")
	require.NoError(t, <-done)
	assert.Len(t, m.ChatRequests(), 2)
	assert.EqualValues(t, 1, *b.MemoryStats().Cache.Shared.WaitsExpired)
}

// A caller that gives up while waiting for another process's answer gets its
// context's error; the lock holder is not disturbed.
func TestFleetDedupeWaiterCancelled(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	a := dedupeClient(t, m, openTier(t, srv), 0)
	b := dedupeClient(t, m, openTier(t, srv), 0)
	m.Enqueue(harbortest.Fault{Latency: 500 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := a.Chat.Completions.Create(context.Background(), question(m, "cancelled waiter"))
		done <- err
	}()
	require.Eventually(t, func() bool { return len(m.ChatRequests()) == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := b.Chat.Completions.Create(ctx, question(m, "cancelled waiter"))
	require.Error(t, err)
	assert.ErrorIs(t, err, harbor.ErrCanceled)
	assert.Less(t, time.Since(start), 300*time.Millisecond, "it stopped waiting at once")
	require.NoError(t, <-done)
	assert.Len(t, m.ChatRequests(), 1)
}
