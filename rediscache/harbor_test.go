package rediscache_test

import (
	"context"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/redistest"
	"github.com/harborai/harbor-go/rediscache"
)

func sharedClient(t *testing.T, m *harbortest.Mock, tier harbor.SharedCache, log *slog.Logger) *harbor.Client {
	t.Helper()
	c, err := m.NewClient(harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour, Shared: tier,
		SharedTimeout: 200 * time.Millisecond, Logger: log}))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func question(m *harbortest.Mock, text string) *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage(text)}}
}

// Two Clients — two processes of a fleet — share one Redis: an answer one of
// them got from the vendor is a hit for the other.
func TestTwoClientsShareAHit(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	tier1, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tier1.Close()
	tier2, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tier2.Close()
	a := sharedClient(t, m, tier1, nil)
	b := sharedClient(t, m, tier2, nil)
	ctx := context.Background()

	first, err := a.Chat.Completions.Create(ctx, question(m, "shared"))
	require.NoError(t, err)
	require.NoError(t, a.Close()) // waits for the write to Redis
	res, err := b.Chat.Completions.Create(ctx, question(m, "shared"))
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, first.Choices, res.Choices)
	assert.Equal(t, first.Usage, res.Usage)
	assert.Equal(t, "deepseek", res.Provider)
	assert.Len(t, m.ChatRequests(), 1, "one vendor call for the fleet")
	ms := b.MemoryStats().Cache
	assert.EqualValues(t, 1, ms.SharedHits)
	require.NotNil(t, ms.Shared)
	assert.Zero(t, ms.Shared.Errors)

	// Streams too: b's second call is an L1 hit now, replayed as a stream.
	s, err := b.Chat.Completions.Stream(ctx, question(m, "shared"))
	require.NoError(t, err)
	assert.True(t, s.Cached())
	assert.Equal(t, "hit", s.CacheStatus())
	s.Close()
	// Another process streams it from Redis: the stream says so.
	tierS, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tierS.Close()
	s, err = sharedClient(t, m, tierS, nil).Chat.Completions.Stream(ctx, question(m, "shared"))
	require.NoError(t, err)
	assert.Equal(t, "shared_hit", s.CacheStatus())
	s.Close()

	// Nothing secret in Redis: keys are digests, values the answer.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Regexp(t, `^harbor:harbor:[0-9a-f]{64}$`, keys[0])
	v, err := rdb.Get(ctx, keys[0]).Result()
	require.NoError(t, err)
	assert.NotContains(t, v, m.APIKey())

	// A third Client warms its memory from Redis at start.
	tier3, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tier3.Close()
	c3 := sharedClient(t, m, tier3, nil)
	n, err := c3.WarmCacheFromShared(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, c3.MemoryStats().Cache.Size)
}

// Redis killed mid-run: calls keep succeeding from the vendor and L1, each
// delayed at most by the shared timeout; the failures are counted and logged once.
func TestRedisKilledMidRunKeepsCallsSucceeding(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	tier, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tier.Close()
	var logs syncbuf.Buffer
	c := sharedClient(t, m, tier, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()

	_, err = c.Chat.Completions.Create(ctx, question(m, "before"))
	require.NoError(t, err)
	srv.Kill()
	for i := range 5 {
		res, err := c.Chat.Completions.Create(ctx, question(m, "after "+strings.Repeat("x", i)))
		require.NoError(t, err, "a Redis fault never fails a call")
		assert.False(t, res.Cached)
	}
	res, err := c.Chat.Completions.Create(ctx, question(m, "before"))
	require.NoError(t, err)
	assert.True(t, res.Cached, "L1 still answers")
	require.NoError(t, c.Close())
	ms := c.MemoryStats().Cache
	assert.Positive(t, ms.Shared.Errors)
	assert.True(t, ms.Shared.Failing)
	assert.Equal(t, 1, strings.Count(logs.String(), "shared cache tier failing"), "one warning for the streak, not one per call:\n%s", logs.String())
}

// A Redis that hangs (SIGSTOP) delays a call by the shared timeout, not more.
func TestHungRedisCostsAtMostTheTimeout(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	tier, err := rediscache.Open(srv.URL(), rediscache.Options{ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	require.NoError(t, err)
	defer tier.Close()
	c := sharedClient(t, m, tier, slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil)))
	_, err = c.Chat.Completions.Create(context.Background(), question(m, "warm the connection"))
	require.NoError(t, err)
	srv.Pause()
	defer srv.Resume()
	start := time.Now()
	_, err = c.Chat.Completions.Create(context.Background(), question(m, "while hung"))
	require.NoError(t, err)
	// The read waits for the 200ms SharedTimeout, not Redis's minute; the bound is
	// loose for a loaded machine — the point is that it does not hang.
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Positive(t, c.MemoryStats().Cache.Shared.Errors)
}

// A slow Redis (a proxy adding latency): below the timeouts, hits still come
// from Redis; above them (1s each way, against the 200ms SharedTimeout and
// rediscache's 100ms read timeout) every call still succeeds, from the vendor,
// delayed by about the timeout and not by Redis, and each slow read is a miss
// and an error; once Redis is fast again, its hits come back.
func TestSlowRedis(t *testing.T) {
	srv := redistest.Start(t)
	slow := redistest.StartSlowProxy(t, srv.Addr())
	m := harbortest.Start(t, harbortest.DeepSeek)
	direct, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer direct.Close()
	proxied, err := rediscache.Open(slow.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer proxied.Close()
	ctx := context.Background()

	// Another process stores three answers in Redis; this one has none in L1.
	writer := sharedClient(t, m, direct, nil)
	for _, q := range []string{"fast", "slow", "fast again"} {
		_, err := writer.Chat.Completions.Create(ctx, question(m, q))
		require.NoError(t, err)
	}
	require.NoError(t, writer.Close()) // waits for the writes to Redis
	c := sharedClient(t, m, proxied, slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil)))
	vendor := len(m.ChatRequests())
	require.NoError(t, proxied.Client().Ping(ctx).Err()) // connected before the latency: each call below is one GET

	ask := func(q string) (*harbor.ChatCompletion, time.Duration) {
		t.Helper()
		start := time.Now()
		res, err := c.Chat.Completions.Create(ctx, question(m, q))
		require.NoError(t, err, "a slow Redis never fails a call")
		return res, time.Since(start)
	}

	slow.SetLatency(10 * time.Millisecond)
	res, fast := ask("fast")
	assert.True(t, res.Cached, "10ms each way is below the timeouts: a hit from Redis")
	assert.EqualValues(t, 1, c.MemoryStats().Cache.SharedHits)

	slow.SetLatency(time.Second)
	res, slowest := ask("slow")
	for i := range 3 {
		r, took := ask("slow, new " + strings.Repeat("x", i))
		assert.False(t, r.Cached)
		slowest = max(slowest, took)
	}
	assert.False(t, res.Cached, "Redis has it, but not within the timeout: a miss, answered by the vendor")
	// About the 200ms SharedTimeout (the 100ms read timeout ends it first);
	// the bound is loose for a loaded machine: bounded, not hanging for 2s.
	assert.Less(t, slowest, 2*time.Second)
	ms := c.MemoryStats().Cache
	assert.EqualValues(t, 1, ms.SharedHits)
	assert.GreaterOrEqual(t, ms.Misses, int64(4))
	assert.GreaterOrEqual(t, ms.Shared.Errors, int64(4), "each slow read is an error")
	assert.True(t, ms.Shared.Failing)
	assert.Equal(t, vendor+4, len(m.ChatRequests()))
	// The four answers' writes to Redis run in the background, and fail too
	// once their timeout passes: waited for here, since one that failed after
	// the read below would mark the tier failing again.
	require.Eventually(t, func() bool { return c.MemoryStats().Cache.Shared.Errors >= 8 }, 5*time.Second, 5*time.Millisecond,
		"4 slow reads and their 4 writes fail")

	slow.SetLatency(0)
	res, back := ask("fast again")
	assert.True(t, res.Cached, "Redis fast again: its hits are back")
	ms = c.MemoryStats().Cache
	assert.EqualValues(t, 2, ms.SharedHits)
	assert.False(t, ms.Shared.Failing)
	t.Logf("call at 10ms each way: %v (hit); slowest at 1s each way: %v (miss); at 0 again: %v (hit); shared errors %d",
		fast, slowest, back, ms.Shared.Errors)
}

// Garbage under a key is a miss and an error count, never a failed call.
func TestGarbageInRedisIsAMiss(t *testing.T) {
	srv := redistest.Start(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	tier, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer tier.Close()
	c := sharedClient(t, m, tier, slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil)))
	ctx := context.Background()
	_, err = c.Chat.Completions.Create(ctx, question(m, "q"))
	require.NoError(t, err)
	require.NoError(t, c.Close())

	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.NoError(t, rdb.Set(ctx, keys[0], `{"v":1,"completion":{"choices":"nope"}}`, time.Hour).Err())

	other := sharedClient(t, m, tier, slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil)))
	res, err := other.Chat.Completions.Create(ctx, question(m, "q"))
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.EqualValues(t, 1, other.MemoryStats().Cache.Shared.Errors)
	assert.Len(t, m.ChatRequests(), 2)
}
